"""`dbt build` over a small hand-written raw schema: it succeeds and computes the right things."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from decimal import Decimal
from pathlib import Path

import domain_reference as ref
import duckdb
import pytest
from dbt_invocation import dbt_cli_args, failures, invoke_dbt
from raw_fixture import (
    GAS_PDR,
    HOLIDAYS_2025,
    INTERVAL_POD,
    REGISTER_POD,
    SAMPLE_AUTUMN_DAY,
    SAMPLE_GAS_CONSUMPTION,
    SAMPLE_MARCH_BAND_INTERVALS,
    SAMPLE_MARCH_BAND_KWH,
    SAMPLE_REGISTER_CONSUMPTION,
    UNKNOWN_POD,
)

pytestmark = pytest.mark.slow

# --- the calendar --------------------------------------------------------------------------


def test_every_day_has_its_quarter_hours_dst_days_included(warehouse) -> None:
    counts = dict(
        warehouse.execute(
            "select local_date, count(*) from marts.dim_quarter_hour group by local_date"
        ).fetchall()
    )
    expected = {
        d: len(ref.quarter_hours(d)) for d in ref.days(dt.date(2024, 1, 1), dt.date(2027, 12, 31))
    }
    assert counts == expected
    assert [d for d, n in counts.items() if n == 92] == [
        dt.date(2024, 3, 31),
        dt.date(2025, 3, 30),
        dt.date(2026, 3, 29),
        dt.date(2027, 3, 28),
    ]
    assert sorted(d for d, n in counts.items() if n == 100) == [
        dt.date(2024, 10, 27),
        dt.date(2025, 10, 26),
        dt.date(2026, 10, 25),
        dt.date(2027, 10, 31),
    ]


def test_quarter_hours_of_2025_match_the_band_rules(warehouse) -> None:
    rows = warehouse.execute(
        "select quarter_hour_start_utc, local_date, slot, band from marts.dim_quarter_hour "
        "where local_date between date '2025-01-01' and date '2025-12-31'"
    ).fetchall()
    actual = {(utc.astimezone(dt.UTC), day, slot, band) for utc, day, slot, band in rows}
    expected = {
        (instant, day, slot, ref.band(instant, set(HOLIDAYS_2025)))
        for day in ref.days(dt.date(2025, 1, 1), dt.date(2025, 12, 31))
        for slot, instant in enumerate(ref.quarter_hours(day), start=1)
    }
    assert len(rows) == len(actual) == 35040
    assert actual == expected


def test_dim_date_flags_holidays_and_counts(warehouse) -> None:
    row = warehouse.execute(
        "select is_holiday, holiday_name, weekday, quarter_hour_count, f3_quarter_hours, gas_year "
        "from marts.dim_date where calendar_date = date '2025-04-25'"
    ).fetchone()
    assert row == (True, "Festa della Liberazione", 5, 96, 96, 2024)


# --- consumption ---------------------------------------------------------------------------


def _monthly(con: duckdb.DuckDBPyConnection, point: str) -> dict:
    rows = con.execute(
        "select month, band, quantity, unit, interval_count, expected_interval_count "
        "from reports.rpt_monthly_consumption where supply_point_id = ?",
        [point],
    ).fetchall()
    return {(month, band): rest for month, band, *rest in rows}


def test_interval_point_band_totals_for_the_known_curve(warehouse) -> None:
    monthly = _monthly(warehouse, INTERVAL_POD)
    march = dt.date(2025, 3, 1)
    march_quarter_hours = Counter(
        ref.band(q, set(HOLIDAYS_2025))
        for day in ref.days(march, dt.date(2025, 3, 31))
        for q in ref.quarter_hours(day)
    )
    for band, kwh in SAMPLE_MARCH_BAND_KWH.items():
        assert monthly[(march, band)] == [
            kwh,
            "kWh",
            SAMPLE_MARCH_BAND_INTERVALS[band],
            march_quarter_hours[band],
        ]


def test_interval_month_shows_missing_bands_as_zero_of_expected(warehouse) -> None:
    monthly = _monthly(warehouse, INTERVAL_POD)
    october = dt.date(2025, 10, 1)
    assert monthly[(october, "F3")][:3] == [Decimal("10"), "kWh", 100]
    assert monthly[(october, "F1")][:3] == [Decimal("0"), "kWh", 0]
    assert monthly[(october, "F1")][3] > 0
    assert {m for m, _ in monthly} == {dt.date(2025, 3, 1), october}


def test_register_point_differences_per_band_without_negatives(warehouse) -> None:
    monthly = _monthly(warehouse, REGISTER_POD)
    assert {key: row[0] for key, row in monthly.items()} == SAMPLE_REGISTER_CONSUMPTION
    assert all(row[1:] == ["kWh", None, None] for row in monthly.values())
    flagged = warehouse.execute(
        "select supply_point_id, band, reading_date, quantity, exclusion_reason "
        "from intermediate.int_register_readings_differenced where is_excluded"
    ).fetchall()
    assert [(p, b, d, q) for p, b, d, q, _ in flagged] == [
        (REGISTER_POD, "F2", dt.date(2025, 3, 31), Decimal("-5"))
    ]
    assert "roll-over" in flagged[0][4]


def test_gas_point_is_m3_in_band_all(warehouse) -> None:
    monthly = _monthly(warehouse, GAS_PDR)
    assert {key: row[0] for key, row in monthly.items()} == SAMPLE_GAS_CONSUMPTION
    assert all(row[1:] == ["m3", None, None] for row in monthly.values())


def test_points_not_in_the_registry_are_left_out(warehouse) -> None:
    for table, column in [
        ("reports.rpt_monthly_consumption", "supply_point_id"),
        ("reports.rpt_load_curve", "supply_point_id"),
        ("marts.fct_quarter_hour_consumption", "supply_point_id"),
    ]:
        count = warehouse.execute(
            f"select count(*) from {table} where {column} = ?", [UNKNOWN_POD]
        ).fetchone()[0]
        assert count == 0, table
    staged = warehouse.execute(
        "select count(*) from staging.stg_metering__ele_interval_readings "
        "where supply_point_id = ?",
        [UNKNOWN_POD],
    ).fetchone()[0]
    assert staged == 96


def test_duplicate_deliveries_keep_the_newest_version_and_latest_line(warehouse) -> None:
    rows = warehouse.execute(
        "select local_date, slot, kwh, source_file, source_line "
        "from marts.fct_quarter_hour_consumption where supply_point_id = 'IT001E00000001' "
        "and (local_date, slot) in ((date '2025-03-28', 40), (date '2025-03-29', 50), "
        "(date '2025-03-30', 10))"
    ).fetchall()
    newest = "metering/ele_interval/DSO001/DSO001_202503__v2.csv"
    assert {(d, s, kwh, f) for d, s, kwh, f, _ in rows} == {
        (dt.date(2025, 3, 28), 40, Decimal("0.25"), newest),  # not the earlier load of another key
        (dt.date(2025, 3, 29), 50, Decimal("0.25"), newest),  # not the older version, loaded later
        (dt.date(2025, 3, 30), 10, Decimal("0.25"), newest),  # the later of two lines in a file
    }


def test_load_curve_report(warehouse) -> None:
    per_day = dict(
        warehouse.execute(
            "select local_date, count(*) from reports.rpt_load_curve where supply_point_id = ? "
            "group by local_date",
            [INTERVAL_POD],
        ).fetchall()
    )
    assert per_day == {
        dt.date(2025, 3, 28): 96,
        dt.date(2025, 3, 29): 96,
        dt.date(2025, 3, 30): 92,
        SAMPLE_AUTUMN_DAY: 100,
    }
    hour_two = warehouse.execute(
        "select count(*) from reports.rpt_load_curve where local_date = ? and local_hour = 2",
        [SAMPLE_AUTUMN_DAY],
    ).fetchone()[0]
    assert hour_two == 8


def test_supply_points_report(warehouse) -> None:
    rows = warehouse.execute(
        "select supply_point_id, customer_name, power_kw, offer_id, offer_name, last_month, "
        "last_month_quantity, unit from reports.rpt_supply_points "
        "where supply_point_id in (?, ?, ?)",
        [INTERVAL_POD, REGISTER_POD, GAS_PDR],
    ).fetchall()
    assert {r[0]: r[1:] for r in rows} == {
        # the latest registry version (4.5 kW) and the latest contract version's offer
        INTERVAL_POD: (
            "Mario Rossi",
            Decimal("4.5"),
            "O-ELE-PUN",
            "Luce Indicizzata",
            dt.date(2025, 10, 1),
            Decimal("10"),
            "kWh",
        ),
        REGISTER_POD: (
            "Bianchi S.p.A.",
            Decimal("50"),
            "O-ELE-PUN",
            "Luce Indicizzata",
            dt.date(2025, 3, 1),
            Decimal("250"),
            "kWh",
        ),
        GAS_PDR: (
            "Bianchi S.p.A.",
            None,
            "O-GAS-FIX",
            "Gas Fisso",
            dt.date(2025, 4, 1),
            SAMPLE_GAS_CONSUMPTION[(dt.date(2025, 4, 1), "ALL")],
            "m3",
        ),
    }


def test_customer_hierarchy(warehouse) -> None:
    rows = warehouse.execute(
        "select customer_id, parent_customer_name, root_customer_id, hierarchy_depth "
        "from marts.dim_customer order by customer_id"
    ).fetchall()
    assert rows == [
        ("CU1", "Gruppo Rossi", "G01", 1),
        ("CU2", "Gruppo Rossi", "G01", 1),
        ("G01", None, "G01", 0),
    ]


# --- the warehouse layout and re-runs --------------------------------------------------------


def test_relations_land_in_the_layer_schemas(warehouse) -> None:
    schemas = {
        s
        for (s,) in warehouse.execute(
            "select distinct table_schema from information_schema.tables"
        ).fetchall()
    }
    assert schemas == {"raw", "staging", "intermediate", "marts", "reports", "reference"}


def test_report_column_types(warehouse) -> None:
    types = dict(
        warehouse.execute(
            "select table_name || '.' || column_name, data_type from information_schema.columns "
            "where table_schema = 'reports'"
        ).fetchall()
    )
    assert types["rpt_monthly_consumption.quantity"] == "DECIMAL(18,6)"
    assert types["rpt_monthly_consumption.month"] == "DATE"
    assert types["rpt_load_curve.interval_start_utc"] == "TIMESTAMP WITH TIME ZONE"
    assert types["rpt_load_curve.kwh"] == "DECIMAL(18,6)"


def test_a_rerun_replaces_the_same_results(built_warehouse: tuple[Path, Path]) -> None:
    warehouse_path, work_dir = built_warehouse
    query = "select * from reports.rpt_monthly_consumption order by all"
    with duckdb.connect(str(warehouse_path)) as con:
        before = con.execute(query).fetchall()
    result = invoke_dbt(dbt_cli_args("run", work_dir), warehouse_path)
    assert result.success, failures(result)
    with duckdb.connect(str(warehouse_path)) as con:
        assert con.execute(query).fetchall() == before
