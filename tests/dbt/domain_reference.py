"""An independent reading of DOMAIN.md §3-§4 in Python, to check the dbt models against.

Bands of the quarter hours (Europe/Rome, DST days included), apportioning pro rata to days or
to the seasonal gas profile, and the gas conversion coefficient C, all with exact decimals
rounded half-up where the domain says so.
"""

from __future__ import annotations

import csv
import datetime as dt
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from zoneinfo import ZoneInfo

ROME = ZoneInfo("Europe/Rome")
QUARTER = dt.timedelta(minutes=15)
SEEDS = Path(__file__).resolve().parents[2] / "dbt" / "seeds"
MICRO = Decimal("0.000001")


def local_midnight_utc(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(), ROME).astimezone(dt.UTC)


def quarter_hours(day: dt.date) -> list[dt.datetime]:
    start, end = local_midnight_utc(day), local_midnight_utc(day + dt.timedelta(days=1))
    return [start + i * QUARTER for i in range((end - start) // QUARTER)]


def band(instant: dt.datetime, holidays: set[dt.date]) -> str:
    local = instant.astimezone(ROME)
    weekday, hour = local.isoweekday(), local.hour
    if local.date() in holidays or weekday == 7:
        return "F3"
    if weekday == 6:
        return "F2" if 7 <= hour < 23 else "F3"
    if 8 <= hour < 19:
        return "F1"
    return "F2" if hour == 7 or 19 <= hour < 23 else "F3"


def days(first: dt.date, last: dt.date) -> list[dt.date]:
    return [first + dt.timedelta(days=i) for i in range((last - first).days + 1)]


def half_up(value: Decimal, places: Decimal = MICRO) -> Decimal:
    return value.quantize(places, ROUND_HALF_UP)


def _seed(name: str) -> list[dict[str, str]]:
    with (SEEDS / f"{name}.csv").open(encoding="utf-8") as f:
        return list(csv.DictReader(f))


def gas_month_shares() -> dict[int, Decimal]:
    return {int(r["month_number"]): Decimal(r["share"]) for r in _seed("ref_gas_seasonal_profile")}


def _month_days(day: dt.date) -> int:
    following = dt.date(day.year + day.month // 12, day.month % 12 + 1, 1)
    return (following - dt.timedelta(days=1)).day


def weight(commodity: str, first: dt.date, last: dt.date) -> Decimal:
    """A span's weight: its days (electricity) or its share of the gas profile (gas)."""
    if commodity == "ELE":
        return Decimal((last - first).days + 1)
    shares = gas_month_shares()
    return sum((shares[d.month] / _month_days(d) for d in days(first, last)), Decimal(0))


def apportion(total: Decimal, part: Decimal, whole: Decimal) -> Decimal:
    return half_up(total * part / whole)


def conversion_coefficient(altitude_m: int, climate_zone: str) -> Decimal:
    """C = kp x kt, each step rounded half-up to 6 decimals (DOMAIN.md §4)."""
    zone = next(r for r in _seed("ref_climate_zones") if r["climate_zone"] == climate_zone)
    pb = half_up(
        Decimal("1.01325") * (1 - Decimal("0.0000225577") * altitude_m) ** Decimal("5.2559")
    )
    kp = half_up((pb + Decimal("0.020")) / Decimal("1.01325"))
    kt = half_up(
        Decimal("288.15")
        / (Decimal("295.15") - Decimal(zone["degree_days"]) / Decimal(zone["heating_days"]))
    )
    return half_up(kp * kt)
