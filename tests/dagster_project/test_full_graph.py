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
    data_home: Path, instance: dg.DagsterInstance, said: list[str] | None = None
) -> list[dg.ExecuteInProcessResult]:
    """What `make load` runs: the daily load, every month × lot, an operator's approval of the
    checked invoices, the approved partitions again, the snapshot."""
    from dagster_project.load import load

    return load(
        instance,
        approve_as="test-operator",
        resources=resources(data_home),
        say=(said if said is not None else []).append,
    )


def query(data_home: Path, sql: str) -> list[tuple]:
    con = duckdb.connect(str(data_home / "warehouse.duckdb"), read_only=True)
    try:
        return con.execute(sql).fetchall()
    finally:
        con.close()


def totals(data_home: Path) -> tuple:
    (row,) = query(data_home, "SELECT count(*), sum(total), count(number) FROM billing.invoices")
    return row


def test_every_asset_materialises_and_reruns_idempotently(data_home):
    with dg.DagsterInstance.ephemeral() as instance:
        said: list[str] = []
        first = run_everything(data_home, instance, said)
        assert [line.split("]")[0] for line in said if line.startswith("[")] == [
            f"[{step}/5" for step in range(1, 6)
        ]
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
        assert count > 0 and total > 0 and numbered > 0
        # the operator's approval was issued by the second pass: nothing stays approved, and the
        # lots that wait for an operator have issued invoices too
        statuses = dict(
            query(data_home, "SELECT status, count(*) FROM billing.invoices GROUP BY 1")
        )
        assert "approved" not in statuses and "checked" not in statuses, statuses
        (approvals,) = query(
            data_home,
            "SELECT count(*) FROM billing.invoices AS i JOIN marts.dim_customer AS c"
            " USING (customer_id) WHERE c.segment = 'business' AND i.number IS NOT NULL",
        )
        assert approvals[0] > 0
        (quarantined,) = query(data_home, "SELECT count(*) FROM raw.quarantine")
        assert quarantined[0] > 0  # the defects were caught, not dropped

        serving = data_home / "serving"
        current = (serving / "CURRENT").read_text().strip()
        assert (serving / "snapshots" / current / "rpt_load_curve.parquet").exists()
        assert (serving / "snapshots" / current / "invoices.parquet").exists()

        second = run_everything(data_home, instance)
        assert all(r.success for r in second)
        assert totals(data_home) == (count, total, numbered)  # nothing billed twice
        assert (serving / "CURRENT").read_text().strip() != current
