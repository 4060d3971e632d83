"""The synthetic registry: customers and hierarchy, accounts, supply points, offers, contracts."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from functools import partial
from typing import TypeVar

import numpy as np
from faker import Faker

from landing.sources import SOURCES_BY_NAME
from synthetic.formats import LandingWriter, amount, italian_date, rng_for
from synthetic.identities import (
    PLACES,
    Place,
    codice_fiscale,
    iban,
    partita_iva,
    pdr_code,
    pod_code,
    sdi_code,
    slug,
)
from synthetic.local_time import Period

ELE_DSOS = ("001", "012", "035", "067")
ELE_DSO_WEIGHTS = (0.72, 0.12, 0.09, 0.07)
GAS_DSOS = ("101", "114", "230")
GAS_DSO_WEIGHTS = (0.5, 0.3, 0.2)

COMPANY_NAMES = (
    "Luce e Gas Italia S.p.A.",
    "Energia Tricolore S.r.l.",
    "Adriatica Energia S.p.A.",
    "Alpi Power S.r.l.",
    "Tirreno Luce e Gas S.p.A.",
)

BUSINESS_SHARE = 0.25
# a standard gas household's yearly Smc by climate zone: colder zones heat longer
GAS_SMC_BY_ZONE = {"A": 300, "B": 350, "C": 550, "D": 800, "E": 1100, "F": 1500}
GAS_BUSINESS_SMC_BY_CLASS = {
    "G10": (3_000, 12_000),
    "G16": (8_000, 25_000),
    "G25": (15_000, 45_000),
    "G40": (30_000, 80_000),
    "G65": (50_000, 150_000),
}
DOMESTIC_KWH_BY_POWER = {
    Decimal("3"): (1_200, 3_200),
    Decimal("4.5"): (2_500, 4_800),
    Decimal("6"): (3_500, 6_500),
}
BUSINESS_POWERS_KW = (10, 15, 20, 30, 50, 75, 100, 150, 200, 300, 500)
BUSINESS_POWER_WEIGHTS = (0.18, 0.16, 0.14, 0.13, 0.11, 0.08, 0.07, 0.05, 0.04, 0.02, 0.02)
MV_FROM_KW = 100  # larger business supplies are connected at medium voltage

T = TypeVar("T")


@dataclass
class Company:
    company_id: str
    name: str
    vat_number: str
    address: str
    place: Place
    iban: str


@dataclass
class Customer:
    customer_id: str
    company_id: str
    parent_customer_id: str | None
    kind: str
    first_name: str | None
    last_name_or_company: str
    tax_code: str | None
    vat_number: str | None
    segment: str
    email: str | None
    phone: str | None
    language: str
    status: str
    privacy_consent_date: date | None
    marketing_consent_date: date | None
    place: Place  # home or head office
    address: str
    since: date  # first signature with us


@dataclass
class BillingAccount:
    billing_account_id: str
    company_id: str
    customer_id: str
    address: str
    place: Place
    sdi_code: str | None
    pec: str | None
    payment_method: str
    iban: str | None
    billing_cycle: str
    delivery: str
    email: str | None
    payment_days: int


@dataclass
class MeterChange:
    """The DSO replaced the meter on `day`: closing reading of the old one, opening of the new."""

    day: date
    meter_serial: str
    meter_digits: int
    opening_reading: int


@dataclass
class SupplyPoint:
    supply_point_id: str
    company_id: str
    commodity: str
    billing_account_id: str
    customer_id: str
    dso: str  # three digits; files and the registry name it DSO<dso>
    address: str
    place: Place
    use: str
    voltage: str | None
    power_kw: Decimal | None
    meter_type: str
    meter_serial: str
    meter_digits: int
    gas_meter_class: str | None
    annual_consumption: int  # kWh or Smc
    valid_from: date
    segment: str
    supply_end: date | None = None  # last day supplied, for customers who left before the period
    meter_change: MeterChange | None = None
    rollover_month: date | None = None  # month in which the register wraps past 10**digits

    @property
    def dso_code(self) -> str:
        return f"DSO{self.dso}"

    def supplied_in(self, period: Period) -> bool:
        return self.supply_end is None or self.supply_end >= period.start


@dataclass
class Offer:
    offer_id: str
    company_id: str
    commodity: str
    name: str
    kind: str
    fee_month: Decimal
    valid_from: date
    price_f1: Decimal | None = None
    price_f2: Decimal | None = None
    price_f3: Decimal | None = None
    price_single: Decimal | None = None
    index_name: str | None = None
    spread: Decimal | None = None  # in the offer's unit: €/kWh or €/Smc
    valid_to: date | None = None


@dataclass
class Contract:
    contract_id: str
    version: int
    company_id: str
    supply_point_id: str
    customer_id: str
    billing_account_id: str
    offer_id: str
    start_date: date
    end_date: date | None  # last day of supply under this version
    signed_date: date


@dataclass
class Registry:
    companies: list[Company] = field(default_factory=list)
    customers: list[Customer] = field(default_factory=list)
    billing_accounts: list[BillingAccount] = field(default_factory=list)
    supply_points: list[SupplyPoint] = field(default_factory=list)
    offers: list[Offer] = field(default_factory=list)
    contracts: list[Contract] = field(default_factory=list)
    # scenario facts the tests of ingestion and rating can assert on
    events: dict[str, list[dict[str, str]]] = field(default_factory=dict)


def micro(units: int) -> Decimal:
    """A unit price with 6 decimals from an integer count of millionths."""
    return Decimal(int(units)).scaleb(-6)


class _Builder:
    def __init__(self, seed: int, period: Period):
        self.rng = rng_for(seed, "registry")
        self.fake = Faker("it_IT")
        self.fake.seed_instance(seed)
        self.period = period
        self.registry = Registry()
        self._codes: set[str] = set()

    # ---- small helpers ------------------------------------------------------------------

    def pick(self, options: Sequence[T], weights: Sequence[float] | None = None) -> T:
        return options[int(self.rng.choice(len(options), p=weights))]

    def chance(self, probability: float) -> bool:
        return bool(self.rng.random() < probability)

    def day_between(self, first: date, last: date) -> date:
        return first + timedelta(days=int(self.rng.integers(0, (last - first).days + 1)))

    def unique(self, make: Callable[[], str]) -> str:
        while (code := make()) in self._codes:
            pass
        self._codes.add(code)
        return code

    def street(self) -> str:
        return f"{self.fake.street_name()}, {self.fake.building_number()}"

    def place(self) -> Place:
        return self.pick(PLACES)

    # ---- companies and their offers -----------------------------------------------------

    def company(self, index: int, customer_count: int) -> None:
        company_id = f"C{index + 1:02d}"
        name = (
            COMPANY_NAMES[index]
            if index < len(COMPANY_NAMES)
            else f"{self.fake.last_name()} Energia S.r.l."
        )
        self.registry.companies.append(
            Company(
                company_id,
                name,
                self.unique(lambda: partita_iva(self.rng)),
                self.street(),
                self.place(),
                iban(self.rng),
            )
        )
        offers = self.offers(company_id)
        self.registry.offers.extend(offers)
        counters = {"customer": 0, "account": 0, "contract": 0}

        def next_id(kind: str, prefix: str) -> str:
            counters[kind] += 1
            return f"{company_id}-{prefix}{counters[kind]:05d}"

        business_count = round(customer_count * BUSINESS_SHARE)
        if customer_count >= 8:
            business_count = max(business_count, 3)
        is_business = np.zeros(customer_count, dtype=bool)
        is_business[self.rng.permutation(customer_count)[:business_count]] = True

        has_hierarchy = business_count >= 3
        nodes = (
            self.hierarchy(company_id, lambda: next_id("customer", "CL")) if has_hierarchy else []
        )
        # the first business customers fill every level so the hierarchy is always deep
        pinned_parents = [n.customer_id for n in reversed(nodes)]
        first_contracts: list[Contract] = []
        for business in is_business:
            parent, status = None, None
            if business and pinned_parents:
                parent, status = pinned_parents.pop(0), "active"
            elif business and nodes and self.chance(0.3):
                parent = self.pick([n.customer_id for n in nodes])
            customer = self.customer(
                company_id, next_id("customer", "CL"), bool(business), parent, status
            )
            if customer.status == "prospect":
                continue
            for n in range(self.pick((1, 2, 3), (0.6, 0.3, 0.1)) if business else 1):
                account = self.billing_account(customer, next_id("account", "BA"), first=n == 0)
                for point in self.supply_points(customer, account):
                    contract = self.contract(point, offers, next_id("contract", "CT"))
                    first_contracts.append(contract)
        self.contract_changes(first_contracts, offers)

    def offers(self, company_id: str) -> list[Offer]:
        r = self.rng
        valid_from = date(self.period.start.year - 2, 1, 1)

        def fee() -> Decimal:
            return Decimal(int(r.integers(800, 1_300))).scaleb(-2)

        f1 = int(r.integers(125_000, 150_000))
        f2 = int(r.integers(110_000, f1))
        f3 = int(r.integers(95_000, f2))
        return [
            Offer(
                f"{company_id}-OF01",
                company_id,
                "ELE",
                "Luce Tre Fasce",
                "fixed",
                fee(),
                valid_from,
                price_f1=micro(f1),
                price_f2=micro(f2),
                price_f3=micro(f3),
            ),
            Offer(
                f"{company_id}-OF02",
                company_id,
                "ELE",
                "Luce Prezzo Fisso",
                "fixed",
                fee(),
                valid_from,
                price_single=micro(r.integers(115_000, 140_000)),
            ),
            Offer(
                f"{company_id}-OF03",
                company_id,
                "ELE",
                "Luce PUN Index",
                "indexed",
                fee(),
                valid_from,
                index_name="PUN",
                spread=micro(r.integers(8_000, 20_000)),
            ),
            Offer(
                f"{company_id}-OF04",
                company_id,
                "GAS",
                "Gas Prezzo Fisso",
                "fixed",
                fee(),
                valid_from,
                price_single=micro(r.integers(500_000, 700_000)),
            ),
            Offer(
                f"{company_id}-OF05",
                company_id,
                "GAS",
                "Gas PSV",
                "indexed",
                fee(),
                valid_from,
                index_name="PSV",
                spread=micro(r.integers(50_000, 150_000)),
            ),
        ]

    # ---- customers ----------------------------------------------------------------------

    def hierarchy(self, company_id: str, next_id: Callable[[], str]) -> list[Customer]:
        """A group over two regions, a cost centre under the first region."""
        group_name = f"Gruppo {self.fake.last_name()} S.p.A."
        since = self.period.start - timedelta(days=int(self.rng.integers(400, 3_000)))
        vat = self.unique(lambda: partita_iva(self.rng))

        def node(kind: str, name: str, parent: Customer | None, vat_number: str | None = None):
            return Customer(
                next_id(),
                company_id,
                parent.customer_id if parent else None,
                kind,
                None,
                name,
                vat_number,
                vat_number,
                "business",
                None,
                None,
                "it",
                "active",
                None,
                None,
                self.place(),
                self.street(),
                since,
            )

        group = node("group", group_name, None, vat)
        north = node("region", f"{group_name} - Area Nord", group)
        south = node("region", f"{group_name} - Area Centro-Sud", group)
        cost_centre = node("cost_centre", f"{group_name} - Centro di costo Logistica", north)
        nodes = [group, north, south, cost_centre]
        self.registry.customers.extend(nodes)
        return nodes

    def customer(
        self,
        company_id: str,
        customer_id: str,
        business: bool,
        parent: str | None,
        status: str | None,
    ) -> Customer:
        """`status` None draws one: a few prospects (no account yet) and ceased customers."""
        start = self.period.start
        if status is None:
            roll = self.rng.random()
            status = "prospect" if roll < 0.04 else "ceased" if roll < 0.08 else "active"
        if status == "prospect":
            since = self.day_between(start - timedelta(days=90), start - timedelta(days=1))
        elif status == "ceased":
            since = self.day_between(start - timedelta(days=3_650), start - timedelta(days=400))
        else:
            since = self.day_between(start - timedelta(days=3_650), start - timedelta(days=60))
        place, address = self.place(), self.street()
        language = "en" if self.chance(0.08) else "it"
        phone = self.fake.phone_number() if self.chance(0.9) else None
        marketing = (
            self.day_between(since, min(since + timedelta(days=400), start))
            if self.chance(0.55)
            else None
        )
        sole_trader = business and self.chance(0.2)
        if business and not sole_trader:
            name = self.fake.company()
            vat = self.unique(lambda: partita_iva(self.rng))
            domain = slug(name.split(",")[0].split()[0])
            customer = Customer(
                customer_id,
                company_id,
                parent,
                "company",
                None,
                name,
                vat,
                vat,
                "business",
                f"info@{domain}.it",
                phone,
                language,
                status,
                since,
                marketing,
                place,
                address,
                since,
            )
        else:
            female = self.chance(0.5)
            first = self.fake.first_name_female() if female else self.fake.first_name_male()
            last = self.fake.last_name()
            born = start - timedelta(days=int(self.rng.integers(19 * 365, 88 * 365)))
            birthplace = place if self.chance(0.7) else self.place()
            email = (
                f"{slug(first)}.{slug(last)}{self.rng.integers(1, 100)}@"
                f"{self.fake.free_email_domain()}"
                if self.chance(0.85) or business
                else None
            )
            customer = Customer(
                customer_id,
                company_id,
                parent,
                "person",
                first,
                last,
                codice_fiscale(first, last, born, female, birthplace),
                self.unique(lambda: partita_iva(self.rng)) if sole_trader else None,
                "business" if business else "domestic",
                email,
                phone,
                language,
                status,
                since,
                marketing,
                place,
                address,
                since,
            )
        self.registry.customers.append(customer)
        return customer

    def billing_account(
        self, customer: Customer, account_id: str, *, first: bool
    ) -> BillingAccount:
        """The first account bills to the customer's home or head office, others to branches."""
        business = customer.segment == "business"
        place, address = (
            (customer.place, customer.address) if first else (self.place(), self.street())
        )
        if business:
            method = self.pick(("SDD", "BANK_TRANSFER"), (0.5, 0.5))
            cycle = "monthly"
            payment_days = self.pick((30, 30, 60))
        else:
            method = self.pick(("SDD", "POSTAL_SLIP", "BANK_TRANSFER"), (0.65, 0.25, 0.10))
            cycle = self.pick(("bimonthly", "monthly"), (0.7, 0.3))
            payment_days = 20
        email = customer.email
        if business and email:
            email = email.replace("info@", "amministrazione@")
        delivery = "email" if email and self.chance(0.9 if business else 0.75) else "post"
        pec = None
        if business and self.chance(0.35):
            domain = self.pick(("pec.it", "legalmail.it"))
            pec = f"{slug(customer.last_name_or_company)[:20]}@{domain}"
        account = BillingAccount(
            account_id,
            customer.company_id,
            customer.customer_id,
            address,
            place,
            sdi_code(self.rng) if business else None,
            pec,
            method,
            iban(self.rng) if method == "SDD" else None,
            cycle,
            delivery,
            email,
            payment_days,
        )
        self.registry.billing_accounts.append(account)
        return account

    # ---- supply points and contracts ----------------------------------------------------

    def supply_points(self, customer: Customer, account: BillingAccount) -> list[SupplyPoint]:
        if customer.segment == "domestic":
            commodities = self.pick((("ELE",), ("ELE", "GAS"), ("GAS",)), (0.35, 0.55, 0.10))
            resident = self.chance(0.82)
            use = "domestic_resident" if resident else "domestic_nonresident"
            place, address = (
                (customer.place, customer.address) if resident else (self.place(), self.street())
            )
            sites = [(commodity, use, place, address) for commodity in commodities]
        else:
            count = self.pick((1, 2, 3, 4), (0.45, 0.3, 0.15, 0.1))
            sites = [
                (self.pick(("ELE", "GAS"), (0.7, 0.3)), "non_domestic", self.place(), self.street())
                for _ in range(count)
            ]
        supply_end = None
        if customer.status == "ceased":
            supply_end = self.day_between(
                self.period.start - timedelta(days=300), self.period.start - timedelta(days=15)
            )
        last_start = (
            supply_end - timedelta(days=30) if supply_end else self.period.start - timedelta(days=1)
        )
        points = []
        for commodity, use, place, address in sites:
            make = self.electricity_point if commodity == "ELE" else self.gas_point
            point = make(
                customer, account, use, place, address, self.day_between(customer.since, last_start)
            )
            point.supply_end = supply_end
            points.append(point)
        self.registry.supply_points.extend(points)
        return points

    def electricity_point(
        self,
        customer: Customer,
        account: BillingAccount,
        use: str,
        place: Place,
        address: str,
        valid_from: date,
    ) -> SupplyPoint:
        dso = self.pick(ELE_DSOS, ELE_DSO_WEIGHTS)
        if customer.segment == "domestic":
            power = self.pick(tuple(DOMESTIC_KWH_BY_POWER), (0.7, 0.2, 0.1))
            low, high = DOMESTIC_KWH_BY_POWER[power]
            annual = int(self.rng.integers(low, high))
            if use == "domestic_nonresident":
                annual = max(200, annual * 3 // 10)  # second homes are used a few weeks a year
            meter_type = "interval" if self.chance(0.8) else "register"
            digits = (
                self.pick((6, 7), (0.6, 0.4))
                if meter_type == "interval"
                else self.pick((6, 7, 8), (0.5, 0.3, 0.2))
            )
        else:
            kw = self.pick(BUSINESS_POWERS_KW, BUSINESS_POWER_WEIGHTS)
            power = Decimal(kw)
            annual = int(kw * self.rng.integers(800, 2_500))
            meter_type = "interval"
            digits = self.pick((7, 8))
        voltage = "MV" if power >= MV_FROM_KW else "LV"
        serial = self.unique(
            lambda: f"{self.pick(('1AE', '2MA', '3EL'))}{self.rng.integers(10**9):09d}"
        )
        return SupplyPoint(
            self.unique(lambda: pod_code(dso, self.rng)),
            customer.company_id,
            "ELE",
            account.billing_account_id,
            customer.customer_id,
            dso,
            address,
            place,
            use,
            voltage,
            power,
            meter_type,
            serial,
            digits,
            None,
            annual,
            valid_from,
            customer.segment,
        )

    def gas_point(
        self,
        customer: Customer,
        account: BillingAccount,
        use: str,
        place: Place,
        address: str,
        valid_from: date,
    ) -> SupplyPoint:
        dso = self.pick(GAS_DSOS, GAS_DSO_WEIGHTS)
        if customer.segment == "domestic":
            meter_class = self.pick(("G4", "G6"), (0.85, 0.15))
            annual = int(GAS_SMC_BY_ZONE[place.climate_zone] * self.rng.uniform(0.6, 1.4))
            if use == "domestic_nonresident":
                annual = max(50, annual * 35 // 100)
            digits = self.pick((5, 6), (0.6, 0.4))
        else:
            meter_class = self.pick(tuple(GAS_BUSINESS_SMC_BY_CLASS), (0.35, 0.25, 0.2, 0.12, 0.08))
            annual = int(self.rng.integers(*GAS_BUSINESS_SMC_BY_CLASS[meter_class]))
            digits = self.pick((6, 7, 8))
        serial = self.unique(
            lambda: f"{self.pick(('GP', 'MG', 'SM'))}{self.rng.integers(10**8):08d}"
        )
        return SupplyPoint(
            self.unique(lambda: pdr_code(dso, self.rng)),
            customer.company_id,
            "GAS",
            account.billing_account_id,
            customer.customer_id,
            dso,
            address,
            place,
            use,
            None,
            None,
            "register",
            serial,
            digits,
            meter_class,
            annual,
            valid_from,
            customer.segment,
        )

    def contract(self, point: SupplyPoint, offers: list[Offer], contract_id: str) -> Contract:
        candidates = [o for o in offers if o.commodity == point.commodity]
        if point.commodity == "ELE":
            weights = (0.35, 0.35, 0.30) if point.segment == "domestic" else (0.3, 0.2, 0.5)
        else:
            weights = (0.55, 0.45)
        offer = self.pick(candidates, weights)
        signed = point.valid_from - timedelta(days=int(self.rng.integers(7, 46)))
        contract = Contract(
            contract_id,
            1,
            point.company_id,
            point.supply_point_id,
            point.customer_id,
            point.billing_account_id,
            offer.offer_id,
            point.valid_from,
            point.supply_end,
            signed,
        )
        self.registry.contracts.append(contract)
        return contract

    def contract_changes(self, contracts: list[Contract], offers: list[Offer]) -> None:
        """About one contract in ten changes offer inside the period: version 2 from that day."""
        open_contracts = [c for c in contracts if c.end_date is None]
        changing = [c for c in open_contracts if self.chance(0.1)]
        if not changing and open_contracts:
            changing = [open_contracts[0]]
        commodity_of = {o.offer_id: o.commodity for o in offers}
        for old in changing:
            day = self.day_between(
                self.period.start + timedelta(days=7), self.period.end - timedelta(days=7)
            )
            new_offer = self.pick(
                [
                    o.offer_id
                    for o in offers
                    if o.offer_id != old.offer_id and o.commodity == commodity_of[old.offer_id]
                ]
            )
            old.end_date = day - timedelta(days=1)
            self.registry.contracts.append(
                Contract(
                    old.contract_id,
                    2,
                    old.company_id,
                    old.supply_point_id,
                    old.customer_id,
                    old.billing_account_id,
                    new_offer,
                    day,
                    None,
                    day - timedelta(days=int(self.rng.integers(5, 31))),
                )
            )
            self.registry.events.setdefault("contract_changes", []).append(
                {
                    "contract_id": old.contract_id,
                    "supply_point_id": old.supply_point_id,
                    "from": day.isoformat(),
                    "old_offer_id": old.offer_id,
                    "new_offer_id": new_offer,
                }
            )

    # ---- meter events -------------------------------------------------------------------

    def meter_events(self) -> None:
        """A gas meter replacement, and a gas and an electricity register that roll over.

        Rolling over needs a meter with few digits, so the chosen meters get 5 (gas) or
        6 (electricity) digits, and the biggest consumers, so that the wrap shows even in a
        summer month; registers.py starts them close to 10**digits.
        """
        period = self.period
        supplied = [p for p in self.registry.supply_points if p.supplied_in(period)]
        gas = [p for p in supplied if p.commodity == "GAS" and p.segment == "domestic"]
        order = self.rng.permutation(len(gas))
        wrap_month = period.months[min(1, len(period.months) - 1)]
        if len(gas) >= 1:
            replaced = gas[order[0]]
            day = period.months[len(period.months) // 2] + timedelta(days=14)
            serial = self.unique(lambda: f"SM{self.rng.integers(10**8):08d}")
            replaced.meter_change = MeterChange(
                day, serial, replaced.meter_digits, int(self.rng.integers(0, 4))
            )
            self.registry.events.setdefault("meter_replacements", []).append(
                {
                    "supply_point_id": replaced.supply_point_id,
                    "commodity": "GAS",
                    "day": day.isoformat(),
                    "old_meter_serial": replaced.meter_serial,
                    "new_meter_serial": serial,
                }
            )
        if len(gas) >= 2:
            self.rollover(
                max((gas[i] for i in order[1:]), key=lambda p: p.annual_consumption), 5, wrap_month
            )
        ele = [p for p in supplied if p.commodity == "ELE" and p.segment == "domestic"]
        register = [p for p in ele if p.meter_type == "register"]
        if not register and ele:
            # small portfolios may draw no register meter: convert one so the case exists
            ele[0].meter_type = "register"
            register = [ele[0]]
        if register:
            self.rollover(max(register, key=lambda p: p.annual_consumption), 6, wrap_month)

    @staticmethod
    def rollover(point: SupplyPoint, digits: int, month: date) -> None:
        point.meter_digits = digits
        point.rollover_month = month


def build_registry(*, seed: int, companies: int, customers: int, period: Period) -> Registry:
    """Customers are split evenly over the companies; hierarchy nodes come on top of them."""
    builder = _Builder(seed, period)
    for index in range(companies):
        builder.company(index, customers // companies + (index < customers % companies))
    builder.meter_events()
    return builder.registry


# ---- files ------------------------------------------------------------------------------


def _text(value: object) -> str:
    return "" if value is None else str(value)


def company_row(c: Company) -> dict[str, str]:
    return {
        "company_id": c.company_id,
        "name": c.name,
        "vat_number": c.vat_number,
        "tax_code": c.vat_number,
        "address": c.address,
        "postcode": c.place.postcode,
        "city": c.place.city,
        "province": c.place.province,
        "iban": c.iban,
    }


def customer_row(c: Customer) -> dict[str, str]:
    return {
        "customer_id": c.customer_id,
        "company_id": c.company_id,
        "parent_customer_id": _text(c.parent_customer_id),
        "kind": c.kind,
        "first_name": _text(c.first_name),
        "last_name_or_company": c.last_name_or_company,
        "tax_code": _text(c.tax_code),
        "vat_number": _text(c.vat_number),
        "segment": c.segment,
        "email": _text(c.email),
        "phone": _text(c.phone),
        "language": c.language,
        "status": c.status,
        "privacy_consent_date": italian_date(c.privacy_consent_date),
        "marketing_consent_date": italian_date(c.marketing_consent_date),
    }


def billing_account_row(a: BillingAccount) -> dict[str, str]:
    return {
        "billing_account_id": a.billing_account_id,
        "company_id": a.company_id,
        "customer_id": a.customer_id,
        "address": a.address,
        "postcode": a.place.postcode,
        "city": a.place.city,
        "province": a.place.province,
        "sdi_code": _text(a.sdi_code),
        "pec": _text(a.pec),
        "payment_method": a.payment_method,
        "iban": _text(a.iban),
        "billing_cycle": a.billing_cycle,
        "delivery": a.delivery,
        "email": _text(a.email),
        "payment_days": str(a.payment_days),
    }


def supply_point_rows(p: SupplyPoint) -> list[dict[str, str]]:
    """One row per version of the technical data: a meter replacement adds one."""
    gas = p.commodity == "GAS"
    row = {
        "supply_point_id": p.supply_point_id,
        "company_id": p.company_id,
        "commodity": p.commodity,
        "billing_account_id": p.billing_account_id,
        "dso_code": p.dso_code,
        "address": p.address,
        "postcode": p.place.postcode,
        "city": p.place.city,
        "province": p.place.province,
        "use": p.use,
        "voltage": _text(p.voltage),
        "power_kw": amount(p.power_kw),
        "meter_type": p.meter_type,
        "meter_serial": p.meter_serial,
        "meter_digits": str(p.meter_digits),
        "gas_meter_class": _text(p.gas_meter_class),
        "annual_consumption": str(p.annual_consumption),
        "altitude_m": str(p.place.altitude_m) if gas else "",
        "climate_zone": p.place.climate_zone if gas else "",
        "valid_from": italian_date(p.valid_from),
    }
    rows = [row]
    if p.meter_change:
        rows.append(
            row
            | {
                "meter_serial": p.meter_change.meter_serial,
                "meter_digits": str(p.meter_change.meter_digits),
                "valid_from": italian_date(p.meter_change.day),
            }
        )
    return rows


def offer_row(o: Offer) -> dict[str, str]:
    return {
        "offer_id": o.offer_id,
        "company_id": o.company_id,
        "commodity": o.commodity,
        "name": o.name,
        "kind": o.kind,
        "price_f1": amount(o.price_f1),
        "price_f2": amount(o.price_f2),
        "price_f3": amount(o.price_f3),
        "price_single": amount(o.price_single),
        "index_name": _text(o.index_name),
        "spread": amount(o.spread),
        "fee_month": amount(o.fee_month),
        "valid_from": italian_date(o.valid_from),
        "valid_to": italian_date(o.valid_to),
    }


def contract_row(c: Contract) -> dict[str, str]:
    return {
        "contract_id": c.contract_id,
        "version": str(c.version),
        "company_id": c.company_id,
        "supply_point_id": c.supply_point_id,
        "customer_id": c.customer_id,
        "billing_account_id": c.billing_account_id,
        "offer_id": c.offer_id,
        "start_date": italian_date(c.start_date),
        "end_date": italian_date(c.end_date),
        "signed_date": italian_date(c.signed_date),
    }


def _of_company(company_id: str, items: list[T]) -> list[T]:
    return [i for i in items if i.company_id == company_id]


def write_registry(registry: Registry, writer: LandingWriter) -> None:
    """companies.csv for the installation, one file per company for everything else."""
    writer.write_rows(
        SOURCES_BY_NAME["companies"], "companies.csv", map(company_row, registry.companies)
    )
    contracts = sorted(registry.contracts, key=lambda c: (c.contract_id, c.version))
    for company in registry.companies:
        name = f"{company.company_id}.csv"
        own = partial(_of_company, company.company_id)
        writer.write_rows(
            SOURCES_BY_NAME["customers"], name, map(customer_row, own(registry.customers))
        )
        writer.write_rows(
            SOURCES_BY_NAME["billing_accounts"],
            name,
            map(billing_account_row, own(registry.billing_accounts)),
        )
        writer.write_rows(
            SOURCES_BY_NAME["supply_points"],
            name,
            [r for p in own(registry.supply_points) for r in supply_point_rows(p)],
        )
        writer.write_rows(SOURCES_BY_NAME["offers"], name, map(offer_row, own(registry.offers)))
        writer.write_rows(SOURCES_BY_NAME["contracts"], name, map(contract_row, own(contracts)))
