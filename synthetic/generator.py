"""Generate a synthetic landing folder: registry, market prices, metering with defects."""

from __future__ import annotations

import json
import shutil
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

from energia.settings import Settings
from landing.sources import SOURCES
from synthetic.declarations import forecasts, self_readings, write_forecasts, write_self_readings
from synthetic.defects import DefectLog
from synthetic.formats import LandingWriter, rng_for
from synthetic.load_curves import IntervalPoint, benchmark_points, benchmark_registry
from synthetic.local_time import Period
from synthetic.market import write_market
from synthetic.metering import (
    ELE_REGISTER,
    GAS_REGISTER,
    Redelivery,
    choose_redeliveries,
    interval_files,
    register_files,
    write_metering,
)
from synthetic.profiles import SEGMENTS
from synthetic.registers import register_readings, rollovers
from synthetic.registry import build_registry, write_registry

# what this generator wrote: its presence lets a later run replace the folder silently
MARKER = ".synthetic.json"


def _default(name: str):
    return Settings.model_fields[name].default


@dataclass
class Summary:
    out: Path
    parameters: dict[str, object]
    seconds: float
    files: dict[str, int]  # path relative to `out` -> data lines (header excluded)
    sources: dict[str, str]  # path relative to `out` -> landing source name
    defects: DefectLog
    redeliveries: list[Redelivery]
    # scenario facts: contract_changes, meter_replacements, register_rollovers, self_readings
    events: dict[str, list[dict[str, str]]] = field(default_factory=dict)

    @property
    def lines(self) -> int:
        return sum(self.files.values())

    def lines_by_source(self) -> dict[str, int]:
        totals: dict[str, int] = {}
        for path, lines in self.files.items():
            totals[self.sources[path]] = totals.get(self.sources[path], 0) + lines
        return dict(sorted(totals.items()))

    def to_dict(self) -> dict:
        """JSON-ready: files written, where each defect is, what each re-delivery replaces."""
        return {
            "out": str(self.out),
            "parameters": self.parameters,
            "seconds": round(self.seconds, 3),
            "files": dict(sorted(self.files.items())),
            "lines_by_source": self.lines_by_source(),
            "defects": self.defects.to_dict(),
            "redeliveries": [asdict(r) for r in self.redeliveries],
            "events": self.events,
        }

    def describe(self) -> str:
        kinds = ", ".join(f"{k} {n}" for k, n in self.defects.by_kind().items()) or "none"
        lines = [
            f"wrote {len(self.files)} files, {self.lines:,} lines in {self.seconds:.2f} s "
            f"to {self.out}"
        ]
        lines += [f"  {source:<24} {n:>12,} lines" for source, n in self.lines_by_source().items()]
        lines.append(f"  defects: {len(self.defects.defects)} lines ({kinds})")
        lines += [f"  re-delivered: {r.file} replaces {r.superseded}" for r in self.redeliveries]
        return "\n".join(lines)


def _prepare(out: Path, overwrite: bool) -> None:
    """Empty the source folders, unless they hold files this generator did not write."""
    folders = [out / s.folder for s in SOURCES]
    occupied = [f for f in folders if f.is_dir() and any(f.iterdir())]
    if occupied and not (overwrite or (out / MARKER).exists()):
        raise FileExistsError(
            f"{out} holds landing files the generator did not write ({occupied[0]}); "
            "pass overwrite=True (--overwrite) to replace them"
        )
    for folder in occupied:
        shutil.rmtree(folder)
    out.mkdir(parents=True, exist_ok=True)


def generate(
    out: Path,
    *,
    seed: int = _default("seed"),
    companies: int = _default("companies"),
    customers: int = _default("customers"),
    months: int = _default("months"),
    start: str = _default("start_month"),
    defect_rate: float = _default("defect_rate"),
    interval_points: int | None = None,
    overwrite: bool = False,
) -> Summary:
    """Write a landing folder; the same arguments always give byte-identical files.

    `customers` is the number of end customers of the whole installation, split evenly over
    the companies (hierarchy nodes come on top). `defect_rate` is the share of metering lines
    damaged; 0 gives a clean set. `interval_points`, for benchmarks, writes load-curve files
    for that many points and the least registry they need (no market, register or customer
    files).
    """
    if seed < 0 or companies < 1 or customers < companies or not 1 <= months <= 120:
        raise ValueError(
            "need seed >= 0, companies >= 1, customers >= companies and 1 <= months <= 120"
        )
    if not 0 <= defect_rate <= 0.5:
        raise ValueError("defect_rate must be between 0 and 0.5")
    if interval_points is not None and interval_points < 1:
        raise ValueError("interval_points must be at least 1")
    period = Period.of(start, months)
    parameters = {
        "seed": seed,
        "companies": companies,
        "customers": customers,
        "months": months,
        "start": start,
        "defect_rate": defect_rate,
        "interval_points": interval_points,
    }
    out = Path(out)
    _prepare(out, overwrite)
    # written first, so that a run stopped half-way can still be replaced by the next one
    (out / MARKER).write_text(json.dumps(parameters, indent=2) + "\n", encoding="utf-8")
    started = time.perf_counter()
    writer = LandingWriter(out)
    events: dict[str, list[dict[str, str]]] = {}

    if interval_points is not None:
        points = benchmark_points(interval_points, rng_for(seed, "benchmark points"))
        write_registry(benchmark_registry(points, period), writer)
        files = interval_files(points, period)
        known = {p.pod for p in points}
    else:
        registry = build_registry(
            seed=seed, companies=companies, customers=customers, period=period
        )
        write_registry(registry, writer)
        write_market(writer, period, seed)
        points = [
            IntervalPoint(
                p.supply_point_id,
                p.dso,
                SEGMENTS[p.segment],
                float(p.power_kw),
                float(p.annual_consumption),
            )
            for p in registry.supply_points
            if p.meter_type == "interval" and p.supplied_in(period)
        ]
        readings, paths = register_readings(registry.supply_points, period, seed)
        declared = self_readings(paths, period, seed)
        write_self_readings(writer, declared)
        write_forecasts(writer, forecasts(registry.supply_points, period, seed))
        commodity = {p.supply_point_id: p.commodity for p in registry.supply_points}
        dso = {p.supply_point_id: p.dso for p in registry.supply_points}
        ele = [r for r in readings if commodity[r.supply_point_id] == "ELE"]
        gas = [r for r in readings if commodity[r.supply_point_id] == "GAS"]
        files = (
            interval_files(points, period)
            + register_files(ELE_REGISTER, ele, dso, period)
            + register_files(GAS_REGISTER, gas, dso, period)
        )
        known = set(commodity)
        events = {
            **registry.events,
            "register_rollovers": (
                rollovers(ele, ("reading_f1", "reading_f2", "reading_f3"))
                + rollovers(gas, ("reading_m3",))
            ),
            "self_readings": [r.event() for r in declared],
        }

    choose_redeliveries(files, defect_rate, rng_for(seed, "redeliveries"))
    log = DefectLog()
    redeliveries = write_metering(
        writer, files, seed=seed, defect_rate=defect_rate, known_ids=known, log=log
    )
    return Summary(
        out,
        parameters,
        time.perf_counter() - started,
        dict(writer.lines_written),
        dict(writer.source_of),
        log,
        redeliveries,
        events,
    )
