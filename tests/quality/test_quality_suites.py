"""GX suites on one-file batches: each defect kind is caught, held for its point and month only."""

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
    mark_validated,
    register_pod,
    warehouse,
)

from quality.gate import validate_new_files

JAN, FEB, MAR = dt.date(2025, 1, 1), dt.date(2025, 2, 1), dt.date(2025, 3, 1)
PODS = [interval_pod(n) for n in range(1, 4)]
POD, OTHER = PODS[0], PODS[1]


@pytest.fixture
def con(tmp_path):
    c = warehouse(tmp_path / "w.duckdb")
    for pod in PODS:
        add_supply_point(c, pod)
    # two clean months of history, validated before the test plants its defect
    add_curve(c, "DSO001_202501", PODS, JAN, dt.date(2025, 1, 31))
    add_curve(c, "DSO001_202502", PODS, FEB, dt.date(2025, 2, 28))
    yield c
    c.close()


def march(con) -> str:
    return add_curve(con, "DSO001_202503", PODS, MAR, dt.date(2025, 3, 31))


def test_clean_files_pass_and_hold_nothing(con, validator):
    march(con)
    report = validate_new_files(con, "ele_interval_readings", "run-1", validator)
    assert len(report.batches) == 3
    assert report.findings == 0 and not report.unusable_files
    assert holds(con) == set()
    # three files validated, nothing left pending
    assert validate_new_files(con, "ele_interval_readings", "run-2", validator).batches == []


DEFECTS = {
    "kwh_not_negative": (
        "UPDATE raw.ele_interval_readings SET kwh = -0.2 "
        "WHERE pod = $pod AND reading_date = DATE '2025-03-05' AND slot = 37"
    ),
    "within_committed_power": (
        "UPDATE raw.ele_interval_readings SET kwh = 0.9 "
        "WHERE pod = $pod AND reading_date = DATE '2025-03-05' AND slot = 4"
    ),
    "unique_quarter_hour": (
        "INSERT INTO raw.ele_interval_readings SELECT * FROM raw.ele_interval_readings "
        "WHERE pod = $pod AND reading_date = DATE '2025-03-05' AND slot = 10"
    ),
    "complete_day": (
        "DELETE FROM raw.ele_interval_readings "
        "WHERE pod = $pod AND reading_date = DATE '2025-03-05' AND slot BETWEEN 20 AND 23"
    ),
    # 0.1 -> 0.5 kWh every quarter hour: 5x the busiest previous month, under the power cap
    "plausible_against_history": (
        "UPDATE raw.ele_interval_readings SET kwh = 0.5 "
        "WHERE pod = $pod AND reading_date >= DATE '2025-03-01'"
    ),
}


@pytest.mark.parametrize("check", sorted(DEFECTS))
def test_each_defect_holds_its_point_for_its_month_only(con, validator, check):
    mark_validated(con)
    march(con)
    con.execute(DEFECTS[check], {"pod": POD})
    report = validate_new_files(con, "ele_interval_readings", "run-2", validator)
    assert holds(con) == {(POD, MAR, check)}
    assert report.points_held == 1
    reason, line, source = con.execute(
        "SELECT reason, _line, source FROM quality.quarantine WHERE check_name = ?", [check]
    ).fetchone()
    assert source == f"quality:{check}"
    assert reason and (line is not None or check == "plausible_against_history")
    # the rows stay in raw: quarantine here is a record for the operator
    assert (
        con.execute(
            "SELECT count(*) FROM raw.ele_interval_readings WHERE pod = ?", [POD]
        ).fetchone()[0]
        > 0
    )
    counted = con.execute(
        "SELECT sum(findings) FROM quality.check_runs WHERE run_id = 'run-2' AND check_name = ?",
        [check],
    ).fetchone()[0]
    assert counted == con.execute("SELECT count(*) FROM quality.quarantine").fetchone()[0]


def test_reasons_name_what_failed(con, validator):
    mark_validated(con)
    march(con)
    con.execute(DEFECTS["complete_day"], {"pod": POD})
    con.execute(DEFECTS["within_committed_power"], {"pod": OTHER})
    con.execute(DEFECTS["kwh_not_negative"], {"pod": PODS[2]})
    validate_new_files(con, "ele_interval_readings", "run-1", validator)
    reasons = dict(
        con.execute("SELECT check_name, reason FROM quality.supply_point_holds").fetchall()
    )
    assert reasons["complete_day"] == "92 of 96 quarter hours on 2025-03-05"
    assert reasons["within_committed_power"] == (
        "0.9 kWh in slot 4 on 2025-03-05 is above the cap of 0.825 kWh per quarter hour "
        "(committed power 3 kW)"
    )
    assert reasons["kwh_not_negative"] == "negative kwh -0.2 in slot 37 on 2025-03-05"


def test_rerunning_a_batch_replaces_its_holds(con, validator):
    mark_validated(con)
    key = march(con)
    con.execute(DEFECTS["complete_day"], {"pod": POD})
    validate_new_files(con, "ele_interval_readings", "run-1", validator)
    first = con.execute("SELECT * FROM quality.supply_point_holds").fetchall()
    # forget the validation: the same batch is checked again by another run
    con.execute("DELETE FROM quality.validated_files WHERE _file_key = ?", [key])
    report = validate_new_files(con, "ele_interval_readings", "run-2", validator)
    assert [b.batch for b in report.batches] == [key]
    assert con.execute("SELECT * FROM quality.supply_point_holds").fetchall() == first
    assert con.execute("SELECT count(*) FROM quality.quarantine").fetchone()[0] == 1
    # both runs counted their own findings
    assert con.execute(
        "SELECT run_id, sum(findings) FROM quality.check_runs GROUP BY ALL ORDER BY ALL"
    ).fetchall() == [("run-1", 1), ("run-2", 1)]


def test_clean_redelivery_releases_the_hold(con, validator):
    mark_validated(con)
    march(con)
    con.execute(DEFECTS["complete_day"], {"pod": POD})
    validate_new_files(con, "ele_interval_readings", "run-1", validator)
    assert holds(con) == {(POD, MAR, "complete_day")}
    add_curve(
        con,
        "DSO001_202503",
        PODS,
        MAR,
        dt.date(2025, 3, 31),
        version=2,
        loaded_at=dt.datetime(2025, 4, 9, tzinfo=dt.UTC),
    )
    report = validate_new_files(con, "ele_interval_readings", "run-2", validator)
    assert [b.findings for b in report.batches] == [0]
    assert holds(con) == set()


def test_a_changed_raw_schema_makes_every_file_unusable(con, validator):
    con.execute("ALTER TABLE raw.ele_interval_readings ADD COLUMN extra VARCHAR")
    report = validate_new_files(con, "ele_interval_readings", "run-1", validator)
    assert len(report.unusable_files) == 2
    assert holds(con) == {(pod, m, "schema") for pod in PODS for m in (JAN, FEB)}
    # the table put right, the next run checks the files again and releases them
    con.execute("ALTER TABLE raw.ele_interval_readings DROP COLUMN extra")
    report = validate_new_files(con, "ele_interval_readings", "run-2", validator)
    assert len(report.batches) == 2 and not report.unusable_files
    assert holds(con) == set()


# ---- register meters ----------------------------------------------------------------------

REG, GAS = register_pod(1), gas_pdr(1)
ELE_REG = "ele_register_readings"
GAS_REG = "gas_register_readings"
D = dt.date


def registers(con, source: str, point: str, digits: int, readings: list[tuple]) -> None:
    """One file of (date, reading) pairs, the first being the meter's opening reading."""
    add_supply_point(
        con,
        point,
        commodity="ELE" if source == ELE_REG else "GAS",
        meter_type="register",
        digits=digits,
    )
    rows = [
        (point, day, "M1", (reading,) * 3 if source == ELE_REG else (reading,))
        for day, reading in readings
    ]
    add_register_readings(con, source, "DSO001_2025", rows)


@pytest.fixture
def reg_con(tmp_path):
    c = warehouse(tmp_path / "r.duckdb")
    yield c
    c.close()


def test_clean_register_readings_and_a_roll_over_pass(reg_con, validator):
    # 99,990 -> 50 on a 5-digit meter: a roll-over using 60 m3, like the months before
    readings = [
        (D(2024, 12, 31), "99870"),
        (D(2025, 1, 31), "99930"),
        (D(2025, 2, 28), "99990"),
        (D(2025, 3, 31), "50"),
    ]
    registers(reg_con, GAS_REG, GAS, 5, readings)
    report = validate_new_files(reg_con, GAS_REG, "run-1", validator)
    assert report.findings == 0 and holds(reg_con) == set()


@pytest.mark.parametrize(
    ("source", "point", "march_reading", "checks", "months"),
    [
        # a register going backwards far from its top is no roll-over
        (GAS_REG, GAS, "1000", {"register_not_backwards"}, {MAR, dt.date(2025, 4, 1)}),
        # 600 m3 in March after 60 a month
        (GAS_REG, GAS, "50720", {"plausible_against_history"}, {MAR, dt.date(2025, 4, 1)}),
        (ELE_REG, REG, "50720", {"plausible_against_history"}, {MAR, dt.date(2025, 4, 1)}),
        # below zero is below the previous reading too
        (
            ELE_REG,
            REG,
            "-5",
            {"reading_not_negative", "register_not_backwards"},
            {MAR, dt.date(2025, 4, 1)},
        ),
    ],
)
def test_register_defects_hold_the_months_the_reading_feeds(
    reg_con, validator, source, point, march_reading, checks, months
):
    readings = [
        (D(2024, 12, 31), "50000"),
        (D(2025, 1, 31), "50060"),
        (D(2025, 2, 28), "50120"),
        (D(2025, 3, 31), march_reading),
    ]
    registers(reg_con, source, point, 5 if source == GAS_REG else 6, readings)
    validate_new_files(reg_con, source, "run-1", validator)
    held = holds(reg_con)
    assert {(p, c) for p, _, c in held} == {(point, c) for c in checks}
    assert {m for _, m, _ in held} == months


def test_duplicate_register_reading_in_one_file_is_held(reg_con, validator):
    add_supply_point(reg_con, GAS, commodity="GAS", meter_type="register", digits=5)
    row = (GAS, D(2025, 1, 31), "M1", ("100",))
    add_register_readings(reg_con, GAS_REG, "DSO001_202501", [row, row])
    validate_new_files(reg_con, GAS_REG, "run-1", validator)
    assert holds(reg_con) == {(GAS, JAN, "unique_reading"), (GAS, FEB, "unique_reading")}
    assert reg_con.execute("SELECT count(*) FROM quality.quarantine").fetchone()[0] == 4
