"""The code location: asset graph from landing to snapshot, jobs, schedule and sensor."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import dagster as dg
import pytest

from landing.sources import SOURCES

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def defs(dbt_manifest):
    from dagster_project.definitions import defs

    return defs


def test_asset_graph_runs_from_landing_to_the_snapshot(defs):
    graph = defs.resolve_asset_graph()
    keys = {k.to_user_string() for k in graph.get_all_asset_keys()}
    assert {f"raw/{s.name}" for s in SOURCES} | {"raw/public_holidays"} <= keys
    assert {
        "marts/dim_quarter_hour",
        "reports/rpt_load_curve",
        "billing/invoices",
        "serving/snapshot",
    } <= keys
    ancestors = dg.AssetSelection.assets("serving/snapshot").upstream().resolve(graph)
    assert dg.AssetKey(["raw", "ele_interval_readings"]) in ancestors
    assert dg.AssetKey(["marts", "dim_quarter_hour"]) in ancestors


def test_every_raw_source_has_its_nothing_lost_check(defs):
    graph = defs.resolve_asset_graph()
    checks = {(c.asset_key.to_user_string(), c.name) for c in graph.asset_check_keys}
    for s in SOURCES:
        assert (f"raw/{s.name}", "lines_accounted_for") in checks


def test_daily_schedule_and_landing_sensor(defs):
    schedule = defs.resolve_schedule_def("daily_load_schedule")
    assert (schedule.cron_schedule, schedule.execution_timezone) == ("0 6 * * *", "Europe/Rome")
    sensor = defs.resolve_sensor_def("landing_files_sensor")
    assert sensor.job_name == "daily_load"


def test_sensor_requests_a_run_only_when_landing_files_change(tmp_path, monkeypatch):
    from dagster_project.defs.landing.sensors import landing_files_sensor

    monkeypatch.setenv("ENERGIA_DATA_HOME", str(tmp_path))
    landing = tmp_path / "landing" / "market" / "psv"
    landing.mkdir(parents=True)
    (landing / "PSV_202501.csv").write_text("DATA;PSV\n01/01/2025;35,1\n")

    first = landing_files_sensor(dg.build_sensor_context())
    assert len(first.run_requests) == 1
    unchanged = landing_files_sensor(dg.build_sensor_context(cursor=first.cursor))
    assert not unchanged.run_requests and unchanged.cursor == first.cursor

    (landing / "PSV_202501__v2.csv").write_text("DATA;PSV\n01/01/2025;35,2\n")
    redelivered = landing_files_sensor(dg.build_sensor_context(cursor=first.cursor))
    assert len(redelivered.run_requests) == 1
    assert redelivered.run_requests[0].run_key != first.run_requests[0].run_key


@pytest.mark.slow
def test_dagster_definitions_validate(dbt_manifest, tmp_path):
    bin_dir = Path(sys.executable).parent
    # A clean checkout has no Dagster home yet: the CLI gets its own, empty one.
    env = {
        **os.environ,
        "PATH": f"{bin_dir}{os.pathsep}{os.environ['PATH']}",
        "DAGSTER_HOME": str(tmp_path),
    }
    done = subprocess.run(
        [bin_dir / "dagster", "definitions", "validate", "-m", "dagster_project.definitions"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert "All code locations passed validation" in done.stderr + done.stdout
