"""Checks over the whole warehouse, in SQL: DuckDB aggregates, only the failing points come back.

Each check returns findings per supply point and billing month and is recorded as the batch
`warehouse/<check>` (replaced whole on every run, so a point drops out once it is fixed).
That every loaded line is loaded or quarantined is ingestion's own check
(`lines_accounted_for`), not repeated here.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta

import duckdb

from landing.sources import SOURCES_BY_NAME, SUPPLY_POINT_COLUMN
from quality.batches import INTERVAL, METERING_SOURCES, REGISTERS
from quality.store import BatchCounts, Finding, ensure_quality_schema, replace_findings

READINGS_HAVE_CONTRACT = "readings_have_contract"
COMPLETE_POINT_MONTHS = "complete_point_months"
DELIVERIES_DO_NOT_OVERLAP = "deliveries_do_not_overlap"


def readings_have_contract(con: duckdb.DuckDBPyConnection) -> list[Finding]:
    """Readings on days no contract version of their supply point covers.

    A register's opening reading is dated the day before supply starts (the register at the
    end of that day), so register readings may precede the contract by one day.
    """
    rows = con.execute(
        """
        WITH readings AS (
            SELECT pod AS supply_point_id, reading_date, false AS register,
                min(_file) AS _file, min(_line) AS _line
            FROM raw.ele_interval_readings GROUP BY pod, reading_date
            UNION ALL
            SELECT pod, reading_date, true, _file, _line FROM raw.ele_register_readings
            UNION ALL
            SELECT pdr, reading_date, true, _file, _line FROM raw.gas_register_readings
        ), uncovered AS (
            SELECT * FROM readings r
            WHERE NOT EXISTS (
                SELECT 1 FROM raw.contracts c
                WHERE c.supply_point_id = r.supply_point_id
                  AND r.reading_date >= c.start_date - CASE WHEN r.register THEN 1 ELSE 0 END
                  AND r.reading_date <= coalesce(c.end_date, DATE '9999-12-31')
            )
        )
        SELECT supply_point_id, date_trunc('month', reading_date)::DATE AS billing_month,
            count(DISTINCT reading_date), min(reading_date), max(reading_date),
            arg_min(_file, reading_date), arg_min(_line, reading_date)
        FROM uncovered GROUP BY ALL ORDER BY ALL
        """
    ).fetchall()
    return [
        Finding(
            READINGS_HAVE_CONTRACT,
            f"readings on {days} day(s) from {first} to {last} with no contract",
            supply_point_id=point,
            billing_month=month,
            reading_date=first,
            file=file,
            line=line,
        )
        for point, month, days, first, last, file, line in rows
    ]


def complete_point_months(con: duckdb.DuckDBPyConnection) -> list[Finding]:
    """Interval points with readings in a month but none on some of the month's supplied days.

    Gaps inside a day are the batch suite's `complete_day`; a day missing whole (never
    delivered, or its line quarantined at load) shows only across all deliveries of the month.
    """
    rows = con.execute(
        """
        WITH point_months AS (
            SELECT pod, date_trunc('month', reading_date)::DATE AS billing_month
            FROM raw.ele_interval_readings GROUP BY ALL
        ), month_days AS (
            SELECT pod, billing_month,
                unnest(generate_series(billing_month,
                    (billing_month + INTERVAL 1 MONTH - INTERVAL 1 DAY)::DATE,
                    INTERVAL 1 DAY))::DATE AS day
            FROM point_months
        ), supplied AS (
            SELECT DISTINCT m.pod, m.billing_month, m.day FROM month_days m
            JOIN raw.contracts c
                ON c.supply_point_id = m.pod AND m.day >= c.start_date
                AND m.day <= coalesce(c.end_date, DATE '9999-12-31')
        ), missing AS (
            SELECT s.* FROM supplied s
            WHERE NOT EXISTS (
                SELECT 1 FROM raw.ele_interval_readings r
                WHERE r.pod = s.pod AND r.reading_date = s.day
            )
        )
        SELECT m.pod, m.billing_month, count(*) AS missing_days,
            (SELECT count(*) FROM supplied s
             WHERE s.pod = m.pod AND s.billing_month = m.billing_month) AS supplied_days,
            string_agg(strftime(m.day, '%d'), ', ' ORDER BY m.day) AS days, min(m.day)
        FROM missing m GROUP BY m.pod, m.billing_month ORDER BY ALL
        """
    ).fetchall()
    return [
        Finding(
            COMPLETE_POINT_MONTHS,
            f"no readings on {missing} of {supplied} supplied days (day {days})",
            supply_point_id=pod,
            billing_month=month,
            reading_date=first,
        )
        for pod, month, missing, supplied, days, first in rows
    ]


def deliveries_do_not_overlap(con: duckdb.DuckDBPyConnection, source: str) -> list[Finding]:
    """The same reading in two different files (not versions of one file).

    dbt keeps the latest delivery, so identical copies are only recorded; copies that
    disagree hold the point, since nobody can tell which is right.
    """
    table = SOURCES_BY_NAME[source].table
    point = SUPPLY_POINT_COLUMN[source]
    key, values = (
        (f"{point}, reading_date, slot", "kwh")
        if source == INTERVAL
        else (f"{point}, reading_date, meter_serial", f"({', '.join(REGISTERS[source])})")
    )
    rows = con.execute(
        f"""
        WITH shared_days AS (
            -- cheap first pass: point-days present in more than one file
            SELECT {point} AS point, reading_date FROM {table}
            GROUP BY {point}, reading_date HAVING count(DISTINCT _file_key) > 1
        ), copies AS (
            SELECT {point} AS point, reading_date,
                count(DISTINCT {values}) > 1 AS conflicting,
                list(DISTINCT _file ORDER BY _file) AS files
            FROM {table}
            WHERE ({point}, reading_date) IN (SELECT (point, reading_date) FROM shared_days)
            GROUP BY {key}
            HAVING count(DISTINCT _file_key) > 1
        )
        SELECT point, reading_date, bool_or(conflicting), count(*), min(files)
        FROM copies GROUP BY point, reading_date ORDER BY ALL
        """
    ).fetchall()
    findings = []
    for point_id, day, conflicting, copies, files in rows:
        verdict = "with different values" if conflicting else "identical"
        months = {day.replace(day=1)}
        if source != INTERVAL:
            months.add((day + timedelta(days=1)).replace(day=1))
        findings += [
            Finding(
                DELIVERIES_DO_NOT_OVERLAP,
                f"{copies} reading(s) of {day} delivered in {len(files)} files, {verdict}: "
                + ", ".join(files),
                supply_point_id=point_id,
                billing_month=month,
                reading_date=day,
                blocking=conflicting,
            )
            for month in sorted(months)
        ]
    return findings


@dataclass(frozen=True)
class WarehouseCheck:
    name: str
    batch: str
    run: Callable[[duckdb.DuckDBPyConnection], list[Finding]]
    about: str  # the raw table the check reports on
    reads: tuple[str, ...] = ()  # the other raw tables it reads


def warehouse_checks() -> list[WarehouseCheck]:
    checks = [
        WarehouseCheck(
            READINGS_HAVE_CONTRACT,
            f"warehouse/{READINGS_HAVE_CONTRACT}",
            readings_have_contract,
            about="contracts",
            reads=METERING_SOURCES,
        ),
        WarehouseCheck(
            COMPLETE_POINT_MONTHS,
            f"warehouse/{COMPLETE_POINT_MONTHS}",
            complete_point_months,
            # about the contracts too: every supplied day of an interval point has its curve
            about="contracts",
            reads=(INTERVAL,),
        ),
    ]
    for source in METERING_SOURCES:
        checks.append(
            WarehouseCheck(
                DELIVERIES_DO_NOT_OVERLAP,
                f"warehouse/{DELIVERIES_DO_NOT_OVERLAP}/{source}",
                lambda con, source=source: deliveries_do_not_overlap(con, source),
                about=source,
            )
        )
    return checks


def run_warehouse_check(
    con: duckdb.DuckDBPyConnection, check: WarehouseCheck, run_id: str
) -> tuple[BatchCounts, list[Finding]]:
    """Run one check over the whole warehouse and replace its findings."""
    ensure_quality_schema(con)
    findings = check.run(con)
    return replace_findings(con, check.batch, findings, [check.name], run_id), findings
