"""The gates on the synthetic generator's data: each planted defect held, nothing else, per run."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import duckdb
import pytest
from quality_fixtures import holds

from landing.loader import load_source
from landing.sources import SOURCES
from quality.batches import METERING_SOURCES
from quality.gate import validate_new_files
from quality.store import run_counts
from quality.warehouse import COMPLETE_POINT_MONTHS, run_warehouse_check, warehouse_checks

pytestmark = pytest.mark.slow

# defects that replace a curve line by one ingestion quarantines: that day has no readings
DAY_LOST = {"negative", "impossible", "bad_number", "wrong_field_count", "bad_date"}


def run_gates(con: duckdb.DuckDBPyConnection, run_id: str, validator) -> dict[str, int]:
    for source in METERING_SOURCES:
        validate_new_files(con, source, run_id, validator)
    for check in warehouse_checks():
        run_warehouse_check(con, check, run_id)
    return run_counts(con, run_id)


def load(landing: Path, database: Path, **scale) -> tuple[duckdb.DuckDBPyConnection, Any]:
    from synthetic import generate

    summary = generate(
        landing, seed=11, companies=2, customers=16, months=3, start="2025-01", **scale
    )
    con = duckdb.connect(str(database))
    for source in SOURCES:
        load_source(con, landing, source)
    return con, summary


def test_clean_synthetic_data_holds_nothing(tmp_path, validator):
    con, _ = load(tmp_path / "landing", tmp_path / "w.duckdb", defect_rate=0)
    counts = run_gates(con, "run-1", validator)
    assert counts and sum(counts.values()) == 0
    assert holds(con) == set()


def test_defects_are_held_for_their_point_and_month_and_counted_per_run(tmp_path, validator):
    con, summary = load(tmp_path / "landing", tmp_path / "w.duckdb", defect_rate=0.02)
    log = summary.defects
    expected = set()
    for d in log.defects:
        if d.file in log.superseded_files or "ele_interval" not in d.file:
            continue
        month = dt.datetime.strptime(d.reading_date, "%d/%m/%Y").date().replace(day=1)
        if d.kind == "gap":
            expected.add((d.supply_point_id, month, "complete_day"))
        elif d.kind in DAY_LOST:
            expected.add((d.supply_point_id, month, COMPLETE_POINT_MONTHS))
    # the generator planted both kinds: gaps inside a day, and lines lost whole at load
    assert {check for *_, check in expected} == {"complete_day", COMPLETE_POINT_MONTHS}

    counts = run_gates(con, "run-1", validator)
    assert holds(con) == expected
    # every finding of the run is counted, per check
    recorded = dict(
        con.execute("SELECT check_name, count(*) FROM quality.quarantine GROUP BY ALL").fetchall()
    )
    assert {c: n for c, n in counts.items() if n} == recorded
    batches = con.execute(
        "SELECT count(DISTINCT batch) FROM quality.check_runs WHERE run_id = 'run-1' "
        "AND batch NOT LIKE 'warehouse/%'"
    ).fetchone()[0]
    loaded = con.execute(
        "SELECT count(*) FROM raw.landing_files WHERE status = 'loaded' AND source IN "
        "('ele_interval_readings', 'ele_register_readings', 'gas_register_readings')"
    ).fetchone()[0]
    assert batches == loaded

    # a second run validates no file again, and the warehouse checks find the same points
    again = run_gates(con, "run-2", validator)
    assert holds(con) == expected
    assert again[COMPLETE_POINT_MONTHS] == counts[COMPLETE_POINT_MONTHS]
    assert "complete_day" not in again  # no new file: the suites did not run
