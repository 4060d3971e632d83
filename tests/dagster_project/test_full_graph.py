"""The whole platform on a tiny synthetic data set in a temporary home: the daily load (landing,
quality, dbt, snapshot), then every billing month × lot, then the snapshot again."""

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


def resources(data_home: Path) -> dict:
    from dagster_project.dbt_project import dbt_cli
    from dagster_project.defs.billing.resources import OperationalStore
    from dagster_project.resources import Warehouse

    return {
        "warehouse": Warehouse(data_home=str(data_home)),
        "dbt": dbt_cli(),
        "store": OperationalStore(data_home=str(data_home)),
    }


def run_everything(
    data_home: Path, instance: dg.DagsterInstance
) -> list[dg.ExecuteInProcessResult]:
    from dagster_project.definitions import defs
    from dagster_project.defs.billing.backfill import backfill_keys, months_with_determinants
    from dagster_project.defs.billing.partitions import LOTS

    daily = defs.resolve_job_def("daily_load").execute_in_process(
        resources=resources(data_home), instance=instance, raise_on_error=False
    )
    results = [daily]
    months = months_with_determinants(str(data_home / "warehouse.duckdb"))
    assert months, "the daily load produced no billing determinants"
    billing = defs.resolve_job_def("billing_run")
    for key in backfill_keys(months, [lot.id for lot in LOTS]):
        results.append(
            billing.execute_in_process(
                partition_key=key,
                resources=resources(data_home),
                instance=instance,
                raise_on_error=False,
            )
        )
    from dagster_project.defs.serving.assets import snapshot

    results.append(
        dg.materialize(
            [snapshot], resources=resources(data_home), instance=instance, raise_on_error=False
        )
    )
    return results


def totals(data_home: Path) -> tuple:
    con = duckdb.connect(str(data_home / "warehouse.duckdb"), read_only=True)
    try:
        return con.execute(
            "SELECT count(*), sum(total), count(number) FROM billing.invoices"
        ).fetchone()
    finally:
        con.close()


def test_every_asset_materialises_and_reruns_idempotently(data_home):
    with dg.DagsterInstance.ephemeral() as instance:
        first = run_everything(data_home, instance)
        for result in first:
            assert result.success, [e.message for e in result.all_events if e.is_failure]
        keys = {
            e.asset_key.to_user_string()
            for r in first
            for e in r.get_asset_materialization_events()
        }
        assert {
            "raw/ele_interval_readings",
            "marts/dim_quarter_hour",
            "reports/rpt_load_curve",
            "reports/rpt_billing_determinants",
            "billing/invoices",
            "serving/snapshot",
        } <= keys
        failing = [
            c.check_name
            for r in first
            for c in r.get_asset_check_evaluations()
            if not c.passed and c.severity == dg.AssetCheckSeverity.ERROR
        ]
        assert not failing, failing

        count, total, numbered = totals(data_home)
        assert count > 0 and total > 0 and numbered > 0  # auto-approved lots were issued
        con = duckdb.connect(str(data_home / "warehouse.duckdb"), read_only=True)
        try:
            quarantined = con.execute("SELECT count(*) FROM raw.quarantine").fetchone()[0]
        finally:
            con.close()
        assert quarantined > 0  # the defects were caught, not dropped

        serving = data_home / "serving"
        current = (serving / "CURRENT").read_text().strip()
        assert (serving / "snapshots" / current / "rpt_load_curve.parquet").exists()
        assert (serving / "snapshots" / current / "invoices.parquet").exists()

        second = run_everything(data_home, instance)
        assert all(r.success for r in second)
        assert totals(data_home) == (count, total, numbered)  # nothing billed twice
        assert (serving / "CURRENT").read_text().strip() != current
