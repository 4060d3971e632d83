"""The whole asset graph, landing to snapshot, on a tiny synthetic data set in a temporary home."""

from __future__ import annotations

from pathlib import Path

import dagster as dg
import duckdb
import pytest

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def data_home(tmp_path_factory, dbt_manifest) -> Path:
    from synthetic import generate

    home = tmp_path_factory.mktemp("home")
    generate(
        home / "landing",
        seed=7,
        companies=2,
        customers=12,
        months=2,
        start="2025-03",
        defect_rate=0.02,
    )
    return home


def materialize_all(data_home: Path) -> dg.ExecuteInProcessResult:
    from dagster_project.dbt_project import dbt_cli
    from dagster_project.definitions import defs
    from dagster_project.resources import Warehouse

    job = defs.resolve_job_def("daily_load")
    return job.execute_in_process(
        resources={
            "warehouse": Warehouse(data_home=str(data_home)),
            "dbt": dbt_cli(),
        },
        raise_on_error=False,
    )


def test_every_asset_materialises_and_reruns_idempotently(data_home):
    first = materialize_all(data_home)
    failed = [e.message for e in first.all_events if e.is_failure]
    assert first.success, failed
    keys = {e.asset_key.to_user_string() for e in first.get_asset_materialization_events()}
    assert {
        "raw/ele_interval_readings",
        "marts/dim_quarter_hour",
        "reports/rpt_load_curve",
        "billing/invoices",
        "serving/snapshot",
    } <= keys
    checks = first.get_asset_check_evaluations()
    failing = [
        c.check_name for c in checks if not c.passed and c.severity == dg.AssetCheckSeverity.ERROR
    ]
    assert checks and not failing, failing

    con = duckdb.connect(str(data_home / "warehouse.duckdb"), read_only=True)
    try:
        invoices_1 = con.execute("SELECT count(*), sum(total) FROM billing.invoices").fetchone()
        quarantined = con.execute("SELECT count(*) FROM raw.quarantine").fetchone()[0]
        raw_rows = con.execute("SELECT count(*) FROM raw.ele_interval_readings").fetchone()[0]
    finally:
        con.close()
    assert invoices_1[0] > 0 and invoices_1[1] > 0
    assert quarantined > 0  # the defects were caught, not dropped

    current = (data_home / "serving" / "CURRENT").read_text().strip()
    assert (data_home / "serving" / "snapshots" / current / "rpt_load_curve.parquet").exists()

    second = materialize_all(data_home)
    assert second.success
    con = duckdb.connect(str(data_home / "warehouse.duckdb"), read_only=True)
    try:
        assert (
            con.execute("SELECT count(*), sum(total) FROM billing.invoices").fetchone()
            == invoices_1
        )
        assert (
            con.execute("SELECT count(*) FROM raw.ele_interval_readings").fetchone()[0] == raw_rows
        )
    finally:
        con.close()
    assert (data_home / "serving" / "CURRENT").read_text().strip() != current
