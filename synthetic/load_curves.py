"""Quarter-hour load curves of interval meters, computed for many points at once with numpy."""

from __future__ import annotations

import zlib
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

import numpy as np

from synthetic.formats import decimal_comma
from synthetic.identities import PLACES, pod_code_of
from synthetic.local_time import QUARTER_HOURS_PER_DAY, Period, day_type, slot_grid
from synthetic.profiles import (
    BUSINESS,
    DAY_TYPE_FACTOR,
    DOMESTIC,
    ELE_SEASON,
    quarter_hour_shapes,
)
from synthetic.registry import (
    BUSINESS_POWER_WEIGHTS,
    BUSINESS_POWERS_KW,
    DOMESTIC_KWH_BY_POWER,
    ELE_DSO_WEIGHTS,
    ELE_DSOS,
    BillingAccount,
    Company,
    Contract,
    Customer,
    Offer,
    Registry,
    SupplyPoint,
)

DECIMALS = 3  # DSOs send kWh with Wh resolution
UNITS_PER_KWH = 10**DECIMALS
SHAPES = quarter_hour_shapes()
# spread of a day's energy from day to day, and of a quarter hour within its day:
# households are spiky, businesses steady
DAY_NOISE = np.array([0.15, 0.05])
SLOT_NOISE = np.array([0.35, 0.08])


@dataclass(frozen=True)
class IntervalPoint:
    pod: str
    dso: str
    segment: int  # profiles.DOMESTIC or profiles.BUSINESS
    power_kw: float
    annual_kwh: float

    @property
    def cap_units(self) -> int:
        """Most the meter can register in a quarter hour: committed power x 0.25 h, in Wh."""
        return int(self.power_kw * 0.25 * UNITS_PER_KWH)

    @property
    def steadiness(self) -> float:
        """How much of the load follows the class shape rather than a flat base (0.6-1.0).

        Taken from the POD itself so a point keeps its character from month to month.
        """
        return 0.6 + 0.4 * zlib.crc32(self.pod.encode()) / 2**32


def value_table(max_units: int) -> np.ndarray:
    """Text of every value 0..max_units, and '' at index -1 for the slots a day lacks.

    Formatting 30 million numbers one by one is the slow part of a load curve file; looking
    them up in a table of strings is not.
    """
    return np.array([decimal_comma(i, DECIMALS) for i in range(max_units + 1)] + [""], dtype=object)


def load_curves(
    points: list[IntervalPoint], days: list[date], rng: np.random.Generator
) -> np.ndarray:
    """(points, days, 100) energy per file slot in Wh; -1 where the local day has no such slot."""
    grid = slot_grid(days)  # (days, 100) wall-clock quarter hour, 96 for a missing slot
    day_types = np.array([day_type(d) for d in days])
    months = np.array([d.month - 1 for d in days])
    segment = np.array([p.segment for p in points])
    annual = np.array([p.annual_kwh for p in points])
    steadiness = np.array([p.steadiness for p in points], dtype=np.float32)[:, None, None]
    cap = np.array([p.cap_units for p in points])[:, None, None]

    # float32 halves the work on 30 million values; the result is rounded to Wh anyway
    shape_by_day = SHAPES[:, day_types[:, None], grid].astype(np.float32)  # (segment, day, slot)
    flat = ((grid < QUARTER_HOURS_PER_DAY) / QUARTER_HOURS_PER_DAY).astype(np.float32)
    day_kwh = (
        annual[:, None]
        / 365
        * ELE_SEASON[segment[:, None], months[None, :]]
        * DAY_TYPE_FACTOR[segment[:, None], day_types[None, :]]
    )
    sigma_day = DAY_NOISE[segment][:, None]
    day_kwh *= np.exp(sigma_day * rng.standard_normal(day_kwh.shape) - sigma_day**2 / 2)

    sigma_slot = SLOT_NOISE[segment].astype(np.float32)[:, None, None]
    kwh = rng.standard_normal((len(points), len(days), 100), dtype=np.float32)
    kwh *= sigma_slot
    kwh -= sigma_slot**2 / 2
    np.exp(kwh, out=kwh)
    kwh *= steadiness * shape_by_day[segment] + (1 - steadiness) * flat
    kwh *= (day_kwh * UNITS_PER_KWH).astype(np.float32)[:, :, None]
    units = np.rint(kwh).astype(np.int64)
    np.minimum(units, cap, out=units)
    units[:, grid == QUARTER_HOURS_PER_DAY] = -1
    return units


def benchmark_points(count: int, rng: np.random.Generator) -> list[IntervalPoint]:
    """A portfolio of interval points without a registry: nine households to one business."""
    dsos = rng.choice(len(ELE_DSOS), size=count, p=ELE_DSO_WEIGHTS)
    numbers = rng.choice(10**8, size=count, replace=False)  # distinct, so PODs are unique
    business = rng.random(count) >= 0.9
    powers = list(DOMESTIC_KWH_BY_POWER)
    domestic_power = rng.choice(len(powers), size=count, p=(0.7, 0.2, 0.1))
    business_kw = rng.choice(BUSINESS_POWERS_KW, size=count, p=BUSINESS_POWER_WEIGHTS)
    ranges = np.array([DOMESTIC_KWH_BY_POWER[p] for p in powers])[domestic_power]
    domestic_kwh = rng.integers(ranges[:, 0], ranges[:, 1])
    business_hours = rng.integers(800, 2_500, size=count)
    points = []
    for i in range(count):
        pod = pod_code_of(ELE_DSOS[dsos[i]], int(numbers[i]))
        if business[i]:
            kw = float(business_kw[i])
            points.append(
                IntervalPoint(pod, ELE_DSOS[dsos[i]], BUSINESS, kw, kw * float(business_hours[i]))
            )
        else:
            points.append(
                IntervalPoint(
                    pod,
                    ELE_DSOS[dsos[i]],
                    DOMESTIC,
                    float(powers[domestic_power[i]]),
                    float(domestic_kwh[i]),
                )
            )
    return points


def benchmark_registry(points: list[IntervalPoint], period: Period) -> Registry:
    """The least registry that lets the benchmark's curves load and bill: one company and
    offer, and per point a customer, a billing account and an open contract."""
    place, address = PLACES[0], "Via Roma, 1"
    start = period.start - timedelta(days=365)
    company = Company("C01", "Energia Benchmark S.r.l.", "01234567897", address, place, "")
    offer = Offer(
        offer_id="C01-OF01",
        company_id="C01",
        commodity="ELE",
        name="Luce Prezzo Fisso",
        kind="fixed",
        fee_month=Decimal("9"),
        valid_from=start,
        price_single=Decimal("0.125"),
    )
    registry = Registry(companies=[company], offers=[offer])
    for n, point in enumerate(points, start=1):
        domestic = point.segment == DOMESTIC
        customer = Customer(
            customer_id=f"C01-CL{n:06d}",
            company_id="C01",
            parent_customer_id=None,
            kind="person" if domestic else "company",
            first_name=None,
            last_name_or_company=f"Cliente {n}",
            tax_code=None,
            vat_number=None,
            segment="domestic" if domestic else "business",
            email=None,
            phone=None,
            language="it",
            status="active",
            privacy_consent_date=None,
            marketing_consent_date=None,
            place=place,
            address=address,
            since=start,
        )
        account = BillingAccount(
            billing_account_id=f"C01-BA{n:06d}",
            company_id="C01",
            customer_id=customer.customer_id,
            address=address,
            place=place,
            sdi_code=None,
            pec=None,
            payment_method="BANK_TRANSFER",
            iban=None,
            billing_cycle="monthly",
            delivery="post",
            email=None,
            payment_days=20,
        )
        registry.customers.append(customer)
        registry.billing_accounts.append(account)
        registry.supply_points.append(
            SupplyPoint(
                supply_point_id=point.pod,
                company_id="C01",
                commodity="ELE",
                billing_account_id=account.billing_account_id,
                customer_id=customer.customer_id,
                dso=point.dso,
                address=address,
                place=place,
                use="domestic_resident" if domestic else "non_domestic",
                voltage="LV",
                power_kw=Decimal(str(point.power_kw)),
                meter_type="interval",
                meter_serial=f"1AE{n:09d}",
                meter_digits=7,
                gas_meter_class=None,
                annual_consumption=round(point.annual_kwh),
                valid_from=start,
                segment=customer.segment,
            )
        )
        registry.contracts.append(
            Contract(
                contract_id=f"C01-CT{n:06d}",
                version=1,
                company_id="C01",
                supply_point_id=point.pod,
                customer_id=customer.customer_id,
                billing_account_id=account.billing_account_id,
                offer_id=offer.offer_id,
                start_date=start,
                end_date=None,
                signed_date=start,
            )
        )
    return registry
