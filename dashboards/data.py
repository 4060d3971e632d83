"""Read-only queries over the current snapshot's Parquet files, for the dashboard pages.

Every query names its tables as `read_parquet($<table>)`: the file path of the live
snapshot and every value a user chose are bound parameters, never formatted into SQL.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from datetime import date
from functools import cache
from typing import Any

import duckdb
import pandas as pd

from dashboards.snapshot import current_snapshot

LOCAL_TIME_ZONE = "Europe/Rome"
SUPPLY_POINTS = "rpt_supply_points"
LOAD_CURVE = "rpt_load_curve"


@cache
def _database() -> duckdb.DuckDBPyConnection:
    # connecting costs tens of milliseconds (extension set-up) while a cursor costs nothing;
    # each cursor is its own connection to this empty in-memory database, safe per thread
    return duckdb.connect(":memory:")


@contextmanager
def _query(sql: str, tables: Iterable[str], **params: Any) -> Iterator[duckdb.DuckDBPyConnection]:
    snapshot = current_snapshot()
    bound = {table: str(snapshot.table(table)) for table in tables} | params
    with _database().cursor() as cursor:
        yield cursor.execute(sql, bound)


def _rows(sql: str, tables: Iterable[str], **params: Any) -> list[dict[str, Any]]:
    with _query(sql, tables, **params) as result:
        columns = [d[0] for d in result.description]
        return [dict(zip(columns, row, strict=True)) for row in result.fetchall()]


def _frame(sql: str, tables: Iterable[str], **params: Any) -> pd.DataFrame:
    with _query(sql, tables, **params) as result:
        return result.df()


def snapshot_id() -> str:
    return current_snapshot().snapshot_id


def summary() -> list[dict[str, Any]]:
    """Per company and commodity: supply points, customers, interval meters, latest month."""
    return _rows(
        """
        SELECT company_id, company_name, commodity,
               count(*) AS supply_points,
               count(DISTINCT customer_id) AS customers,
               count(*) FILTER (WHERE meter_type = 'interval') AS interval_meters,
               max(last_month) AS last_month
        FROM read_parquet($rpt_supply_points)
        GROUP BY ALL
        ORDER BY company_id, commodity
        """,
        [SUPPLY_POINTS],
    )


def supply_points() -> list[dict[str, Any]]:
    """Every supply point, shaped for the grid: it sorts and filters JSON numbers and ISO dates,
    so quantities travel as doubles; they are displayed, never summed into an amount."""
    return _rows(
        """
        SELECT supply_point_id, company_id, company_name, commodity,
               customer_id, customer_name, billing_account_id,
               "use", voltage, CAST(power_kw AS DOUBLE) AS power_kw, meter_type, dso_code,
               city, province, offer_id, offer_name,
               strftime(last_month, '%Y-%m-%d') AS last_month,
               CAST(last_month_quantity AS DOUBLE) AS last_month_quantity, unit
        FROM read_parquet($rpt_supply_points)
        ORDER BY company_id, supply_point_id
        """,
        [SUPPLY_POINTS],
    )


def interval_supply_points() -> list[dict[str, Any]]:
    """Electricity supply points with a load curve (interval meters), for choosing one."""
    return _rows(
        """
        SELECT supply_point_id, company_name, customer_name
        FROM read_parquet($rpt_supply_points)
        WHERE meter_type = 'interval' AND commodity = 'ELE'
        ORDER BY supply_point_id
        """,
        [SUPPLY_POINTS],
    )


def load_curve_months(supply_point_id: str) -> list[date]:
    """Months (first day) with load-curve rows for the supply point, newest first."""
    rows = _rows(
        """
        SELECT DISTINCT CAST(date_trunc('month', local_date) AS DATE) AS month
        FROM read_parquet($rpt_load_curve)
        WHERE supply_point_id = $supply_point_id
        ORDER BY month DESC
        """,
        [LOAD_CURVE],
        supply_point_id=supply_point_id,
    )
    return [row["month"] for row in rows]


# the local days of one month, for one supply point
_IN_MONTH = (
    "supply_point_id = $supply_point_id"
    " AND local_date >= $month AND local_date < CAST($month AS DATE) + INTERVAL 1 MONTH"
)


def load_curve(supply_point_id: str, month: date) -> pd.DataFrame:
    """Quarter hours of one month: `local_time` (wall clock, Europe/Rome), `band`, `kwh`.

    On the autumn DST day the wall clock repeats an hour; the UTC instant keeps the order."""
    return _frame(
        f"""
        SELECT interval_start_utc,
               timezone($time_zone, interval_start_utc) AS local_time,
               local_date, band, CAST(kwh AS DOUBLE) AS kwh
        FROM read_parquet($rpt_load_curve)
        WHERE {_IN_MONTH}
        ORDER BY interval_start_utc
        """,
        [LOAD_CURVE],
        supply_point_id=supply_point_id,
        month=month,
        time_zone=LOCAL_TIME_ZONE,
    )


def daily_band_totals(supply_point_id: str, month: date) -> pd.DataFrame:
    """kWh per local day and band, for the month's bar chart."""
    return _frame(
        f"""
        SELECT local_date, band, CAST(sum(kwh) AS DOUBLE) AS kwh
        FROM read_parquet($rpt_load_curve)
        WHERE {_IN_MONTH}
        GROUP BY ALL
        ORDER BY local_date, band
        """,
        [LOAD_CURVE],
        supply_point_id=supply_point_id,
        month=month,
    )


def band_totals(supply_point_id: str, month: date) -> list[dict[str, Any]]:
    """Exact kWh (Decimal) and quarter hours per band for the month."""
    return _rows(
        f"""
        SELECT band, sum(kwh) AS kwh, count(*) AS intervals
        FROM read_parquet($rpt_load_curve)
        WHERE {_IN_MONTH}
        GROUP BY band
        ORDER BY band
        """,
        [LOAD_CURVE],
        supply_point_id=supply_point_id,
        month=month,
    )
