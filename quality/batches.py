"""Bounded batches for the GX suites: the rows of one landing file and what is derived from them.

Every query here is bounded by one `_file_key`: the file's own rows, or aggregates over them
joined with the same supply points' registry and their previous 12 months. Nothing pulls a
whole raw table into pandas. Quantities arrive as float in pandas; they only feed comparisons,
never an amount.
"""

from __future__ import annotations

from dataclasses import dataclass

import duckdb
import pandas as pd

from landing.loader import POWER_CAP_TOLERANCE
from landing.sources import SOURCES_BY_NAME, SUPPLY_POINT_COLUMN, Source

INTERVAL = "ele_interval_readings"
REGISTERS = {
    "ele_register_readings": ("reading_f1", "reading_f2", "reading_f3"),
    "gas_register_readings": ("reading_m3",),
}
METERING_SOURCES = (INTERVAL, *REGISTERS)
# what the interval row rules read, once the schema is known to be right
INTERVAL_ROW_COLUMNS = "pod, reading_date, slot, kwh, _line"

# quarter hours in a local day: 92, 96 or 100 (DOMAIN.md §3), as ingestion computes them
DAY_SLOTS_SQL = (
    "CAST((epoch(timezone('Europe/Rome', ({day} + 1)::TIMESTAMP)) - "
    "epoch(timezone('Europe/Rome', {day}::TIMESTAMP))) / 900 AS INTEGER)"
)

LINEAGE = (
    ("_file", "VARCHAR"),
    ("_file_key", "VARCHAR"),
    ("_line", "INTEGER"),
    ("_loaded_at", "TIMESTAMP WITH TIME ZONE"),
)


@dataclass(frozen=True)
class Limits:
    """The thresholds of the plausibility rules (DOMAIN.md §4)."""

    # least share of a point-day's quarter hours that must be present
    completeness: float = 1.0
    # a month (or register span) above this many times the point's busiest month of the
    # previous 12 (per day, so partial months compare fairly) is implausible
    history_factor: float = 3.0


def expected_columns(source: Source) -> list[tuple[str, str]]:
    """The raw table's columns as ingestion creates them: spec, long values, lineage."""
    columns = [(c.name, c.type) for c in source.columns]
    if source.wide_values:
        columns += [("slot", "SMALLINT"), ("kwh", source.wide_values[2])]
    return columns + list(LINEAGE)


def rows_frame(
    con: duckdb.DuckDBPyConnection, source: str, file_key: str, columns: str = "*"
) -> pd.DataFrame:
    """The file's rows as stored: every column for the schema rule, fewer for the row rules."""
    table = SOURCES_BY_NAME[source].table
    return con.execute(
        f"SELECT {columns} FROM {table} WHERE _file_key = ? ORDER BY _line", [file_key]
    ).df()


def interval_days_frame(con: duckdb.DuckDBPyConnection, file_key: str) -> pd.DataFrame:
    """One row per POD and day of the file: quarter hours present and the committed-power cap."""
    return con.execute(
        f"""
        WITH batch AS (
            SELECT pod, reading_date, slot, kwh, _file, _line
            FROM raw.ele_interval_readings WHERE _file_key = $file_key
        ), days AS (
            SELECT pod, reading_date, count(DISTINCT slot) AS slots_present,
                max(kwh) AS max_kwh, arg_max(slot, kwh) AS max_slot,
                min(_file) AS _file, min(_line) AS _line
            FROM batch GROUP BY pod, reading_date
        ), power AS (
            SELECT supply_point_id, valid_from, power_kw FROM raw.supply_points
            WHERE supply_point_id IN (SELECT pod FROM days)
        ), sized AS (
            SELECT d.*, {DAY_SLOTS_SQL.format(day="d.reading_date")} AS day_slots, p.power_kw
            FROM days d
            ASOF LEFT JOIN power p
                ON p.supply_point_id = d.pod AND d.reading_date >= p.valid_from
        )
        SELECT pod, reading_date, slots_present, day_slots,
            least(slots_present, day_slots) / day_slots AS completeness,
            max_kwh, max_slot, power_kw,
            power_kw * 0.25 * {POWER_CAP_TOLERANCE} AS cap_kwh, _file, _line
        FROM sized ORDER BY pod, reading_date
        """,
        {"file_key": file_key},
    ).df()


def interval_months_frame(
    con: duckdb.DuckDBPyConnection, file_key: str, limits: Limits
) -> pd.DataFrame:
    """One row per POD and month of the file: kWh per day against the previous 12 months."""
    return con.execute(
        """
        WITH batch_days AS (
            SELECT pod, reading_date, sum(kwh) AS kwh
            FROM raw.ele_interval_readings WHERE _file_key = $file_key
            GROUP BY pod, reading_date
        ), batch_months AS (
            SELECT pod, date_trunc('month', reading_date)::DATE AS billing_month,
                count(*) AS days, sum(kwh) / count(*) AS daily_kwh
            FROM batch_days GROUP BY ALL
        ), history AS (
            SELECT pod, date_trunc('month', reading_date)::DATE AS month,
                sum(kwh) / count(DISTINCT reading_date) AS daily_kwh
            FROM raw.ele_interval_readings
            WHERE pod IN (SELECT pod FROM batch_months)
              AND reading_date >= (SELECT min(billing_month) FROM batch_months)
                  - INTERVAL 12 MONTH
              AND reading_date < (SELECT max(billing_month) FROM batch_months)
            GROUP BY ALL
        )
        SELECT b.pod, b.billing_month, b.days, b.daily_kwh,
            max(h.daily_kwh) AS reference_daily_kwh,
            CASE WHEN max(h.daily_kwh) > 0 THEN max(h.daily_kwh) * $factor END
                AS limit_daily_kwh
        FROM batch_months b
        LEFT JOIN history h
            ON h.pod = b.pod AND h.month < b.billing_month
            AND h.month >= b.billing_month - INTERVAL 12 MONTH
        GROUP BY b.pod, b.billing_month, b.days, b.daily_kwh
        ORDER BY b.pod, b.billing_month
        """,
        {"file_key": file_key, "factor": limits.history_factor},
    ).df()


def register_readings_frame(
    con: duckdb.DuckDBPyConnection, source: str, file_key: str, limits: Limits
) -> pd.DataFrame:
    """One row per row of the file, with the span since the meter's previous reading.

    A register below its previous reading is read as a roll-over (DOMAIN.md §4): the span's
    use is `reading + 10^digits - previous`. A real roll-over passes near the top of the
    register, so a span using more than half the register's range is a reading that went
    backwards. A meter's first reading (a new or replaced meter) has no span.
    """
    table = SOURCES_BY_NAME[source].table
    point = SUPPLY_POINT_COLUMN[source]
    registers = REGISTERS[source]
    regs = ", ".join(registers)
    previous = ", ".join(f"lag({r}) OVER meter AS previous_{r}" for r in registers)
    used = ", ".join(
        f"CASE WHEN {r} >= previous_{r} THEN {r} - previous_{r} "
        f"ELSE {r} + register_range - previous_{r} END AS used_{r}"
        for r in registers
    )
    total = " + ".join(f"used_{r}" for r in registers)
    largest = f"greatest({', '.join(f'used_{r}' for r in registers)})"
    return con.execute(
        f"""
        WITH batch AS (
            SELECT {point} AS point, reading_date, meter_serial FROM {table}
            WHERE _file_key = $file_key
        ), readings AS (
            -- the same reading in two deliveries counts once, this file's copy first
            SELECT {point} AS point, reading_date, meter_serial, {regs}, _file, _line
            FROM {table}
            WHERE {point} IN (SELECT point FROM batch)
              AND reading_date >= (SELECT min(reading_date) FROM batch) - INTERVAL 13 MONTH
              AND reading_date <= (SELECT max(reading_date) FROM batch)
            QUALIFY row_number() OVER (
                PARTITION BY {point}, reading_date, meter_serial
                ORDER BY (_file_key = $file_key) DESC, _loaded_at DESC, _line
            ) = 1
        ), digits AS (
            SELECT supply_point_id, meter_serial, max(meter_digits) AS meter_digits
            FROM raw.supply_points WHERE supply_point_id IN (SELECT point FROM batch)
            GROUP BY ALL
        ), spans AS (
            SELECT r.*, lag(r.reading_date) OVER meter AS previous_date, {previous},
                10::DECIMAL(38, 6) ** coalesce(
                    d.meter_digits,
                    max(d.meter_digits) OVER (PARTITION BY r.point)
                ) AS register_range
            FROM readings r
            LEFT JOIN digits d
                ON d.supply_point_id = r.point AND d.meter_serial = r.meter_serial
            WINDOW meter AS (PARTITION BY r.point, r.meter_serial ORDER BY r.reading_date)
        ), used AS (
            SELECT *, {used} FROM spans WHERE previous_date IS NOT NULL
        ), daily AS (
            SELECT point, reading_date, meter_serial, previous_date, _file, _line,
                reading_date - previous_date AS days,
                {total} AS used,
                {largest} AS largest_register_use,
                register_range / 2 AS half_register_range,
                -- a register gone backwards has no meaningful use to compare with history
                CASE WHEN reading_date > previous_date AND {largest} <= register_range / 2
                    THEN ({total}) / (reading_date - previous_date) END AS daily_use
            FROM used
        ), referenced AS (
            SELECT *, max(daily_use) OVER (
                PARTITION BY point ORDER BY reading_date
                RANGE BETWEEN INTERVAL 365 DAYS PRECEDING AND INTERVAL 1 DAY PRECEDING
            ) AS reference_daily_use
            FROM daily
        )
        SELECT b.{point}, b.reading_date, b.meter_serial, {", ".join(f"b.{r}" for r in registers)},
            r.previous_date, r.days, r.used, r.largest_register_use, r.half_register_range,
            r.daily_use, r.reference_daily_use,
            CASE WHEN r.reference_daily_use > 0 THEN r.reference_daily_use * $factor END
                AS limit_daily_use,
            -- a reading closes one span and opens the next: both spans' months use it
            date_trunc('month', coalesce(r.previous_date + 1, b.reading_date))::DATE
                AS first_month,
            date_trunc('month', b.reading_date + 1)::DATE AS last_month,
            b._file, b._line
        FROM {table} b
        LEFT JOIN referenced r
            ON r.point = b.{point} AND r.reading_date = b.reading_date
            AND r.meter_serial = b.meter_serial
        WHERE b._file_key = $file_key
        ORDER BY b._line
        """,
        {"file_key": file_key, "factor": limits.history_factor},
    ).df()
