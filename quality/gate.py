"""The batch runner: validate each newly loaded metering file with its GX suite, record findings.

`validate_new_files` finds the files of a source loaded since they were last validated,
pulls each one as bounded frames, runs the suite, and replaces that file's findings (and so
its holds). GX is only imported when there is a file to validate.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

import duckdb
import pandas as pd

from landing.sources import SUPPLY_POINT_COLUMN
from quality.batches import (
    INTERVAL,
    INTERVAL_ROW_COLUMNS,
    METERING_SOURCES,
    Limits,
    interval_days_frame,
    interval_months_frame,
    register_readings_frame,
    rows_frame,
)
from quality.store import (
    BatchCounts,
    Finding,
    PendingFile,
    ensure_quality_schema,
    mark_validated,
    pending_files,
    replace_findings,
)
from quality.suites import SCHEMA, GxValidator, Rule, rules_for, suite_name

DEFAULT_LIMITS = Limits()


@dataclass(frozen=True)
class GateReport:
    """What one source's validation did in one run."""

    source: str
    batches: list[BatchCounts] = field(default_factory=list)
    unusable_files: list[str] = field(default_factory=list)  # schema failures

    @property
    def findings(self) -> int:
        return sum(b.findings for b in self.batches)

    @property
    def points_held(self) -> int:
        return sum(b.points_held for b in self.batches)


def validate_new_files(
    con: duckdb.DuckDBPyConnection,
    source: str,
    run_id: str,
    validator: Callable[[], GxValidator],
    limits: Limits = DEFAULT_LIMITS,
) -> GateReport:
    """Validate every file of `source` loaded since its last validation, oldest first."""
    if source not in METERING_SOURCES:
        raise ValueError(f"source: no quality suite for {source!r}")
    ensure_quality_schema(con)
    report = GateReport(source)
    files = pending_files(con, source)
    if not files:
        return report
    gx = validator()
    rules = rules_for(source, limits)
    usable: bool | None = None  # the schema is checked once per run, on the first rows
    for file in files:
        # the schema rule needs every stored column; after it, only interval rules read rows
        if usable is not True:
            rows = rows_frame(con, source, file.file_key)
        elif source == INTERVAL:
            rows = rows_frame(con, source, file.file_key, INTERVAL_ROW_COLUMNS)
        else:
            rows = None
        if usable is None and rows is not None and not rows.empty:
            schema = [r for r in rules if r.frame == "schema"]
            usable = not gx.failing_rows(suite_name(source, "schema", limits), schema, rows)
        if usable is False:
            findings = _unusable(rows, file)
            report.unusable_files.append(file.file)
        else:
            findings = check_file(con, gx, file, rows, rules, limits)
        checks = [rule.check for rule in rules]
        report.batches.append(replace_findings(con, file.file_key, findings, checks, run_id))
        mark_validated(con, file, run_id)
    return report


def check_file(
    con: duckdb.DuckDBPyConnection,
    gx: GxValidator,
    file: PendingFile,
    rows: pd.DataFrame | None,
    rules: Sequence[Rule],
    limits: Limits,
) -> list[Finding]:
    """Every finding of the source's suites on one file's rows (the batch) and their aggregates."""
    source = file.source
    frames: dict[str, Callable[[], pd.DataFrame]]
    if source == INTERVAL:
        frames = {
            "rows": lambda: rows if rows is not None else rows_frame(con, source, file.file_key),
            "days": lambda: interval_days_frame(con, file.file_key),
            "months": lambda: interval_months_frame(con, file.file_key, limits),
        }
    else:
        frames = {"readings": lambda: register_readings_frame(con, source, file.file_key, limits)}
    findings: list[Finding] = []
    for name, build in frames.items():
        frame_rules = [r for r in rules if r.frame == name]
        frame = build()
        failing = gx.failing_rows(suite_name(source, name, limits), frame_rules, frame)
        findings += _findings(file, name, frame, frame_rules, failing)
    return findings


def _findings(
    file: PendingFile,
    frame_name: str,
    frame: pd.DataFrame,
    rules: Sequence[Rule],
    failing: Mapping[str, list[int] | None],
) -> list[Finding]:
    point = SUPPLY_POINT_COLUMN[file.source]  # the interval aggregates keep `pod` too
    found = []
    for rule in rules:
        if rule.check not in failing:
            continue
        positions = failing[rule.check]
        selected = frame if positions is None else frame.iloc[positions]
        for row in selected.to_dict("records"):
            reading_date = _date(row.get("reading_date"))
            for month in _months(file.source, frame_name, row):
                found.append(
                    Finding(
                        check_name=rule.check,
                        reason=rule.reason(row),
                        supply_point_id=row[point],
                        billing_month=month,
                        reading_date=reading_date,
                        file=file.file,
                        file_key=file.file_key,
                        line=None if pd.isna(row.get("_line")) else int(row["_line"]),
                        blocking=rule.blocking,
                    )
                )
    return found


def _unusable(rows: pd.DataFrame | None, file: PendingFile) -> list[Finding]:
    """A file whose rows do not have the raw schema holds every point and month it names."""
    reason = f"{file.file}: the raw table's columns or types are not the expected ones"
    point = SUPPLY_POINT_COLUMN[file.source]
    if rows is None or point not in rows.columns or "reading_date" not in rows.columns:
        return [Finding(SCHEMA, reason, file=file.file, file_key=file.file_key)]
    pairs = {
        (row[point], month)
        for row in rows[[point, "reading_date"]].to_dict("records")
        for month in _months(file.source, "rows", row)
    }
    return [
        Finding(
            SCHEMA,
            reason,
            supply_point_id=p,
            billing_month=m,
            file=file.file,
            file_key=file.file_key,
        )
        for p, m in sorted(pairs)
    ]


def _date(value: Any) -> date | None:
    return None if value is None or pd.isna(value) else pd.Timestamp(value).date()


def _month(day: date) -> date:
    return day.replace(day=1)


def _months(source: str, frame_name: str, row: Mapping[str, Any]) -> Iterable[date]:
    """The billing months a failing row touches: those whose quantities it feeds."""
    if frame_name == "months":
        return [_date(row["billing_month"])]
    if "first_month" in row:
        first, last = _date(row["first_month"]), _date(row["last_month"])
        return [d.date() for d in pd.date_range(first, last, freq="MS")]
    day = _date(row["reading_date"])
    if day is None:
        return [None]
    if source == INTERVAL:
        return [_month(day)]
    # a register reading closes one span and opens the next: both months use it
    return sorted({_month(day), _month(day + timedelta(days=1))})
