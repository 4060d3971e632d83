"""Ingestion of landing files: typed rows, quarantine with reasons, nothing lost, re-deliveries."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import duckdb
import pytest

from landing.loader import ensure_raw_schema, load_file, load_public_holidays, load_source
from landing.sources import SOURCES_BY_NAME, header_line

POD = "IT001E00000001"


def write(landing: Path, source: str, name: str, lines: list[str], sub: str = "") -> Path:
    spec = SOURCES_BY_NAME[source]
    folder = landing / spec.folder / sub
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_text("\n".join([header_line(spec), *lines]) + "\n", encoding="utf-8")
    return path


def curve_line(pod: str, day: str, values: list[str]) -> str:
    return ";".join([pod, day, *values, *[""] * (100 - len(values))])


@pytest.fixture
def con():
    c = duckdb.connect()
    ensure_raw_schema(c)
    yield c
    c.close()


@pytest.fixture
def registry(con, tmp_path):
    sp = SOURCES_BY_NAME["supply_points"]
    row = [
        POD,
        "C01",
        "ELE",
        "BA1",
        "001",
        "Via Roma 1",
        "00100",
        "Roma",
        "RM",
        "domestic_resident",
        "LV",
        "3,0",
        "interval",
        "M1",
        "8",
        "",
        "2700",
        "",
        "",
        "01/01/2024",
    ]
    assert len(row) == len(sp.columns)
    write(tmp_path, "supply_points", "C01.csv", [";".join(row)])
    [result] = load_source(con, tmp_path, sp)
    assert result.status == "loaded" and result.rows_loaded == 1
    return tmp_path


def counts_balance(con) -> None:
    rows = con.execute(
        "SELECT lines_in, lines_quarantined, _file_key, rows_loaded FROM raw.landing_files "
        "WHERE status = 'loaded'"
    ).fetchall()
    for lines_in, quarantined, file_key, _ in rows:
        loaded_lines = (
            con.execute(
                "SELECT count(DISTINCT _line) FROM raw.ele_interval_readings WHERE _file_key = ?",
                [file_key],
            ).fetchone()[0]
            if file_key.startswith("ele_interval")
            else None
        )
        in_quarantine = con.execute(
            "SELECT count(*) FROM raw.quarantine WHERE _file_key = ?", [file_key]
        ).fetchone()[0]
        assert in_quarantine == quarantined
        if loaded_lines is not None:
            assert loaded_lines + quarantined == lines_in


def test_curve_rows_are_unpivoted_with_lineage(con, registry):
    values = ["0,125"] * 96
    values[10] = ""  # a gap: no row, not an error
    path = write(
        registry,
        "ele_interval_readings",
        "DSO001_202505.csv",
        [curve_line(POD, "01/05/2025", values)],
        sub="DSO001",
    )
    result = load_file(con, registry, SOURCES_BY_NAME["ele_interval_readings"], path)
    assert (result.status, result.lines_in, result.lines_quarantined) == ("loaded", 1, 0)
    assert result.rows_loaded == 95
    slot, kwh, file, line = con.execute(
        "SELECT slot, kwh, _file, _line FROM raw.ele_interval_readings ORDER BY slot LIMIT 1"
    ).fetchone()
    assert (slot, kwh, line) == (1, Decimal("0.125"), 2)
    assert file == "metering/ele_interval/DSO001/DSO001_202505.csv"
    assert (
        con.execute("SELECT count(*) FROM raw.ele_interval_readings WHERE slot = 11").fetchone()[0]
        == 0
    )


def test_bad_lines_are_quarantined_with_reasons_and_nothing_is_lost(con, registry):
    good = ["0,1"] * 96
    negative = good.copy()
    negative[36] = "-0,2"
    too_big = good.copy()
    too_big[3] = "0,9"  # 3 kW x 0.25 h x 1.1 = 0.825 kWh at most
    beyond = good + ["0,1"]  # a 97th quarter hour on an ordinary day
    lines = [
        curve_line(POD, "01/05/2025", good),
        curve_line(POD, "02/05/2025", negative),
        curve_line(POD, "03/05/2025", too_big),
        curve_line(POD, "04/05/2025", beyond),
        curve_line(POD, "01/05/2025", good),  # duplicate day
        curve_line("IT001E99999999", "05/05/2025", good),
        curve_line("IT001X0001", "06/05/2025", good),
        curve_line(POD, "31/02/2025", good),
        curve_line(POD, "07/05/2025", ["0.1"] + good[1:]),
        "IT001E00000001;08/05/2025;0,1",
    ]
    path = write(registry, "ele_interval_readings", "DSO001_202505.csv", lines, sub="DSO001")
    result = load_file(con, registry, SOURCES_BY_NAME["ele_interval_readings"], path)
    assert result.lines_in == 10 and result.lines_quarantined == 9
    reasons = dict(con.execute("SELECT _line, reason FROM raw.quarantine").fetchall())
    assert reasons[3] == "negative value in E037"
    assert reasons[4].startswith("value above the physical cap of 0.825 kWh")
    assert reasons[5] == "value in E097 beyond the day's 96 quarter hours"
    assert reasons[6] == "duplicate of line 2"
    assert reasons[7] == "unknown supply point IT001E99999999"
    assert reasons[8] == "malformed POD code: POD=IT001X0001"
    assert reasons[9] == "DATA is not a valid date DD/MM/YYYY: 31/02/2025"
    assert reasons[10] == "not a valid number in E001"
    assert reasons[11] == "expected 102 fields, found 3"
    counts_balance(con)


def test_dst_days_accept_their_own_number_of_quarter_hours(con, registry):
    lines = [
        curve_line(POD, "30/03/2025", ["0,1"] * 92),
        curve_line(POD, "26/10/2025", ["0,1"] * 100),
        curve_line(POD, "27/10/2025", ["0,1"] * 100),
    ]
    path = write(registry, "ele_interval_readings", "DSO001_202510.csv", lines, sub="DSO001")
    load_file(con, registry, SOURCES_BY_NAME["ele_interval_readings"], path)
    per_day = dict(
        con.execute(
            "SELECT reading_date::VARCHAR, count(*) FROM raw.ele_interval_readings GROUP BY 1"
        ).fetchall()
    )
    assert per_day == {"2025-03-30": 92, "2025-10-26": 100}
    assert con.execute("SELECT reason FROM raw.quarantine").fetchone()[0] == (
        "value in E097 beyond the day's 96 quarter hours"
    )


def test_redelivery_replaces_and_reloading_is_a_no_op(con, registry):
    spec = SOURCES_BY_NAME["ele_interval_readings"]
    v1 = write(
        registry,
        spec.name,
        "DSO001_202505.csv",
        [curve_line(POD, "01/05/2025", ["0,1"] * 96), curve_line(POD, "02/05/2025", ["-1"] * 96)],
        sub="DSO001",
    )
    load_file(con, registry, spec, v1)
    write(
        registry,
        spec.name,
        "DSO001_202505__v2.csv",
        [curve_line(POD, "01/05/2025", ["0,2"] * 96), curve_line(POD, "02/05/2025", ["0,3"] * 96)],
        sub="DSO001",
    )
    results = load_source(con, registry, spec)
    assert [r.status for r in results] == ["loaded", "unchanged"]
    total, n = con.execute("SELECT sum(kwh), count(*) FROM raw.ele_interval_readings").fetchone()
    assert (total, n) == (Decimal("48.000000"), 192)
    assert con.execute("SELECT count(*) FROM raw.quarantine").fetchone()[0] == 0
    statuses = con.execute(
        "SELECT version, status FROM raw.landing_files WHERE source = ? ORDER BY version",
        [spec.name],
    ).fetchall()
    assert statuses == [(1, "superseded"), (2, "loaded")]
    # an old version arriving late never replaces the newer one
    v1.write_text(v1.read_text() + curve_line(POD, "03/05/2025", ["0,1"] * 96) + "\n")
    assert load_file(con, registry, spec, v1).status == "superseded"
    assert con.execute("SELECT count(*) FROM raw.ele_interval_readings").fetchone()[0] == 192
    assert [r.status for r in load_source(con, registry, spec)] == ["unchanged", "unchanged"]


def test_wrong_header_or_encoding_rejects_the_file(con, tmp_path):
    spec = SOURCES_BY_NAME["psv_daily"]
    folder = tmp_path / spec.folder
    folder.mkdir(parents=True)
    (folder / "PSV_202501.csv").write_text("DATE;PRICE\n01/01/2025;35,1\n")
    (folder / "PSV_202502.csv").write_bytes(
        (header_line(spec) + "\n01/02/2025;35,1\n").encode() + b"\xff\xfe;1\n"
    )
    results = load_source(con, tmp_path, spec)
    assert [r.status for r in results] == ["rejected", "rejected"]
    assert results[0].reason.startswith("unexpected header")
    assert results[1].reason.startswith("not UTF-8")
    assert con.execute("SELECT count(*) FROM raw.psv_daily").fetchone()[0] == 0


def test_registry_checks_and_types(con, tmp_path):
    write(
        tmp_path,
        "psv_daily",
        "PSV_202501.csv",
        ["01/01/2025;35,125", "02/01/2025;", "03/01/2025;5000", "04/01/2025;36"],
    )
    [r] = load_source(con, tmp_path, SOURCES_BY_NAME["psv_daily"])
    assert (r.lines_in, r.rows_loaded, r.lines_quarantined) == (4, 2, 2)
    reasons = [
        x for (x,) in con.execute("SELECT reason FROM raw.quarantine ORDER BY _line").fetchall()
    ]
    assert reasons == ["missing PSV", "price out of the market's range: PSV=5000"]
    assert con.execute(
        "SELECT price_eur_mwh FROM raw.psv_daily ORDER BY price_date"
    ).fetchall() == [(Decimal("35.125"),), (Decimal("36"),)]


def test_public_holidays_come_from_the_holidays_package(con):
    assert load_public_holidays(con, [2026]) >= 12
    names = dict(
        con.execute("SELECT holiday_date::VARCHAR, name FROM raw.public_holidays").fetchall()
    )
    assert "2026-10-04" in names  # St Francis, a national holiday again from 2026
    assert "2026-04-06" in names  # Easter Monday


def test_a_day_without_values_is_quarantined_not_silently_accepted(con, registry):
    path = write(
        registry,
        "ele_interval_readings",
        "DSO001_202505.csv",
        [curve_line(POD, "01/05/2025", [])],
        sub="DSO001",
    )
    result = load_file(con, registry, SOURCES_BY_NAME["ele_interval_readings"], path)
    assert (result.lines_in, result.lines_loaded, result.lines_quarantined) == (1, 0, 1)
    assert (
        con.execute("SELECT reason FROM raw.quarantine").fetchone()[0] == "no quarter-hour values"
    )
