"""A tiny metering warehouse for the quality tests: raw schema, registry, files written as rows.

Rows go straight into the raw tables (as a loader that let a defect through would leave
them), each file with its `raw.landing_files` row, so the suites see exactly the defect a
test plants.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import duckdb

from landing.loader import ensure_raw_schema
from quality.batches import DAY_SLOTS_SQL
from quality.store import ensure_quality_schema

POWER_KW = "3.0"  # cap per quarter hour: 3 x 0.25 x 1.1 = 0.825 kWh
CLEAN_KWH = "0.1"  # 9.6 kWh on a 96-slot day
HISTORY_START = dt.date(2025, 1, 1)
LOADED = dt.datetime(2025, 4, 2, 6, tzinfo=dt.UTC)


def interval_pod(n: int) -> str:
    return f"IT001E{n:08d}"


def register_pod(n: int) -> str:
    return f"IT001E9{n:07d}"


def gas_pdr(n: int) -> str:
    return f"{n:014d}"


def warehouse(path: Path) -> duckdb.DuckDBPyConnection:
    con = duckdb.connect(str(path))
    ensure_raw_schema(con)
    ensure_quality_schema(con)
    return con


def add_supply_point(
    con: duckdb.DuckDBPyConnection,
    point: str,
    *,
    commodity: str = "ELE",
    meter_type: str = "interval",
    serial: str = "M1",
    digits: int = 6,
    contract_start: dt.date = dt.date(2024, 1, 1),
    contract_end: dt.date | None = None,
) -> None:
    con.execute(
        """
        INSERT INTO raw.supply_points (supply_point_id, company_id, commodity,
            billing_account_id, dso_code, address, postcode, city, province, use, voltage,
            power_kw, meter_type, meter_serial, meter_digits, annual_consumption, valid_from,
            _file, _file_key, _line, _loaded_at)
        VALUES (?, 'C01', ?, 'BA1', 'DSO001', 'Via Roma 1', '00100', 'Roma', 'RM',
            'domestic_resident', 'LV', ?, ?, ?, ?, 2700, DATE '2024-01-01',
            'registry/supply_points/C01.csv', 'supply_points/C01', 2, ?)
        """,
        [
            point,
            commodity,
            POWER_KW if commodity == "ELE" else None,
            meter_type,
            serial,
            digits,
            LOADED,
        ],
    )
    con.execute(
        """
        INSERT INTO raw.contracts (contract_id, version, company_id, supply_point_id,
            customer_id, billing_account_id, offer_id, start_date, end_date, signed_date,
            _file, _file_key, _line, _loaded_at)
        VALUES ('CT-' || ?, 1, 'C01', ?, 'CL1', 'BA1', 'OF1', ?, ?, ?,
            'registry/contracts/C01.csv', 'contracts/C01', 2, ?)
        """,
        [point, point, contract_start, contract_end, contract_start, LOADED],
    )


def register_file(
    con: duckdb.DuckDBPyConnection,
    source: str,
    name: str,
    *,
    version: int = 1,
    loaded_at: dt.datetime = LOADED,
) -> tuple[str, str]:
    """Record a loaded landing file; returns its (_file, _file_key)."""
    folder = {
        "ele_interval_readings": "ele_interval",
        "ele_register_readings": "ele_register",
        "gas_register_readings": "gas_register",
    }[source]
    suffix = "" if version == 1 else f"__v{version}"
    file = f"metering/{folder}/DSO001/{name}{suffix}.csv"
    file_key = f"{source}/{name}"
    con.execute(
        "UPDATE raw.landing_files SET status = 'superseded' "
        "WHERE _file_key = ? AND status = 'loaded'",
        [file_key],
    )
    con.execute(
        "INSERT INTO raw.landing_files (source, _file, _file_key, version, sha256, size_bytes, "
        "status, _loaded_at) VALUES (?, ?, ?, ?, 'sha', 1, 'loaded', ?)",
        [source, file, file_key, version, loaded_at],
    )
    return file, file_key


def add_curve(
    con: duckdb.DuckDBPyConnection,
    name: str,
    pods: list[str],
    first: dt.date,
    last: dt.date,
    *,
    kwh: str = CLEAN_KWH,
    version: int = 1,
    loaded_at: dt.datetime = LOADED,
) -> str:
    """A load-curve file: every quarter hour of every day for each POD; returns its key."""
    file, file_key = register_file(
        con, "ele_interval_readings", name, version=version, loaded_at=loaded_at
    )
    con.execute("DELETE FROM raw.ele_interval_readings WHERE _file_key = ?", [file_key])
    con.execute(
        f"""
        INSERT INTO raw.ele_interval_readings
        WITH days AS (
            SELECT p.pod, d::DATE AS reading_date,
                row_number() OVER (ORDER BY p.pod, d) + 1 AS line
            FROM (SELECT unnest(?::VARCHAR[]) AS pod) p,
                generate_series(?::DATE, ?::DATE, INTERVAL 1 DAY) AS g(d)
        )
        SELECT pod, reading_date, s::SMALLINT, ?::DECIMAL(18, 6), ?, ?, line::INTEGER, ?
        FROM days, generate_series(1, {DAY_SLOTS_SQL.format(day="reading_date")}) AS t(s)
        """,
        [pods, first, last, kwh, file, file_key, loaded_at],
    )
    return file_key


def add_register_readings(
    con: duckdb.DuckDBPyConnection,
    source: str,
    name: str,
    rows: list[tuple[str, dt.date, str, tuple[str, ...]]],
    *,
    version: int = 1,
    loaded_at: dt.datetime = LOADED,
) -> str:
    """A register file: (point, date, serial, readings) per line; returns its key."""
    file, file_key = register_file(con, source, name, version=version, loaded_at=loaded_at)
    con.execute(f"DELETE FROM raw.{source} WHERE _file_key = ?", [file_key])
    for line, (point, day, serial, readings) in enumerate(rows, start=2):
        marks = ", ".join("?" for _ in readings)
        con.execute(
            f"INSERT INTO raw.{source} VALUES (?, ?, ?, 'actual', {marks}, ?, ?, ?, ?)",
            [point, day, serial, *readings, file, file_key, line, loaded_at],
        )
    return file_key


def holds(con: duckdb.DuckDBPyConnection) -> set[tuple[str, dt.date, str]]:
    return set(
        con.execute(
            "SELECT supply_point_id, billing_month, check_name FROM quality.supply_point_holds"
        ).fetchall()
    )


def mark_validated(con: duckdb.DuckDBPyConnection) -> None:
    """Take every loaded file as validated already (history a test does not look at)."""
    con.execute(
        """
        INSERT INTO quality.validated_files
        SELECT source, _file, _file_key, _loaded_at, now(), 'setup'
        FROM raw.landing_files WHERE status = 'loaded'
        """
    )
