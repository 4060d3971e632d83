"""The read-only query layer over the snapshot."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

import pytest
from dashboard_fixtures import (
    BAND_KWH,
    PDR,
    POD_CURVE,
    POD_JANUARY,
    POD_NO_CURVE,
    POD_REGISTER,
    SUPPLY_POINTS,
)
from portal_fixtures import EVERYTHING

from dashboards import data

MARCH = date(2025, 3, 1)


def test_summary_per_company_and_commodity(serving_dir: Path) -> None:
    rows = data.summary(EVERYTHING)
    assert [(r["company_id"], r["commodity"]) for r in rows] == [
        ("C01", "ELE"),
        ("C01", "GAS"),
        ("C02", "ELE"),
    ]
    c01_ele = rows[0]
    assert c01_ele["supply_points"] == 3
    assert c01_ele["customers"] == 2
    assert c01_ele["interval_meters"] == 2
    assert c01_ele["last_month"] == MARCH


def test_supply_points_are_shaped_for_the_grid(serving_dir: Path) -> None:
    rows = {r["supply_point_id"]: r for r in data.supply_points(EVERYTHING)}
    assert len(rows) == len(SUPPLY_POINTS)
    pod = rows[POD_JANUARY]
    assert pod["power_kw"] == 150.5
    assert pod["last_month_quantity"] == pytest.approx(98765.432)
    assert pod["last_month"] == "2025-01-01"
    assert pod["use"] == "non_domestic"
    assert rows[PDR]["power_kw"] is None
    assert rows[POD_NO_CURVE]["last_month"] is None


def test_only_interval_metered_electricity_has_a_load_curve_to_choose(serving_dir: Path) -> None:
    ids = [p["supply_point_id"] for p in data.interval_supply_points(EVERYTHING)]
    assert ids == [POD_CURVE, POD_JANUARY, POD_NO_CURVE]
    assert POD_REGISTER not in ids and PDR not in ids


def test_months_newest_first(serving_dir: Path) -> None:
    assert data.load_curve_months(EVERYTHING, POD_CURVE) == [MARCH, date(2025, 2, 1)]
    assert data.load_curve_months(EVERYTHING, POD_JANUARY) == [date(2025, 1, 1)]
    assert data.load_curve_months(EVERYTHING, POD_NO_CURVE) == []


def test_load_curve_of_a_month_in_local_time(serving_dir: Path) -> None:
    curve = data.load_curve(EVERYTHING, POD_CURVE, MARCH)
    # 30 March has 92 quarter hours (spring DST), 31 March 96; 28 February is another month
    assert len(curve) == 92 + 96
    assert curve["interval_start_utc"].is_monotonic_increasing
    first = curve.iloc[0]
    assert first["local_time"] == datetime(2025, 3, 30, 0, 0)
    dst_day = curve[curve["local_date"] == datetime(2025, 3, 30)]
    assert 2 not in set(dst_day["local_time"].dt.hour)  # 02:00-02:59 does not exist that night
    assert set(curve["band"]) == {"F1", "F2", "F3"}


def test_band_totals_are_exact(serving_dir: Path) -> None:
    totals = {r["band"]: r for r in data.band_totals(EVERYTHING, POD_CURVE, MARCH)}
    # 31 Mar (Monday): 44 F1, 20 F2, 32 F3 quarter hours; 30 Mar (Sunday, DST): 92 F3
    assert {b: r["intervals"] for b, r in totals.items()} == {"F1": 44, "F2": 20, "F3": 124}
    assert {b: r["kwh"] for b, r in totals.items()} == {
        "F1": 44 * BAND_KWH["F1"],
        "F2": 20 * BAND_KWH["F2"],
        "F3": 124 * BAND_KWH["F3"],
    }
    assert all(isinstance(r["kwh"], Decimal) for r in totals.values())


def test_daily_band_totals(serving_dir: Path) -> None:
    daily = data.daily_band_totals(EVERYTHING, POD_CURVE, date(2025, 2, 1))
    assert list(daily["band"]) == ["F1", "F2", "F3"]
    assert list(daily["kwh"]) == [22.0, 5.0, 4.0]


def test_user_input_is_bound_not_spliced(serving_dir: Path) -> None:
    assert data.load_curve_months(EVERYTHING, "x' OR '1'='1") == []
    assert data.load_curve(EVERYTHING, "x' OR '1'='1", MARCH).empty
