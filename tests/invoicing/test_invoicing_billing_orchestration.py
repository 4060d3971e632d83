"""The Dagster wrapping of billing: month × lot partitions, a schedule per lot, the partition's
assets materialised against a real warehouse and store, and the jobs of the code location."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import dagster as dg
import duckdb
import pytest
from invoicing_fixtures import (
    Account,
    Line,
    MeteredPoint,
    add_accounts,
    add_points,
    insert_invoice,
    load_reference_seeds,
    new_warehouse,
    set_consumption,
)

from dagster_project.defs.billing import assets as billing_assets
from dagster_project.defs.billing.backfill import approved_keys, backfill_keys
from dagster_project.defs.billing.backfill import main as backfill
from dagster_project.defs.billing.partitions import (
    LOTS,
    billing_partitions,
    month_and_lot,
    partition_key,
)
from dagster_project.defs.billing.resources import OperationalStore
from dagster_project.defs.billing.schedules import lot_schedules
from dagster_project.resources import Warehouse
from invoicing.lots import find_lot

ROME = ZoneInfo("Europe/Rome")
FEBRUARY = date(2025, 2, 1)
LOT = "C01-monthly-domestic"
HOME, FLAT = Account("C01-BA1"), Account("C01-BA2", language="en")
OTHER_LOT = Account("C01-BA3", segment="business")
POINTS = [
    MeteredPoint("IT001E00000001", HOME),
    MeteredPoint("IT001E00000002", FLAT),
    MeteredPoint("IT001E00000003", OTHER_LOT, use="non_domestic", power_kw=Decimal(15)),
]
USAGE = {"F1": Decimal("95.5"), "F2": Decimal("80.25"), "F3": Decimal("140")}


def test_partitions_are_month_by_lot() -> None:
    assert billing_partitions.partition_dimension_names == ["lot", "month"]
    key = partition_key(FEBRUARY, LOT)
    assert key in billing_partitions.get_partition_keys()
    assert month_and_lot(key) == (FEBRUARY, find_lot(LOT))
    assert backfill_keys([date(2025, 2, 1), date(2025, 1, 1), date(2099, 1, 1)], [LOT, "x"]) == [
        partition_key(date(2025, 1, 1), LOT),
        partition_key(FEBRUARY, LOT),
    ]


def test_backfill_of_approved_invoices_picks_its_own_partitions(tmp_path, capsys) -> None:
    with pytest.raises(SystemExit) as refused:
        backfill(["--approved", "--months", "2025-02"])
    assert refused.value.code == 2
    assert "--approved picks its own partitions" in capsys.readouterr().err
    # no warehouse yet: nothing waits to be issued, and nothing is created
    assert approved_keys(str(tmp_path / "warehouse.duckdb")) == []
    assert not (tmp_path / "warehouse.duckdb").exists()


def test_approved_invoices_name_their_partition_or_why_none_issues_them(tmp_path) -> None:
    path = tmp_path / "warehouse.duckdb"
    connection = new_warehouse(path)
    stray = Account("C09-BA1", company_id="C09")  # no lot takes company C09
    try:
        add_accounts(connection, [HOME, OTHER_LOT, stray])
        line = [Line("IT001E00000001", Decimal("100"), Decimal("0.12"))]
        insert_invoice(connection, "FEB", HOME, FEBRUARY, line, status="approved")
        insert_invoice(connection, "FEB2", OTHER_LOT, FEBRUARY, line, status="approved")
        insert_invoice(connection, "OLD", HOME, date(2023, 12, 1), line, status="approved")
        insert_invoice(connection, "STRAY", stray, FEBRUARY, line, status="approved")
        insert_invoice(connection, "DONE", HOME, date(2025, 3, 1), line, status="checked")
    finally:
        connection.close()

    said: list[str] = []
    assert approved_keys(str(path), say=said.append) == [
        partition_key(FEBRUARY, LOT),
        partition_key(FEBRUARY, "C01-monthly-business"),
    ]
    assert said == [
        "C01-BA1 2023-12 (lot C01-monthly-domestic): approved, but no billing partition issues it",
        "C09-BA1 2025-02 (no lot): approved, but no billing partition issues it",
    ]


def test_each_lot_has_a_schedule_billing_its_cycle() -> None:
    job = dg.define_asset_job("probe", partitions_def=billing_partitions)
    schedules = {s.name: s for s in lot_schedules(job)}
    assert len(schedules) == len(LOTS)
    monthly = schedules["billing_C01_monthly_domestic"]
    bimonthly = schedules["billing_C01_bimonthly"]
    assert monthly.execution_timezone == "Europe/Rome"
    when = datetime(2025, 3, 2, 6, 0, tzinfo=ROME)
    context = dg.build_schedule_context(scheduled_execution_time=when)
    assert [r.partition_key for r in monthly(context)] == [partition_key(FEBRUARY, LOT)]
    assert [r.partition_key for r in bimonthly(context)] == [
        partition_key(date(2025, 1, 1), "C01-bimonthly"),
        partition_key(FEBRUARY, "C01-bimonthly"),
    ]


@pytest.fixture
def data_home(tmp_path):
    connection = new_warehouse(tmp_path / "warehouse.duckdb")
    load_reference_seeds(connection)
    add_accounts(connection, [HOME, FLAT, OTHER_LOT])
    add_points(connection, POINTS)
    for point in POINTS:
        set_consumption(connection, point, FEBRUARY, USAGE)
    connection.close()
    return tmp_path


def materialize(data_home) -> dg.ExecuteInProcessResult:
    return dg.materialize(
        dg.load_assets_from_modules([billing_assets])
        + list(dg.load_asset_checks_from_modules([billing_assets])),
        partition_key=partition_key(FEBRUARY, LOT),
        resources={
            "warehouse": Warehouse(data_home=str(data_home)),
            "store": OperationalStore(data_home=str(data_home)),
        },
        raise_on_error=False,
    )


@pytest.mark.slow
def test_a_partition_rates_checks_pre_invoices_and_issues_its_lot_only(data_home) -> None:
    first = materialize(data_home)
    assert first.success, [e.message for e in first.all_events if e.is_failure]
    metadata = {
        event.asset_key.to_user_string(): event.materialization.metadata
        for event in first.get_asset_materialization_events()
    }
    assert metadata["billing/invoices"]["invoices"].value == 2
    assert metadata["billing/pre_invoices"]["workbooks"].value == 2
    assert metadata["billing/issued_invoices"]["issued"].value == 2
    (check,) = first.get_asset_check_evaluations()
    assert check.passed
    folder = data_home / "out" / "pre_invoices" / "2025-02" / LOT
    assert sorted(p.name for p in folder.iterdir()) == [
        "C01-BA1-202502.xlsx",
        "C01-BA2-202502.xlsx",
    ]
    assert (data_home / "operational.sqlite").exists()

    connection = duckdb.connect(str(data_home / "warehouse.duckdb"), read_only=True)
    issued = connection.execute(
        "SELECT invoice_id, status, series, number FROM billing.invoices ORDER BY invoice_id"
    ).fetchall()
    connection.close()
    assert issued == [
        ("C01-BA1-202502", "issued", "FT", 1),
        ("C01-BA2-202502", "issued", "FT", 2),
    ]

    # re-running the partition leaves the issued invoices alone
    second = materialize(data_home)
    assert second.success
    connection = duckdb.connect(str(data_home / "warehouse.duckdb"), read_only=True)
    again = connection.execute(
        "SELECT invoice_id, status, series, number FROM billing.invoices ORDER BY invoice_id"
    ).fetchall()
    connection.close()
    assert again == issued


@pytest.mark.slow
def test_the_code_location_splits_daily_and_partitioned_jobs(dbt_manifest) -> None:
    from dagster_project.definitions import defs

    daily = defs.resolve_job_def("daily_load")
    billing = defs.resolve_job_def("billing_run")
    daily_keys = {key.to_user_string() for key in daily.asset_layer.executable_asset_keys}
    billing_keys = {key.to_user_string() for key in billing.asset_layer.executable_asset_keys}
    assert {"billing/invoices", "billing/pre_invoices", "billing/issued_invoices"} <= billing_keys
    assert not billing_keys & daily_keys
    assert "serving/snapshot" in daily_keys
    assert billing.partitions_def == billing_partitions
    names = {schedule.name for schedule in defs.schedules}
    assert {f"billing_{lot.id.replace('-', '_')}" for lot in LOTS} <= names
