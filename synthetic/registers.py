"""Register meter readings: month-end cumulative kWh per band (electricity) and m³ (gas).

Each point gets an opening reading dated the day before the period (the previous
month-end reading, delivered with the first month) and one reading per month end. A
reading on day D is the register at the end of D. A meter replacement on day D gives two
readings dated D: the old meter's closing and the new meter's opening. Readings are whole
kWh or m³ and wrap past 10**digits, as the meter's display does.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

import numpy as np

from synthetic.formats import italian_date, rng_for
from synthetic.local_time import Period, month_end
from synthetic.profiles import DOMESTIC_BAND_SHARE, ELE_SEASON, GAS_MONTH_SHARE, SEGMENTS
from synthetic.registry import SupplyPoint

ESTIMATE_SHARE = 0.1


@dataclass(frozen=True)
class RegisterReading:
    supply_point_id: str
    reading_date: date
    meter_serial: str
    reading_kind: str
    registers: tuple[int, ...]  # F1, F2, F3 for electricity; m³ for gas
    month_index: int  # which month's file delivers it
    # part of a replacement or a roll-over: a defect on it would hide the case
    protected: bool

    def fields(self) -> list[str]:
        return [
            self.supply_point_id,
            italian_date(self.reading_date),
            self.meter_serial,
            self.reading_kind,
            *map(str, self.registers),
        ]


def _monthly_usage(point: SupplyPoint, period: Period, rng: np.random.Generator) -> np.ndarray:
    """(months, registers) true consumption per month."""
    segment = SEGMENTS[point.segment]
    calendar_months = np.array([m.month - 1 for m in period.months])
    days = np.array([month_end(m).day for m in period.months])
    noise = rng.lognormal(0.0, 0.08 if point.commodity == "ELE" else 0.1, len(days))
    if point.commodity == "GAS":
        return (point.annual_consumption * GAS_MONTH_SHARE[segment, calendar_months] * noise)[
            :, None
        ]
    total = point.annual_consumption * ELE_SEASON[segment, calendar_months] * days / 365 * noise
    shares = rng.dirichlet(DOMESTIC_BAND_SHARE * 300, size=len(days))
    return total[:, None] * shares


@dataclass(frozen=True)
class RegisterPath:
    """The true registers of a meter that is neither replaced nor wraps during the period."""

    point: SupplyPoint
    opening: np.ndarray  # registers at the start of the period
    used_by: np.ndarray  # (months + 1, registers) used since the start, at each month end
    usage: np.ndarray  # (months, registers) used in each month

    def registers_on(self, month_index: int, day: date) -> tuple[int, ...]:
        """The registers at the end of `day` of month `month_index`, usage spread evenly."""
        share = day.day / month_end(day).day
        used = self.used_by[month_index] + self.usage[month_index] * share
        registers = np.floor(self.opening + used + 1e-9).astype(np.int64)
        return tuple(int(r) for r in registers % 10**self.point.meter_digits)


def point_readings(
    point: SupplyPoint, period: Period, rng: np.random.Generator
) -> tuple[list[RegisterReading], RegisterPath | None]:
    """The point's readings, and its true register path when no meter event hides it."""
    usage = _monthly_usage(point, period, rng)
    used_by = np.vstack([np.zeros(usage.shape[1]), np.cumsum(usage, axis=0)])  # at month ends
    years = (period.start - point.valid_from).days / 365
    shares = DOMESTIC_BAND_SHARE if point.commodity == "ELE" else np.ones(1)
    opening = years * point.annual_consumption * shares * rng.uniform(0.7, 1.1, len(shares))
    modulus = 10**point.meter_digits
    if point.rollover_month is not None:
        # start just below 10**digits so the first register wraps half-way through that month
        w = period.months.index(point.rollover_month)
        opening[0] = modulus - (used_by[w, 0] + 0.5 * usage[w, 0])
    protected = point.rollover_month is not None or point.meter_change is not None
    serial, base = point.meter_serial, opening

    def reading(day: date, kind: str, used: np.ndarray, month_index: int) -> RegisterReading:
        # the epsilon keeps a float sum like 2.9999999 from flooring a whole unit low
        registers = np.floor(base + used + 1e-9).astype(np.int64) % modulus
        return RegisterReading(
            point.supply_point_id,
            day,
            serial,
            kind,
            tuple(int(r) for r in registers),
            month_index,
            protected,
        )

    readings = [reading(period.start - timedelta(days=1), "actual", used_by[0], 0)]
    for i, month in enumerate(period.months):
        end = month_end(month)
        change = point.meter_change
        if change is not None and month <= change.day <= end:
            used = used_by[i] + usage[i] * ((change.day - month).days + 1) / end.day
            readings.append(reading(change.day, "actual", used, i))
            serial, modulus = change.meter_serial, 10**change.meter_digits
            base = change.opening_reading - used
            readings.append(reading(change.day, "actual", used, i))
        if not protected and rng.random() < ESTIMATE_SHARE:
            # the DSO's estimate falls short of the true usage, so later actual readings
            # never go backwards
            readings.append(
                reading(end, "estimate", used_by[i] + usage[i] * rng.uniform(0.6, 0.95), i)
            )
        else:
            readings.append(reading(end, "actual", used_by[i + 1], i))
    path = None if protected else RegisterPath(point, opening, used_by, usage)
    return readings, path


def register_readings(
    points: list[SupplyPoint], period: Period, seed: int
) -> tuple[list[RegisterReading], list[RegisterPath]]:
    """Readings of every register meter supplied in the period, by supply point and date,
    and the true register paths of the meters without a replacement or a roll-over."""
    rng = rng_for(seed, "registers")
    metered = sorted(
        (p for p in points if p.meter_type == "register" and p.supplied_in(period)),
        key=lambda p: p.supply_point_id,
    )
    readings: list[RegisterReading] = []
    paths: list[RegisterPath] = []
    for p in metered:
        point_list, path = point_readings(p, period, rng)
        readings += point_list
        if path is not None:
            paths.append(path)
    return readings, paths


def rollovers(readings: list[RegisterReading], labels: tuple[str, ...]) -> list[dict[str, str]]:
    """Every register that wrapped: lower than the same meter's previous reading."""
    found = []
    previous: dict[tuple[str, str], RegisterReading] = {}
    for r in readings:
        before = previous.get((r.supply_point_id, r.meter_serial))
        if before is not None:
            for label, old, new in zip(labels, before.registers, r.registers, strict=True):
                if new < old:
                    found.append(
                        {
                            "supply_point_id": r.supply_point_id,
                            "meter_serial": r.meter_serial,
                            "register": label,
                            "reading_date": r.reading_date.isoformat(),
                            "previous": str(old),
                            "reading": str(new),
                        }
                    )
        previous[(r.supply_point_id, r.meter_serial)] = r
    return found
