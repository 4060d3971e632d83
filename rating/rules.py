"""The rating rules for one supply point and period (CASES.md): the reference the engine matches."""

from __future__ import annotations

import calendar
from collections import defaultdict
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction
from itertools import pairwise

COMMODITIES = ("ELE", "GAS")
USES = ("domestic_resident", "domestic_nonresident", "non_domestic")
VOLTAGES = ("LV", "MV", "HV")
METERS = ("interval", "register")
OFFER_KINDS = ("fixed", "indexed")
INDEX_OF = {"ELE": "PUN", "GAS": "PSV"}
ELECTRICITY_BANDS = ("F1", "F2", "F3")
ALL_BANDS = "ALL"

# regulated components and the basis each is priced on, in the order of the invoice
ELECTRICITY_TARIFFS = {
    "losses": "percent",
    "dispatching": "per_kwh",
    "network_fixed": "per_point_year",
    "system_fixed": "per_point_year",
    "network_power": "per_kw_year",
    "system_power": "per_kw_year",
    "network_energy": "per_kwh",
    "system_energy": "per_kwh",
}
GAS_TARIFFS = {
    "marketing_variable": "per_smc",
    "marketing_fixed": "per_point_year",
    "network_fixed": "per_point_year",
    "system_fixed": "per_point_year",
    "network_energy": "per_smc",
    "system_energy": "per_smc",
}
GAS_TIERED_TARIFFS = ("network_energy",)

# the bill's line groups (DOMAIN.md §6-§7) in the order printed, and each component's group
LINE_GROUPS = ("energy", "network", "system", "excise", "other")
COMPONENT_GROUPS = {
    "energy": "energy",
    "dispatching": "energy",
    "marketing_fee": "energy",
    "marketing_fixed": "energy",
    "marketing_variable": "energy",
    "network_fixed": "network",
    "network_power": "network",
    "network_energy": "network",
    "system_fixed": "system",
    "system_power": "system",
    "system_energy": "system",
    "excise": "excise",
    "regional_surcharge": "excise",
}
COMPONENT_ORDER = tuple(COMPONENT_GROUPS)
# the components whose quantity is consumption: what a true-up restates. The others are priced
# per day or per month, and each month's bill charged them for its own days already.
CONSUMPTION_COMPONENTS = (
    "energy",
    "dispatching",
    "marketing_variable",
    "network_energy",
    "system_energy",
    "excise",
    "regional_surcharge",
)
BAND_ORDER = (*ELECTRICITY_BANDS, "ALL")

PROVENANCES = ("actual", "self_reading", "estimate")  # by trust, most trusted first

# the law grants the domestic resident excise exemption only up to this committed power
EXCISE_EXEMPTION_MAX_POWER_KW = Decimal(3)

CENT = Decimal("0.01")
YEAR_SHARE_QUANTUM = Decimal("0.000001")
UNIT_PRICE_QUANTUM = Decimal("0.000001")  # unit prices carry 6 decimals (DOMAIN.md §6)
QUANTITY_QUANTUM = Decimal("0.000001")  # where a price change cuts a quantity pro rata to days
DAYS_PER_YEAR = 365
KWH_PER_MWH = 1000


def round_to_cent(amount: Decimal) -> Decimal:
    """The one rounding of money in Python: half-up to the cent."""
    return amount.quantize(CENT, rounding=ROUND_HALF_UP)


def divide_half_up(numerator: Decimal, denominator: Decimal, quantum: Decimal) -> Decimal:
    """numerator / denominator rounded half-up (away from zero) to `quantum`, exactly."""
    steps = Fraction(numerator) / Fraction(denominator) / Fraction(quantum)
    whole, rest = divmod(abs(steps.numerator), steps.denominator)
    if 2 * rest >= steps.denominator:
        whole += 1
    sign = -1 if steps < 0 else 1
    return sign * whole * quantum


@dataclass(frozen=True)
class Period:
    """Days from `start` to `end`, both included; a case period is whole calendar months."""

    start: date
    end: date

    @classmethod
    def of_month(cls, day: date) -> Period:
        """The calendar month that contains `day`."""
        last_day = calendar.monthrange(day.year, day.month)[1]
        return cls(day.replace(day=1), day.replace(day=last_day))

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    @property
    def months(self) -> int:
        return (self.end.year - self.start.year) * 12 + self.end.month - self.start.month + 1

    @property
    def month_share(self) -> Decimal:
        """The months supplied, for the per-month parts: each whole calendar month counts 1, a
        month supplied in part its days over the month's days; 6 decimals half-up."""
        share = Fraction(0)
        month = self.start.replace(day=1)
        while month <= self.end:
            whole = Period.of_month(month)
            first, last = max(self.start, whole.start), min(self.end, whole.end)
            share += Fraction((last - first).days + 1, whole.days)
            month = whole.end + timedelta(days=1)
        return divide_half_up(
            Decimal(share.numerator), Decimal(share.denominator), YEAR_SHARE_QUANTUM
        )

    @property
    def year_share(self) -> Decimal:
        return (Decimal(self.days) / DAYS_PER_YEAR).quantize(
            YEAR_SHARE_QUANTUM, rounding=ROUND_HALF_UP
        )


@dataclass(frozen=True)
class SupplyPoint:
    commodity: str
    use: str
    voltage: str | None = None
    power_kw: Decimal | None = None
    meter: str | None = None


@dataclass(frozen=True)
class MarketPrice:
    """One hour of PUN (with its band, and the point's kWh in it for an interval meter) or one
    day of PSV, in €/MWh."""

    price_eur_mwh: Decimal
    band: str = ALL_BANDS
    kwh: Decimal | None = None


def pun_index_price(
    hours: Iterable[MarketPrice], bands: Iterable[str], weighted: bool
) -> dict[str, Decimal]:
    """€/kWh per band from hourly PUN, 6 decimals half-up.

    Interval meters (`weighted`): the PUN of the band's hours weighted by the point's kWh in
    each. Register meters, or a band without consumption: the plain mean of the band's hours.
    Band ALL takes every hour.
    """
    hours = list(hours)
    prices: dict[str, Decimal] = {}
    for band in bands:
        in_band = [hour for hour in hours if band in (ALL_BANDS, hour.band)]
        if not in_band:
            raise ValueError(f"no PUN hour of band {band}")
        kwh = sum((hour.kwh or Decimal(0) for hour in in_band), Decimal(0))
        if weighted and kwh != 0:
            weighted_sum = sum((hour.kwh * hour.price_eur_mwh for hour in in_band), Decimal(0))
            prices[band] = divide_half_up(weighted_sum, kwh * KWH_PER_MWH, UNIT_PRICE_QUANTUM)
        else:
            total = sum((hour.price_eur_mwh for hour in in_band), Decimal(0))
            prices[band] = divide_half_up(
                total, Decimal(len(in_band) * KWH_PER_MWH), UNIT_PRICE_QUANTUM
            )
    return prices


def psv_index_price(days: Iterable[MarketPrice], pcs_mwh_per_smc: Decimal) -> Decimal:
    """€/Smc from daily PSV: the mean €/MWh of the days × PCS (MWh/Smc), 6 decimals half-up."""
    days = list(days)
    if not days:
        raise ValueError("no PSV day")
    total = sum((day.price_eur_mwh for day in days), Decimal(0))
    return divide_half_up(total * pcs_mwh_per_smc, Decimal(len(days)), UNIT_PRICE_QUANTUM)


@dataclass(frozen=True)
class Offer:
    """`index_price` is €/unit per band before the spread: given, or computed from `market`
    (PUN hours or PSV days, with `pcs_mwh_per_smc` for gas), which is kept as the input."""

    kind: str
    fee_month: Decimal
    energy_price: Mapping[str, Decimal] = field(default_factory=dict)
    index: str | None = None
    index_price: Mapping[str, Decimal] = field(default_factory=dict)
    spread: Decimal = Decimal(0)
    market: tuple[MarketPrice, ...] = ()
    pcs_mwh_per_smc: Decimal | None = None

    def energy_unit_price(self, band: str) -> Decimal:
        """A band's price; a price under ALL applies to every band."""
        if self.kind == "fixed":
            return _band_price(self.energy_price, band)
        return _band_price(self.index_price, band) + self.spread


def _band_price(prices: Mapping[str, Decimal], band: str) -> Decimal:
    return prices[band] if band in prices else prices[ALL_BANDS]


@dataclass(frozen=True)
class Tier:
    """A step of a tiered price; `upper` is per year (Smc) or per month (kWh), None at the top."""

    upper: Decimal | None
    price: Decimal


@dataclass(frozen=True)
class Tariff:
    """A regulated component; `unit_price` holds the rate for basis percent.

    `changes` is for a price that changes within the billed period: each part of the period
    (in date order, together covering it) with its unit price; `unit_price` is then unused.
    Only an untiered component priced per day or per unit of consumption may change.
    """

    component: str
    basis: str
    unit_price: Decimal | None = None
    tiers: tuple[Tier, ...] = ()
    changes: tuple[tuple[Period, Decimal], ...] = ()

    def parts(self, period: Period) -> tuple[tuple[Period, Decimal], ...]:
        """Each part of `period` with its price: the changes, or the whole period."""
        return self.changes or ((period, self.unit_price),)

    def per_year(self, period: Period, scale: Decimal) -> list[tuple[Decimal, Decimal]]:
        """(quantity, unit price) of a price per year: `scale` × each part's year share."""
        return [(scale * part.year_share, price) for part, price in self.parts(period)]

    def consumption_slices(
        self, period: Period, whole: Decimal
    ) -> list[tuple[Decimal, Decimal, Decimal]]:
        """(start, end, unit price) of a price per unit: `whole` cut pro rata to each part's
        days, the cuts rounded half-up to 6 decimals, so that the parts add up to `whole`."""
        slices, start, days_through = [], Decimal(0), 0
        parts = self.parts(period)
        for number, (part, price) in enumerate(parts, start=1):
            days_through += part.days
            if number == len(parts):
                end = whole
            else:
                end = divide_half_up(whole * days_through, Decimal(period.days), QUANTITY_QUANTUM)
            slices.append((start, end, price))
            start = end
        return slices


@dataclass(frozen=True)
class Excise:
    """Electricity domestic: `rate` (and the resident exemption); otherwise `tiers`."""

    rate: Decimal | None = None
    exempt_kwh_month: Decimal | None = None
    tiers: tuple[Tier, ...] = ()


@dataclass(frozen=True)
class Taxes:
    vat_rate: Decimal
    excise: Excise
    vat_reduced_rate: Decimal | None = None
    vat_reduced_smc_year: Decimal | None = None
    regional_surcharge: tuple[Tier, ...] = ()


@dataclass(frozen=True)
class Case:
    """Everything needed to price one supply point for one period."""

    period: Period
    supply_point: SupplyPoint
    offer: Offer
    consumption: Mapping[str, Decimal]  # kWh per band, or Smc under ALL
    tariffs: Mapping[str, Tariff]  # by component
    taxes: Taxes
    name: str = ""


@dataclass(frozen=True)
class Line:
    component: str
    quantity: Decimal
    unit_price: Decimal
    vat_rate: Decimal
    band: str | None = None
    tier: int | None = None

    @property
    def amount(self) -> Decimal:
        return round_to_cent(self.quantity * self.unit_price)

    @property
    def group(self) -> str:
        return COMPONENT_GROUPS.get(self.component, "other")

    def reversed(self) -> Line:
        """The line that cancels this one: the same price, the opposite quantity and amount."""
        return replace(self, quantity=-self.quantity)


def line_order(line: Line) -> tuple:
    """Lines of one supply point and period as the bill prints them: by group and component,
    then band, tier and VAT rate."""
    component = COMPONENT_ORDER.index(line.component) if line.component in COMPONENT_ORDER else 99
    band = BAND_ORDER.index(line.band) if line.band in BAND_ORDER else -1
    return (component, band, line.tier or 0, line.vat_rate)


@dataclass(frozen=True)
class VatSummary:
    rate: Decimal
    taxable: Decimal
    vat: Decimal


@dataclass(frozen=True)
class Invoice:
    lines: tuple[Line, ...]
    vat: tuple[VatSummary, ...]

    @property
    def taxable(self) -> Decimal:
        return sum((summary.taxable for summary in self.vat), Decimal(0))

    @property
    def vat_total(self) -> Decimal:
        return sum((summary.vat for summary in self.vat), Decimal(0))

    @property
    def total(self) -> Decimal:
        return self.taxable + self.vat_total


def price(case: Case) -> Invoice:
    """The invoice of one case: its lines and VAT per rate."""
    return invoice(case_lines(case))


def case_lines(case: Case) -> list[Line]:
    """The billed lines of one case, in the bill's order."""
    electricity = case.supply_point.commodity == "ELE"
    lines = electricity_lines(case) if electricity else gas_lines(case)
    return sorted((line for line in lines if line.quantity != 0), key=line_order)


def contract_versions_lines(cases: Sequence[Case]) -> list[Line]:
    """A month under several contract versions (an offer change, DOMAIN.md §8): each version's
    part of the month is a case of its own, with its offer, its days (the fixed parts pro rata)
    and its consumption; the bill carries their lines one part after the other, and VAT is
    computed on them together (invoice). The parts must follow each other day by day."""
    for earlier, later in pairwise(cases):
        if later.period.start != earlier.period.end + timedelta(days=1):
            raise ValueError(
                f"contract versions: {later.period.start} does not follow {earlier.period.end}"
            )
    return [line for case in cases for line in case_lines(case)]


def true_up_lines(restated: Iterable[Line], earlier: Iterable[Line]) -> list[Line]:
    """A conguaglio: the consumption lines of the span priced again on actual quantities, less
    the consumption lines earlier documents charged for it (each reversed at its own price), so
    the sum is the difference."""
    return [
        *(line for line in restated if line.component in CONSUMPTION_COMPONENTS),
        *(line.reversed() for line in earlier if line.component in CONSUMPTION_COMPONENTS),
    ]


def invoice(lines: Iterable[Line]) -> Invoice:
    """VAT per rate on the sum of that rate's line amounts; an invoice may span supply points."""
    # a line with nothing to bill (a band or tier not reached) is left out
    billed = tuple(line for line in lines if line.quantity != 0)
    taxable_by_rate: dict[Decimal, Decimal] = defaultdict(Decimal)
    for line in billed:
        taxable_by_rate[line.vat_rate] += line.amount
    vat = tuple(
        VatSummary(rate, taxable, round_to_cent(rate * taxable))
        for rate, taxable in sorted(taxable_by_rate.items())
    )
    return Invoice(billed, vat)


def electricity_lines(case: Case) -> list[Line]:
    period, tariffs, vat_rate = case.period, case.tariffs, case.taxes.vat_rate
    gross_up = 1 + tariffs["losses"].unit_price
    total = sum(case.consumption.values(), Decimal(0))
    per_year_scale = {
        "network_fixed": Decimal(1),
        "system_fixed": Decimal(1),
        "network_power": case.supply_point.power_kw,
        "system_power": case.supply_point.power_kw,
    }
    per_unit_whole = {
        "dispatching": total * gross_up,
        "network_energy": total,
        "system_energy": total,
    }
    regulated: dict[str, list[Line]] = {}
    for component in ("dispatching", *per_year_scale, "network_energy", "system_energy"):
        if component not in tariffs:
            continue
        tariff = tariffs[component]
        if component in per_year_scale:
            parts = tariff.per_year(period, per_year_scale[component])
        else:
            slices = tariff.consumption_slices(period, per_unit_whole[component])
            parts = [(end - start, price) for start, end, price in slices]
        regulated[component] = [Line(component, q, price, vat_rate) for q, price in parts]
    energy = [
        Line("energy", quantity * gross_up, case.offer.energy_unit_price(band), vat_rate, band=band)
        for band, quantity in sorted(case.consumption.items())
    ]
    marketing_fee = Line("marketing_fee", period.month_share, case.offer.fee_month, vat_rate)
    dispatching = regulated.pop("dispatching", [])
    return [
        *energy,
        *dispatching,
        marketing_fee,
        *(line for lines in regulated.values() for line in lines),
        *electricity_excise(case, total),
    ]


def electricity_excise(case: Case, total: Decimal) -> list[Line]:
    # monthly bounds pro rata to the days supplied, like the monthly fee
    point, excise, months = case.supply_point, case.taxes.excise, case.period.month_share
    vat_rate = case.taxes.vat_rate
    if point.use == "non_domestic":
        return [
            Line("excise", end - start, rate, vat_rate, tier=number)
            for number, start, end, rate in tier_slices(total, excise.tiers, Decimal(months))
        ]
    quantity = total
    if point.use == "domestic_resident" and point.power_kw <= EXCISE_EXEMPTION_MAX_POWER_KW:
        quantity = max(total - excise.exempt_kwh_month * months, Decimal(0))
    return [Line("excise", quantity, excise.rate, vat_rate)]


def tier_slices(
    total: Decimal, tiers: Iterable[Tier], scale: Decimal
) -> Iterator[tuple[int, Decimal, Decimal, Decimal]]:
    """(tier number, start, end, price) of each tier that `total` reaches; bounds × `scale`."""
    start = Decimal(0)
    for number, tier in enumerate(tiers, start=1):
        bound = None if tier.upper is None else tier.upper * scale
        end = total if bound is None else min(total, bound)
        if end > start:
            yield number, start, end, tier.price
        if bound is None or bound >= total:
            return
        start = bound


def gas_lines(case: Case) -> list[Line]:
    period, tariffs, taxes = case.period, case.tariffs, case.taxes
    smc = case.consumption[ALL_BANDS]
    year_share = period.year_share
    if case.supply_point.use == "non_domestic":
        reduced_bound = Decimal(0)
    else:
        reduced_bound = taxes.vat_reduced_smc_year * year_share

    def per_smc(
        component: str, start: Decimal, end: Decimal, unit_price: Decimal, tier: int | None = None
    ) -> Iterator[Line]:
        """The Smc from `start` to `end`, split at the reduced-VAT bound."""
        if start < reduced_bound:
            quantity = min(end, reduced_bound) - start
            yield Line(component, quantity, unit_price, taxes.vat_reduced_rate, tier=tier)
        if end > reduced_bound:
            quantity = end - max(start, reduced_bound)
            yield Line(component, quantity, unit_price, taxes.vat_rate, tier=tier)

    def tiered(component: str, tiers: Iterable[Tier]) -> Iterator[Line]:
        for number, start, end, unit_price in tier_slices(smc, tiers, year_share):
            yield from per_smc(component, start, end, unit_price, tier=number)

    lines = list(per_smc("energy", Decimal(0), smc, case.offer.energy_unit_price(ALL_BANDS)))
    lines.append(Line("marketing_fee", period.month_share, case.offer.fee_month, taxes.vat_rate))
    for component, basis in GAS_TARIFFS.items():
        if component not in tariffs:
            continue
        tariff = tariffs[component]
        if basis == "per_point_year":
            for quantity, unit_price in tariff.per_year(period, Decimal(1)):
                lines.append(Line(component, quantity, unit_price, taxes.vat_rate))
        elif component in GAS_TIERED_TARIFFS:
            lines.extend(tiered(component, tariff.tiers))
        else:
            for start, end, unit_price in tariff.consumption_slices(period, smc):
                lines.extend(per_smc(component, start, end, unit_price))
    lines.extend(tiered("excise", taxes.excise.tiers))
    lines.extend(tiered("regional_surcharge", taxes.regional_surcharge))
    return lines
