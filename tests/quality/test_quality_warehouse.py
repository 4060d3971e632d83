"""SQL checks over the whole warehouse: readings without contract, overlaps, missing days."""

from __future__ import annotations

import datetime as dt

import pytest
from quality_fixtures import (
    add_curve,
    add_register_readings,
    add_supply_point,
    gas_pdr,
    holds,
    interval_pod,
    warehouse,
)

from quality.warehouse import (
    COMPLETE_POINT_MONTHS,
    DELIVERIES_DO_NOT_OVERLAP,
    READINGS_HAVE_CONTRACT,
    run_warehouse_check,
    warehouse_checks,
)

MAR = dt.date(2025, 3, 1)
POD, OTHER = interval_pod(1), interval_pod(2)


@pytest.fixture
def con(tmp_path):
    c = warehouse(tmp_path / "w.duckdb")
    yield c
    c.close()


def run(con, name: str, about: str | None = None) -> None:
    [check] = [c for c in warehouse_checks() if c.name == name and about in (None, c.about)]
    run_warehouse_check(con, check, "run-1")


def test_clean_warehouse_passes_every_check(con):
    add_supply_point(con, POD)
    add_curve(con, "DSO001_202503", [POD], MAR, dt.date(2025, 3, 31))
    for check in warehouse_checks():
        counts, findings = run_warehouse_check(con, check, "run-1")
        assert findings == [] and counts.findings == 0
    assert holds(con) == set()


def test_readings_outside_every_contract_hold_their_month(con):
    add_supply_point(con, POD, contract_end=dt.date(2025, 3, 20))
    add_supply_point(con, OTHER)
    add_curve(con, "DSO001_202503", [POD, OTHER], MAR, dt.date(2025, 3, 31))
    run(con, READINGS_HAVE_CONTRACT)
    assert holds(con) == {(POD, MAR, READINGS_HAVE_CONTRACT)}
    [reason] = con.execute("SELECT reason FROM quality.supply_point_holds").fetchone()
    assert reason == "readings on 11 day(s) from 2025-03-21 to 2025-03-31 with no contract"


def test_a_register_opening_reading_the_day_before_supply_is_fine(con):
    pdr = gas_pdr(1)
    add_supply_point(con, pdr, commodity="GAS", meter_type="register", contract_start=MAR)
    opening = (pdr, dt.date(2025, 2, 28), "M1", ("10",))
    add_register_readings(con, "gas_register_readings", "DSO101_202503", [opening])
    run(con, READINGS_HAVE_CONTRACT)
    assert holds(con) == set()


def test_missing_days_of_a_supplied_month_hold_it(con):
    add_supply_point(con, POD, contract_start=dt.date(2025, 3, 10))
    add_supply_point(con, OTHER)
    add_curve(con, "DSO001_202503", [POD, OTHER], MAR, dt.date(2025, 3, 31))
    # a day quarantined at load has no rows at all; before the 10th POD was not supplied
    con.execute(
        "DELETE FROM raw.ele_interval_readings WHERE reading_date = DATE '2025-03-15' "
        "OR (pod = ? AND reading_date < DATE '2025-03-10')",
        [POD],
    )
    run(con, COMPLETE_POINT_MONTHS)
    assert holds(con) == {(POD, MAR, COMPLETE_POINT_MONTHS), (OTHER, MAR, COMPLETE_POINT_MONTHS)}
    reasons = dict(
        con.execute("SELECT supply_point_id, reason FROM quality.supply_point_holds").fetchall()
    )
    assert reasons[POD] == "no readings on 1 of 22 supplied days (day 15)"
    assert reasons[OTHER] == "no readings on 1 of 31 supplied days (day 15)"


def test_overlapping_deliveries_hold_only_when_they_disagree(con):
    add_supply_point(con, POD)
    add_supply_point(con, OTHER)
    add_curve(con, "DSO001_202503", [POD, OTHER], MAR, dt.date(2025, 3, 31))
    # another DSO file repeats one day of each POD: identical for POD, different for OTHER
    add_curve(con, "DSO002_202503", [POD], dt.date(2025, 3, 5), dt.date(2025, 3, 5))
    add_curve(con, "DSO003_202503", [OTHER], dt.date(2025, 3, 5), dt.date(2025, 3, 5), kwh="0.2")
    run(con, DELIVERIES_DO_NOT_OVERLAP, "ele_interval_readings")
    assert holds(con) == {(OTHER, MAR, DELIVERIES_DO_NOT_OVERLAP)}
    recorded = con.execute(
        "SELECT supply_point_id, blocking, reason FROM quality.quarantine ORDER BY 1"
    ).fetchall()
    assert [(p, b) for p, b, _ in recorded] == [(POD, False), (OTHER, True)]
    assert "with different values" in recorded[1][2] and "identical" in recorded[0][2]


def test_a_fixed_warehouse_releases_its_holds_on_the_next_run(con):
    add_supply_point(con, POD)
    add_curve(con, "DSO001_202503", [POD], MAR, dt.date(2025, 3, 31))
    con.execute("DELETE FROM raw.ele_interval_readings WHERE reading_date = DATE '2025-03-15'")
    run(con, COMPLETE_POINT_MONTHS)
    assert holds(con)
    add_curve(con, "DSO001_202503", [POD], MAR, dt.date(2025, 3, 31), version=2)
    run(con, COMPLETE_POINT_MONTHS)
    assert holds(con) == set()
