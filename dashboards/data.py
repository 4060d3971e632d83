"""Read-only queries over the current snapshot's Parquet files, for the dashboard pages.

Every query names its tables as `read_parquet($<table>)`: the file path of the live
snapshot and every value a user chose are bound parameters, never formatted into SQL.
Every query of business rows takes the caller's `Scope` (resolved on the server from the
signed-in user's grants) and returns only the rows inside it: an id typed by a user
outside their scope finds nothing, as an id that does not exist.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from datetime import date
from functools import cache, lru_cache
from typing import Any

import duckdb
import pandas as pd

from access.forecasts import SupplyPointInfo
from access.scope import CustomerNode, Scope
from dashboards.snapshot import DataUnavailable, MissingTable, Snapshot, current_snapshot

LOCAL_TIME_ZONE = "Europe/Rome"
SUPPLY_POINTS = "rpt_supply_points"
LOAD_CURVE = "rpt_load_curve"
MONTHLY_CONSUMPTION = "rpt_monthly_consumption"
MARKET_PRICES = "rpt_market_prices"
# the customer hierarchy (data scope of managers and customers) and the forward curves
CUSTOMERS = "rpt_customers"
FORWARD_CURVES = "rpt_forward_curves"
INVOICES = "invoices"
INVOICE_LINES = "invoice_lines"
ISSUED = "issued"


class ContractMismatch(DataUnavailable):
    """A published table lacks a column its contract names."""


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
        try:
            yield cursor.execute(sql, bound)
        except duckdb.BinderException as error:
            raise ContractMismatch(str(error)) from None


def _rows(sql: str, tables: Iterable[str], **params: Any) -> list[dict[str, Any]]:
    with _query(sql, tables, **params) as result:
        columns = [d[0] for d in result.description]
        return [dict(zip(columns, row, strict=True)) for row in result.fetchall()]


def _frame(sql: str, tables: Iterable[str], **params: Any) -> pd.DataFrame:
    with _query(sql, tables, **params) as result:
        return result.df()


# ------------------------------------------------------------------ scope


def _in_scope(alias: str) -> str:
    """SQL that keeps the rows of `alias` (which has company_id and customer_id) in scope."""
    return (
        f"(($scope_company IS NULL OR {alias}.company_id = $scope_company)"
        f" AND ($scope_all"
        f" OR list_contains(CAST($scope_companies AS VARCHAR[]), {alias}.company_id)"
        f" OR list_contains(CAST($scope_customers AS VARCHAR[]), {alias}.customer_id)))"
    )


# the supply points in scope, for tables keyed by supply point only
_POINTS_IN_SCOPE = (
    "(SELECT sp.supply_point_id FROM read_parquet($rpt_supply_points) AS sp WHERE "
    + _in_scope("sp")
    + ")"
)


def _scope(scope: Scope) -> dict[str, Any]:
    return {
        "scope_all": scope.everything,
        "scope_companies": sorted(scope.companies),
        "scope_customers": sorted(scope.customers),
        "scope_company": scope.company,
    }


def snapshot_id() -> str:
    return current_snapshot().snapshot_id


@lru_cache(maxsize=4)
def _nodes(snapshot: Snapshot) -> tuple[CustomerNode, ...]:
    try:
        path = str(snapshot.table(CUSTOMERS))
        sql = (
            "SELECT customer_id, company_id, parent_customer_id, kind "
            "FROM read_parquet($path) ORDER BY customer_id"
        )
    except MissingTable:
        # no hierarchy published: each supply point's customer stands alone
        path = str(snapshot.table(SUPPLY_POINTS))
        sql = (
            "SELECT DISTINCT customer_id, company_id, NULL, NULL FROM read_parquet($path) "
            "WHERE customer_id IS NOT NULL ORDER BY customer_id"
        )
    with _database().cursor() as cursor:
        return tuple(CustomerNode(*row) for row in cursor.execute(sql, {"path": path}).fetchall())


def customer_nodes() -> tuple[CustomerNode, ...]:
    """The customer hierarchy of the live snapshot (`rpt_customers`), read once per snapshot."""
    return _nodes(current_snapshot())


def companies() -> dict[str, str]:
    """company_id -> name, for every company in the published data."""
    rows = _rows(
        "SELECT company_id, any_value(company_name) AS name FROM read_parquet($rpt_supply_points)"
        " GROUP BY company_id ORDER BY company_id",
        [SUPPLY_POINTS],
    )
    return {row["company_id"]: row["name"] for row in rows}


# ------------------------------------------------------------------ supply points


def summary(scope: Scope) -> list[dict[str, Any]]:
    """Per company and commodity: supply points, customers, interval meters, latest month."""
    return _rows(
        f"""
        SELECT company_id, company_name, commodity,
               count(*) AS supply_points,
               count(DISTINCT customer_id) AS customers,
               count(*) FILTER (WHERE meter_type = 'interval') AS interval_meters,
               max(last_month) AS last_month
        FROM read_parquet($rpt_supply_points) AS sp
        WHERE {_in_scope("sp")}
        GROUP BY ALL
        ORDER BY company_id, commodity
        """,
        [SUPPLY_POINTS],
        **_scope(scope),
    )


def supply_points(scope: Scope) -> list[dict[str, Any]]:
    """Every supply point, shaped for the grid: it sorts and filters JSON numbers and ISO dates,
    so quantities travel as doubles; they are displayed, never summed into an amount."""
    return _rows(
        f"""
        SELECT supply_point_id, company_id, company_name, commodity,
               customer_id, customer_name, billing_account_id,
               "use", voltage, CAST(power_kw AS DOUBLE) AS power_kw, meter_type, dso_code,
               city, province, offer_id, offer_name,
               strftime(last_month, '%Y-%m-%d') AS last_month,
               CAST(last_month_quantity AS DOUBLE) AS last_month_quantity, unit
        FROM read_parquet($rpt_supply_points) AS sp
        WHERE {_in_scope("sp")}
        ORDER BY company_id, supply_point_id
        """,
        [SUPPLY_POINTS],
        **_scope(scope),
    )


def supply_point_choices(scope: Scope, interval_only: bool = False) -> list[dict[str, Any]]:
    """Supply points to choose from (id, customer, commodity); `interval_only`: electricity with
    a load curve."""
    return _rows(
        f"""
        SELECT supply_point_id, company_id, company_name, customer_name, commodity, unit
        FROM read_parquet($rpt_supply_points) AS sp
        WHERE {_in_scope("sp")}
          AND (NOT $interval_only OR (meter_type = 'interval' AND commodity = 'ELE'))
        ORDER BY supply_point_id
        """,
        [SUPPLY_POINTS],
        interval_only=interval_only,
        **_scope(scope),
    )


def interval_supply_points(scope: Scope) -> list[dict[str, Any]]:
    """Electricity supply points with a load curve (interval meters), for choosing one."""
    return supply_point_choices(scope, interval_only=True)


def supply_point_info(scope: Scope) -> dict[str, SupplyPointInfo]:
    """The supply points in scope, as a forecast upload checks them."""
    return {
        row["supply_point_id"]: SupplyPointInfo(row["company_id"], row["commodity"])
        for row in supply_point_choices(scope)
    }


# ------------------------------------------------------------------ load curves


def load_curve_months(scope: Scope, supply_point_id: str) -> list[date]:
    """Months (first day) with load-curve rows for the supply point, newest first."""
    rows = _rows(
        f"""
        SELECT DISTINCT CAST(date_trunc('month', local_date) AS DATE) AS month
        FROM read_parquet($rpt_load_curve)
        WHERE supply_point_id = $supply_point_id AND supply_point_id IN {_POINTS_IN_SCOPE}
        ORDER BY month DESC
        """,
        [LOAD_CURVE, SUPPLY_POINTS],
        supply_point_id=supply_point_id,
        **_scope(scope),
    )
    return [row["month"] for row in rows]


# the local days of one month, for one supply point in scope
_IN_MONTH = (
    "supply_point_id = $supply_point_id"
    " AND local_date >= $month AND local_date < CAST($month AS DATE) + INTERVAL 1 MONTH"
    f" AND supply_point_id IN {_POINTS_IN_SCOPE}"
)


def load_curve(scope: Scope, supply_point_id: str, month: date) -> pd.DataFrame:
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
        [LOAD_CURVE, SUPPLY_POINTS],
        supply_point_id=supply_point_id,
        month=month,
        time_zone=LOCAL_TIME_ZONE,
        **_scope(scope),
    )


def daily_band_totals(scope: Scope, supply_point_id: str, month: date) -> pd.DataFrame:
    """kWh per local day and band, for the month's bar chart."""
    return _frame(
        f"""
        SELECT local_date, band, CAST(sum(kwh) AS DOUBLE) AS kwh
        FROM read_parquet($rpt_load_curve)
        WHERE {_IN_MONTH}
        GROUP BY ALL
        ORDER BY local_date, band
        """,
        [LOAD_CURVE, SUPPLY_POINTS],
        supply_point_id=supply_point_id,
        month=month,
        **_scope(scope),
    )


def band_totals(scope: Scope, supply_point_id: str, month: date) -> list[dict[str, Any]]:
    """Exact kWh (Decimal) and quarter hours per band for the month."""
    return _rows(
        f"""
        SELECT band, sum(kwh) AS kwh, count(*) AS intervals
        FROM read_parquet($rpt_load_curve)
        WHERE {_IN_MONTH}
        GROUP BY band
        ORDER BY band
        """,
        [LOAD_CURVE, SUPPLY_POINTS],
        supply_point_id=supply_point_id,
        month=month,
        **_scope(scope),
    )


def hourly_profile(scope: Scope, supply_point_id: str, month: date) -> pd.DataFrame:
    """The month's average day: kWh per local hour (0-23) averaged over the days with data."""
    return _frame(
        f"""
        WITH hours AS (
            SELECT local_date, local_hour, sum(kwh) AS kwh
            FROM read_parquet($rpt_load_curve)
            WHERE {_IN_MONTH}
            GROUP BY ALL
        )
        SELECT local_hour, CAST(avg(kwh) AS DOUBLE) AS kwh
        FROM hours GROUP BY local_hour ORDER BY local_hour
        """,
        [LOAD_CURVE, SUPPLY_POINTS],
        supply_point_id=supply_point_id,
        month=month,
        **_scope(scope),
    )


def portfolio_load_months(scope: Scope) -> list[date]:
    """Months with load-curve rows in scope, newest first."""
    rows = _rows(
        f"""
        SELECT DISTINCT CAST(date_trunc('month', local_date) AS DATE) AS month
        FROM read_parquet($rpt_load_curve)
        WHERE supply_point_id IN {_POINTS_IN_SCOPE}
        ORDER BY month DESC
        """,
        [LOAD_CURVE, SUPPLY_POINTS],
        **_scope(scope),
    )
    return [row["month"] for row in rows]


def portfolio_load_curve(scope: Scope, month: date) -> pd.DataFrame:
    """kWh per quarter hour summed over every interval-metered supply point in scope, per
    company: `local_time`, `company_id`, `kwh`, `supply_points`."""
    return _frame(
        f"""
        SELECT interval_start_utc,
               timezone($time_zone, interval_start_utc) AS local_time,
               company_id, CAST(sum(kwh) AS DOUBLE) AS kwh,
               count(DISTINCT supply_point_id) AS supply_points
        FROM read_parquet($rpt_load_curve)
        WHERE local_date >= $month AND local_date < CAST($month AS DATE) + INTERVAL 1 MONTH
          AND supply_point_id IN {_POINTS_IN_SCOPE}
        GROUP BY ALL
        ORDER BY interval_start_utc, company_id
        """,
        [LOAD_CURVE, SUPPLY_POINTS],
        month=month,
        time_zone=LOCAL_TIME_ZONE,
        **_scope(scope),
    )


# ------------------------------------------------------------------ consumption


def monthly_consumption(scope: Scope, supply_point_id: str | None = None) -> list[dict[str, Any]]:
    """Quantities per supply point, month and band (exact), newest month first."""
    return _rows(
        f"""
        SELECT mc.supply_point_id, mc.company_id, mc.commodity, mc.month, mc.band,
               mc.quantity, mc.unit, mc.interval_count, mc.expected_interval_count
        FROM read_parquet($rpt_monthly_consumption) AS mc
        WHERE mc.supply_point_id IN {_POINTS_IN_SCOPE}
          AND ($supply_point_id IS NULL OR mc.supply_point_id = $supply_point_id)
        ORDER BY mc.month DESC, mc.supply_point_id, mc.band
        """,
        [MONTHLY_CONSUMPTION, SUPPLY_POINTS],
        supply_point_id=supply_point_id,
        **_scope(scope),
    )


# ------------------------------------------------------------------ invoices

_CUSTOMER_NAMES = (
    "(SELECT customer_id, any_value(customer_name) AS customer_name "
    "FROM read_parquet($rpt_supply_points) GROUP BY customer_id)"
)


# the number as the document prints it (exports.documents): series/number, NULL until issued
_NUMBER = (
    "CASE WHEN i.series IS NULL THEN CAST(i.number AS VARCHAR)"
    " ELSE i.series || '/' || CAST(i.number AS VARCHAR) END"
)


def invoices(scope: Scope, issued_only: bool = True) -> list[dict[str, Any]]:
    """Invoices in scope, newest first; `issued_only` hides drafts, checks and holds."""
    return _rows(
        f"""
        SELECT i.invoice_id, {_NUMBER} AS number, i.company_id, i.customer_id, names.customer_name,
               i.billing_account_id, i.document_type, i.kind, i.period_start, i.period_end,
               i.issue_date, i.due_date, i.taxable, i.vat_total, i.total, i.status
        FROM read_parquet($invoices) AS i
        LEFT JOIN {_CUSTOMER_NAMES} AS names USING (customer_id)
        WHERE {_in_scope("i")} AND (NOT $issued_only OR i.status = $issued)
        ORDER BY i.period_start DESC, i.company_id, i.invoice_id
        """,
        [INVOICES, SUPPLY_POINTS],
        issued_only=issued_only,
        issued=ISSUED,
        **_scope(scope),
    )


def invoice(scope: Scope, invoice_id: str, issued_only: bool = True) -> dict[str, Any] | None:
    """One invoice if it is in scope (and issued, if asked), else None."""
    rows = _rows(
        f"""
        SELECT i.invoice_id, i.company_id, i.customer_id, i.period_start, i.period_end, i.status
        FROM read_parquet($invoices) AS i
        WHERE i.invoice_id = $invoice_id AND {_in_scope("i")}
          AND (NOT $issued_only OR i.status = $issued)
        """,
        [INVOICES],
        invoice_id=invoice_id,
        issued_only=issued_only,
        issued=ISSUED,
        **_scope(scope),
    )
    return rows[0] if rows else None


def billing_by_month(scope: Scope, issued_only: bool = True) -> list[dict[str, Any]]:
    """Invoices per company and month of the period: count and exact amounts."""
    return _rows(
        f"""
        SELECT i.company_id, CAST(date_trunc('month', i.period_start) AS DATE) AS month,
               count(*) AS invoices, sum(i.taxable) AS taxable, sum(i.vat_total) AS vat_total,
               sum(i.total) AS total
        FROM read_parquet($invoices) AS i
        WHERE {_in_scope("i")} AND (NOT $issued_only OR i.status = $issued)
        GROUP BY ALL
        ORDER BY month DESC, i.company_id
        """,
        [INVOICES],
        issued_only=issued_only,
        issued=ISSUED,
        **_scope(scope),
    )


# ------------------------------------------------------------------ portfolio (analysts)

_SEGMENT = "CASE WHEN sp.\"use\" LIKE 'domestic%' THEN 'domestic' ELSE 'business' END"


def portfolio_consumption(scope: Scope) -> list[dict[str, Any]]:
    """Quantity per company, commodity, segment and month, with the supply points counted."""
    return _rows(
        f"""
        SELECT sp.company_id, mc.commodity, {_SEGMENT} AS segment, mc.month, mc.unit,
               count(DISTINCT mc.supply_point_id) AS supply_points, sum(mc.quantity) AS quantity
        FROM read_parquet($rpt_monthly_consumption) AS mc
        JOIN read_parquet($rpt_supply_points) AS sp USING (supply_point_id)
        WHERE {_in_scope("sp")}
        GROUP BY ALL
        ORDER BY mc.month DESC, sp.company_id, mc.commodity, segment
        """,
        [MONTHLY_CONSUMPTION, SUPPLY_POINTS],
        **_scope(scope),
    )


def portfolio_revenue(scope: Scope) -> list[dict[str, Any]]:
    """Taxable amount of issued invoices' lines per company, commodity, segment and month of
    the invoiced period; lines without a supply point (fees) count under commodity NULL."""
    return _rows(
        f"""
        SELECT i.company_id, sp.commodity, {_SEGMENT} AS segment,
               CAST(date_trunc('month', i.period_start) AS DATE) AS month,
               count(DISTINCT i.invoice_id) AS invoices, sum(l.amount) AS revenue
        FROM read_parquet($invoice_lines) AS l
        JOIN read_parquet($invoices) AS i USING (invoice_id)
        LEFT JOIN read_parquet($rpt_supply_points) AS sp USING (supply_point_id)
        WHERE {_in_scope("i")} AND i.status = $issued
        GROUP BY ALL
        ORDER BY month DESC, i.company_id, sp.commodity, segment
        """,
        [INVOICE_LINES, INVOICES, SUPPLY_POINTS],
        issued=ISSUED,
        **_scope(scope),
    )


# ------------------------------------------------------------------ market prices (not scoped)


def monthly_prices() -> list[dict[str, Any]]:
    """Average price per index, month and band (`ALL`: every hour), exact."""
    return _rows(
        """
        WITH prices AS (
            SELECT index_name, CAST(date_trunc('month', price_date) AS DATE) AS month,
                   band, price_eur_mwh
            FROM read_parquet($rpt_market_prices)
        )
        SELECT index_name, month, 'ALL' AS band,
               CAST(avg(price_eur_mwh) AS DECIMAL(18, 6)) AS price_eur_mwh
        FROM prices GROUP BY ALL
        UNION ALL
        SELECT index_name, month, band, CAST(avg(price_eur_mwh) AS DECIMAL(18, 6))
        FROM prices WHERE band IS NOT NULL GROUP BY ALL
        ORDER BY index_name, month, band
        """,
        [MARKET_PRICES],
    )


def daily_prices() -> pd.DataFrame:
    """Average price per index and day, for the trend chart."""
    return _frame(
        """
        SELECT index_name, price_date, CAST(avg(price_eur_mwh) AS DOUBLE) AS price_eur_mwh
        FROM read_parquet($rpt_market_prices)
        GROUP BY ALL ORDER BY index_name, price_date
        """,
        [MARKET_PRICES],
    )


def forward_curves() -> list[dict[str, Any]]:
    """The latest forward curve per index: price per delivery month, as quoted on trade_date."""
    return _rows(
        """
        SELECT index_name, trade_date, delivery_month, price_eur_mwh
        FROM read_parquet($rpt_forward_curves)
        QUALIFY trade_date = max(trade_date) OVER (PARTITION BY index_name)
        ORDER BY index_name, delivery_month
        """,
        [FORWARD_CURVES],
    )
