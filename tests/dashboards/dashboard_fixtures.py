"""Small snapshots in the contracts' layout (docs/contracts.md §2, §4) for the dashboard tests."""

from __future__ import annotations

import os
from decimal import Decimal
from pathlib import Path

import duckdb

# docs/contracts.md §2; the contract names the columns, the types follow landing/sources.py
SUPPLY_POINTS_DDL = """
CREATE TABLE rpt_supply_points (
    supply_point_id VARCHAR, company_id VARCHAR, company_name VARCHAR, commodity VARCHAR,
    customer_id VARCHAR, customer_name VARCHAR, billing_account_id VARCHAR, "use" VARCHAR,
    voltage VARCHAR, power_kw DECIMAL(12, 3), meter_type VARCHAR, dso_code VARCHAR,
    city VARCHAR, province VARCHAR, offer_id VARCHAR, offer_name VARCHAR, last_month DATE,
    last_month_quantity DECIMAL(18, 6), unit VARCHAR
)
"""
LOAD_CURVE_DDL = """
CREATE TABLE rpt_load_curve (
    supply_point_id VARCHAR, company_id VARCHAR, interval_start_utc TIMESTAMPTZ,
    local_date DATE, local_hour SMALLINT, band VARCHAR, kwh DECIMAL(18, 6)
)
"""

POD_CURVE = "IT001E00000001"  # curve on 28 Feb 2025, 30 Mar (spring DST, 92 quarter hours), 31 Mar
POD_JANUARY = "IT002E00000002"  # curve on 15 Jan 2025 only
POD_NO_CURVE = "IT003E00000003"  # interval meter whose curve has not arrived
POD_REGISTER = "IT004E00000004"
PDR = "01234567890123"

# one row per supply point, in the contract's column order; a table reads best unwrapped
# fmt: off
SUPPLY_POINTS = [
    (POD_CURVE, "C01", "Luce Uno S.p.A.", "ELE", "CU001", "Mario Rossi", "BA001",
     "domestic_resident", "LV", "3", "interval", "DSO001", "Milano", "MI", "OF01",
     "Luce Fissa", "2025-03-01", "1234.5", "kWh"),
    (POD_JANUARY, "C02", "Energia Due S.r.l.", "ELE", "CU101", "Officine Bianchi S.r.l.",
     "BA101", "non_domestic", "MV", "150.5", "interval", "DSO002", "Torino", "TO", "OF11",
     "Business Index", "2025-01-01", "98765.432", "kWh"),
    (POD_NO_CURVE, "C01", "Luce Uno S.p.A.", "ELE", "CU002", "Giulia Verdi", "BA002",
     "domestic_nonresident", "LV", "4.5", "interval", "DSO001", "Milano", "MI", "OF01",
     "Luce Fissa", None, None, "kWh"),
    (POD_REGISTER, "C01", "Luce Uno S.p.A.", "ELE", "CU001", "Mario Rossi", "BA001",
     "domestic_resident", "LV", "3", "register", "DSO001", "Milano", "MI", "OF01",
     "Luce Fissa", "2025-03-01", "210", "kWh"),
    (PDR, "C01", "Luce Uno S.p.A.", "GAS", "CU001", "Mario Rossi", "BA001",
     "domestic_resident", None, None, "register", "DSO009", "Milano", "MI", "OF05",
     "Gas Fisso", "2025-03-01", "88.25", "m3"),
]
# fmt: on

# kWh per quarter hour in each band, so the month totals can be worked out by hand
BAND_KWH = {"F1": Decimal("0.5"), "F2": Decimal("0.25"), "F3": Decimal("0.125")}
CURVE_DAYS = [
    (POD_CURVE, "C01", "2025-02-28"),
    (POD_CURVE, "C01", "2025-03-30"),
    (POD_CURVE, "C01", "2025-03-31"),
    (POD_JANUARY, "C02", "2025-01-15"),
]

# quarter hours of the days above, banded by ARERA's hours (none is a holiday)
LOAD_CURVE_SQL = """
WITH quarter_hours AS (
    SELECT ts, timezone('Europe/Rome', ts) AS local_time
    FROM generate_series(TIMESTAMPTZ '2025-01-14 00:00:00+00', TIMESTAMPTZ '2025-04-01 00:00:00+00',
                         INTERVAL 15 MINUTE) AS s(ts)
), banded AS (
    SELECT ts, CAST(local_time AS DATE) AS local_date, hour(local_time) AS local_hour,
           CASE
               WHEN isodow(local_time) = 7 THEN 'F3'
               WHEN isodow(local_time) = 6 THEN
                   CASE WHEN hour(local_time) BETWEEN 7 AND 22 THEN 'F2' ELSE 'F3' END
               WHEN hour(local_time) BETWEEN 8 AND 18 THEN 'F1'
               WHEN hour(local_time) = 7 OR hour(local_time) BETWEEN 19 AND 22 THEN 'F2'
               ELSE 'F3'
           END AS band
    FROM quarter_hours
)
INSERT INTO rpt_load_curve
SELECT d.supply_point_id, d.company_id, b.ts, b.local_date, b.local_hour, b.band,
       CASE b.band WHEN 'F1' THEN $f1 WHEN 'F2' THEN $f2 ELSE $f3 END * $scale
FROM banded AS b
JOIN (SELECT * FROM (VALUES {days}) AS v(supply_point_id, company_id, day)) AS d
  ON b.local_date = CAST(d.day AS DATE)
"""


def write_snapshot(
    serving_dir: Path,
    snapshot_id: str,
    *,
    scale: Decimal = Decimal(1),
    extra_supply_points: tuple[tuple, ...] = (),
    tables: tuple[str, ...] = ("rpt_supply_points", "rpt_load_curve"),
) -> Path:
    """Write the Parquet files of one snapshot (without switching CURRENT)."""
    folder = serving_dir / "snapshots" / snapshot_id
    folder.mkdir(parents=True)
    days = ", ".join(f"('{pod}', '{company}', '{day}')" for pod, company, day in CURVE_DAYS)
    with duckdb.connect() as con:
        con.execute(SUPPLY_POINTS_DDL)
        con.execute(LOAD_CURVE_DDL)
        con.executemany(
            "INSERT INTO rpt_supply_points VALUES (" + ", ".join(["?"] * 19) + ")",
            [*SUPPLY_POINTS, *extra_supply_points],
        )
        con.execute(
            LOAD_CURVE_SQL.format(days=days),
            {"f1": BAND_KWH["F1"], "f2": BAND_KWH["F2"], "f3": BAND_KWH["F3"], "scale": scale},
        )
        for table in tables:
            path = str(folder / f"{table}.parquet").replace("'", "''")
            con.execute(f"COPY {table} TO '{path}' (FORMAT parquet)")
    return folder


def switch_current(serving_dir: Path, snapshot_id: str) -> None:
    """Point CURRENT at a snapshot by an atomic rename, as the publisher does."""
    pending = serving_dir / "CURRENT.next"
    pending.write_text(snapshot_id + "\n", encoding="utf-8")
    os.replace(pending, serving_dir / "CURRENT")
