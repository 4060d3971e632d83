"""The generated period and Europe/Rome local days: quarter-hour slots, clock hours, day types."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from functools import cache
from zoneinfo import ZoneInfo

import holidays
import numpy as np

ROME = ZoneInfo("Europe/Rome")
QUARTER_HOURS_PER_DAY = 96

# day types drive the load shapes: Saturdays differ from weekdays, holidays behave as Sundays
WORKDAY, SATURDAY, SUNDAY_OR_HOLIDAY = 0, 1, 2


def parse_month(text: str) -> date:
    """'2025-03' -> 1 March 2025."""
    try:
        year, month = (int(part) for part in text.split("-"))
        return date(year, month, 1)
    except ValueError as exc:
        raise ValueError(f"start month must be YYYY-MM, got {text!r}") from exc


def add_months(month: date, count: int) -> date:
    index = month.year * 12 + month.month - 1 + count
    return date(index // 12, index % 12 + 1, 1)


def month_end(month: date) -> date:
    return add_months(month, 1) - timedelta(days=1)


def days_of(month: date) -> list[date]:
    return [month + timedelta(days=i) for i in range(month_end(month).day)]


@dataclass(frozen=True)
class Period:
    """Whole calendar months, the first from `start`."""

    months: tuple[date, ...]

    @classmethod
    def of(cls, start: str, months: int) -> Period:
        first = parse_month(start)
        return cls(tuple(add_months(first, i) for i in range(months)))

    @property
    def start(self) -> date:
        return self.months[0]

    @property
    def end(self) -> date:
        return month_end(self.months[-1])


def _local_instants(day: date, step: timedelta) -> list[datetime]:
    """Local wall-clock instants from midnight to the next midnight, `step` apart in real time."""
    start = datetime(day.year, day.month, day.day, tzinfo=ROME).astimezone(UTC)
    nxt = day + timedelta(days=1)
    end = datetime(nxt.year, nxt.month, nxt.day, tzinfo=ROME).astimezone(UTC)
    count = int((end - start) / step)
    return [(start + i * step).astimezone(ROME) for i in range(count)]


@cache
def quarter_hour_of_day(day: date) -> tuple[int, ...]:
    """For each slot of the local day (92, 96 or 100), the wall-clock quarter hour 0..95."""
    return tuple(t.hour * 4 + t.minute // 15 for t in _local_instants(day, timedelta(minutes=15)))


@cache
def clock_hours(day: date) -> tuple[int, ...]:
    """For each market hour of the local day (23, 24 or 25), the wall-clock hour 0..23."""
    return tuple(t.hour for t in _local_instants(day, timedelta(hours=1)))


@cache
def _holidays(year: int) -> holidays.HolidayBase:
    return holidays.country_holidays("IT", years=year)


def day_type(day: date) -> int:
    if day.weekday() == 6 or day in _holidays(day.year):
        return SUNDAY_OR_HOLIDAY
    return SATURDAY if day.weekday() == 5 else WORKDAY


def is_business_day(day: date) -> bool:
    return day_type(day) == WORKDAY


def slot_grid(days: list[date]) -> np.ndarray:
    """(days, 100) wall-clock quarter hour of every file slot; 96 marks a slot the day lacks."""
    grid = np.full((len(days), 100), QUARTER_HOURS_PER_DAY, dtype=np.int64)
    for i, day in enumerate(days):
        quarters = quarter_hour_of_day(day)
        grid[i, : len(quarters)] = quarters
    return grid
