"""Metering files per DSO and month (load curves, register readings), defects, re-deliveries."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from contextlib import ExitStack
from dataclasses import dataclass, field
from datetime import date

import numpy as np

from landing.sources import SOURCES_BY_NAME, Source, header_line
from synthetic.defects import (
    INTERVAL_KINDS,
    REGISTER_KINDS,
    DefectLog,
    LineLayout,
    inject,
    plan,
)
from synthetic.formats import LandingFile, LandingWriter, italian_date, rng_for
from synthetic.identities import pdr_code, pod_code
from synthetic.load_curves import DECIMALS, IntervalPoint, load_curves, value_table
from synthetic.local_time import Period, days_of, quarter_hour_of_day
from synthetic.registers import RegisterReading

INTERVAL = SOURCES_BY_NAME["ele_interval_readings"]
ELE_REGISTER = SOURCES_BY_NAME["ele_register_readings"]
GAS_REGISTER = SOURCES_BY_NAME["gas_register_readings"]
CHUNK_POINTS = 500  # points whose month of curves is computed at once: bounds the memory
# a first delivery that a re-delivery completes carries this share of the days or points
FIRST_DELIVERY_SHARE = 0.6


@dataclass(frozen=True)
class Redelivery:
    source: str
    key: str
    superseded: str  # the first delivery
    file: str  # the corrected, complete one
    superseded_rows: int
    rows: int


@dataclass
class MeteringFile:
    source: Source
    dso: str
    month: date
    points: list[IntervalPoint] = field(default_factory=list)  # interval files
    readings: list[RegisterReading] = field(default_factory=list)  # register files
    redelivered: bool = False

    @property
    def key(self) -> str:
        return f"DSO{self.dso}_{self.month:%Y%m}"

    def name(self, version: int = 1) -> str:
        suffix = f"__v{version}" if version > 1 else ""
        return f"DSO{self.dso}/{self.key}{suffix}.csv"

    @property
    def days(self) -> list[date]:
        return days_of(self.month)

    def first_delivery_days(self) -> int:
        days = len(self.days)
        return max(1, round(days * FIRST_DELIVERY_SHARE)) if self.redelivered else days

    def first_delivery_readings(self, rng: np.random.Generator) -> list[RegisterReading]:
        """A late re-delivery completes a first file that missed some meters."""
        if not self.redelivered:
            return self.readings
        points = sorted({r.supply_point_id for r in self.readings if not r.protected})
        # the first point always comes, so no first delivery is empty
        missing = {p for p in points[1:] if rng.random() > FIRST_DELIVERY_SHARE}
        if not missing and len(points) > 1:
            missing = {points[-1]}
        return [r for r in self.readings if r.supply_point_id not in missing]


class _UnknownIds:
    """Codes of supply points the registry does not know, in the file's DSO."""

    def __init__(self, known: set[str], rng: np.random.Generator):
        self._taken = set(known)
        self._rng = rng

    def factory(self, dso: str, gas: bool) -> Callable[[], str]:
        def make() -> str:
            while (code := (pdr_code if gas else pod_code)(dso, self._rng)) in self._taken:
                pass
            self._taken.add(code)
            return code

        return make


def _emit(
    out: LandingFile,
    fields: list[str],
    kind: str | None,
    layout: LineLayout,
    rng: np.random.Generator,
    unknown_id: Callable[[], str],
    log: DefectLog,
) -> None:
    if kind is None:
        out.write(fields)
        return
    lines, defective, detail = inject(kind, fields, layout, rng, unknown_id)
    for i, line in enumerate(lines):
        number = out.write(line)
        if i == defective:
            # the damaged line's supply point (an unknown one is new), the clean line's date
            log.add(out.relative, number, kind, line[0], fields[1], detail)


def interval_files(points: list[IntervalPoint], period: Period) -> list[MeteringFile]:
    by_dso: dict[str, list[IntervalPoint]] = {}
    for p in sorted(points, key=lambda p: p.pod):
        by_dso.setdefault(p.dso, []).append(p)
    return [
        MeteringFile(INTERVAL, dso, month, points=by_dso[dso])
        for dso in sorted(by_dso)
        for month in period.months
    ]


def register_files(
    source: Source, readings: list[RegisterReading], dso_of: dict[str, str], period: Period
) -> list[MeteringFile]:
    files: dict[tuple[str, int], MeteringFile] = {}
    for r in readings:
        dso = dso_of[r.supply_point_id]
        files.setdefault(
            (dso, r.month_index), MeteringFile(source, dso, period.months[r.month_index])
        ).readings.append(r)
    return [files[k] for k in sorted(files)]


def choose_redeliveries(files: list[MeteringFile], rate: float, rng: np.random.Generator) -> None:
    """Some files come again, complete and corrected: always a load curve file first."""
    if rate <= 0 or not files:
        return
    count = max(1, round(rate * len(files)))
    interval = [i for i, f in enumerate(files) if f.source is INTERVAL]
    first = int(rng.choice(interval)) if interval else 0
    others = [i for i in rng.permutation(len(files)) if i != first]
    for i in [first, *others][:count]:
        files[i].redelivered = True


def write_metering(
    writer: LandingWriter,
    files: list[MeteringFile],
    *,
    seed: int,
    defect_rate: float,
    known_ids: set[str],
    log: DefectLog,
) -> list[Redelivery]:
    """Write every metering file, first deliveries with defects, re-deliveries clean."""
    unknown = _UnknownIds(known_ids, rng_for(seed, "unknown supply points"))
    first_readings = [
        f.first_delivery_readings(rng_for(seed, "first delivery", f.key)) for f in files
    ]
    plans: list[dict[int, str]] = [{} for _ in files]
    for source, kinds, minimum in (
        (INTERVAL, INTERVAL_KINDS, len(INTERVAL_KINDS)),
        (ELE_REGISTER, REGISTER_KINDS, 1),
        (GAS_REGISTER, REGISTER_KINDS, 1),
    ):
        indices = [i for i, f in enumerate(files) if f.source is source]
        eligible: list[Sequence[int]] = [
            range(len(files[i].points) * files[i].first_delivery_days())
            if source is INTERVAL
            else [n for n, r in enumerate(first_readings[i]) if not r.protected]
            for i in indices
        ]
        for i, chosen in zip(
            indices,
            plan(eligible, kinds, defect_rate, minimum, rng_for(seed, "defects", source.name)),
            strict=True,
        ):
            plans[i] = chosen

    table = value_table(max((p.cap_units for f in files for p in f.points), default=0))
    redeliveries = []
    for f, chosen, readings in zip(files, plans, first_readings, strict=True):
        rng = rng_for(seed, "defect details", f.source.name, f.key)
        unknown_id = unknown.factory(f.dso, gas=f.source is GAS_REGISTER)
        with ExitStack() as stack:
            first = stack.enter_context(writer.open(f.source, f.name()))
            again = stack.enter_context(writer.open(f.source, f.name(2))) if f.redelivered else None
            if f.source is INTERVAL:
                _write_curves(f, first, again, chosen, table, seed, rng, unknown_id, log)
            else:
                _write_readings(f, readings, first, again, chosen, rng, unknown_id, log)
        if again is not None:
            log.superseded_files.add(first.relative)
            redeliveries.append(
                Redelivery(
                    f.source.name, f.key, first.relative, again.relative, first.lines, again.lines
                )
            )
    return redeliveries


def _write_curves(
    f: MeteringFile,
    first: LandingFile,
    again: LandingFile | None,
    chosen: dict[int, str],
    table: np.ndarray,
    seed: int,
    rng: np.random.Generator,
    unknown_id: Callable[[], str],
    log: DefectLog,
) -> None:
    labels = header_line(INTERVAL).split(";")
    fixed = len(INTERVAL.columns)
    days = f.days
    dates = [italian_date(d) for d in days]
    used_slots = [len(quarter_hour_of_day(d)) for d in days]
    first_days = f.first_delivery_days()
    values_rng = rng_for(seed, "load curves", f.key)
    for start in range(0, len(f.points), CHUNK_POINTS):
        chunk = f.points[start : start + CHUNK_POINTS]
        texts = table[load_curves(chunk, days, values_rng)].reshape(-1, 100).tolist()
        for p, point in enumerate(chunk):
            for d, day_text in enumerate(dates):
                values = texts[p * len(days) + d]
                if again is not None:
                    again.write_text(f"{point.pod};{day_text};" + ";".join(values))
                if d >= first_days:
                    continue
                kind = chosen.get((start + p) * first_days + d)
                if kind is None:
                    first.write_text(f"{point.pod};{day_text};" + ";".join(values))
                    continue
                layout = LineLayout(
                    labels, range(fixed, fixed + used_slots[d]), DECIMALS, point.cap_units
                )
                _emit(first, [point.pod, day_text, *values], kind, layout, rng, unknown_id, log)


def _write_readings(
    f: MeteringFile,
    readings: list[RegisterReading],
    first: LandingFile,
    again: LandingFile | None,
    chosen: dict[int, str],
    rng: np.random.Generator,
    unknown_id: Callable[[], str],
    log: DefectLog,
) -> None:
    labels = header_line(f.source).split(";")
    # the supply point, date, meter serial and reading kind come before the registers
    layout = LineLayout(labels, range(4, len(labels)), 0)
    for n, reading in enumerate(readings):
        _emit(first, reading.fields(), chosen.get(n), layout, rng, unknown_id, log)
    if again is not None:
        for reading in f.readings:
            again.write(reading.fields())
