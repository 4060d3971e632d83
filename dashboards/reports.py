"""The tables the pages show and export: columns, rows from the scoped queries, and their
rendering as an HTML table, a CSV file or an xlsx workbook in the user's language."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from babel import dates as babel_dates
from dash import html

from access import roles
from access.scope import Scope
from dashboards import data
from dashboards.auth import can, services
from dashboards.components import export_links, notice, table, unavailable_message
from dashboards.i18n import N_, _, format_money, format_month, format_number, locale_of
from dashboards.labels import (
    BANDS,
    COMMODITIES,
    DOCUMENT_TYPES,
    INDICES,
    INVOICE_KINDS,
    INVOICE_STATUSES,
    METER_TYPES,
    SEGMENTS,
    USES,
    label,
)
from dashboards.snapshot import DataUnavailable

LOCAL_TIME_ZONE = ZoneInfo(data.LOCAL_TIME_ZONE)
MAX_SHOWN_ROWS = 500  # a page shows this many; the export has every row
CSV_FORMATS = {"it": (";", ","), "en": (",", ".")}  # (separator, decimal mark)
XLSX_FORMATS = {
    "date": "DD/MM/YYYY",
    "month": "MM/YYYY",
    "datetime": "DD/MM/YYYY HH:MM",
    "money": "#,##0.00",
    "quantity": "#,##0.000",
    "price": "#,##0.00",
    "integer": "#,##0",
    "percent": "0.0%",
}


@dataclass(frozen=True)
class Column:
    key: str
    header: str  # msgid
    kind: str = (
        "text"  # text, code, date, month, datetime, money, quantity, price, integer, percent
    )
    labels: Mapping[str, str] | None = None  # for kind "code"


@dataclass(frozen=True)
class Params:
    """What a report may be narrowed by, already checked; the scope decides the rest."""

    supply_point: str | None = None
    month: date | None = None


@dataclass(frozen=True)
class Report:
    name: str  # in the download address and the file name
    title: str  # msgid
    pages: tuple[str, ...]  # any of them opens the report
    columns: tuple[Column, ...]
    rows: Callable[[Scope, Params], list[dict[str, Any]]]


# ------------------------------------------------------------------ rows that are computed here


def imbalance_rows(
    actual: Sequence[Mapping[str, Any]], forecast: Sequence[Mapping[str, Any]]
) -> list[dict[str, Any]]:
    """Actual against forecast per supply point, month and band, newest month first.

    A forecast in ALL compares with the month's total; banded forecasts band by band. The
    imbalance is actual minus forecast, its share relative to the forecast."""
    actual_by_key: dict[tuple[str, date, str], Decimal] = {}
    units: dict[str, str] = {}
    for row in actual:
        key = (row["supply_point_id"], row["month"], row["band"])
        actual_by_key[key] = actual_by_key.get(key, Decimal(0)) + row["quantity"]
        all_key = (row["supply_point_id"], row["month"], "ALL")
        if row["band"] != "ALL":
            actual_by_key[all_key] = actual_by_key.get(all_key, Decimal(0)) + row["quantity"]
        units[row["supply_point_id"]] = row["unit"]
    result = []
    for row in forecast:
        key = (row["supply_point_id"], row["month"], row["band"])
        measured = actual_by_key.get(key)
        expected = row["quantity"]
        imbalance = None if measured is None else measured - expected
        result.append(
            {
                "supply_point_id": row["supply_point_id"],
                "month": row["month"],
                "band": row["band"],
                "forecast": expected,
                "actual": measured,
                "imbalance": imbalance,
                "share": imbalance / expected if imbalance is not None and expected else None,
                "unit": row["unit"],
            }
        )
    return sorted(result, key=lambda r: (-r["month"].toordinal(), r["supply_point_id"], r["band"]))


def _imbalance(scope: Scope, params: Params) -> list[dict[str, Any]]:
    in_scope = data.supply_point_info(scope)
    # the forecasts of points outside the scope are never asked for
    points = [p for p in in_scope if params.supply_point in (None, p)]
    forecast = services().forecasts.current(points)
    actual = data.monthly_consumption(scope, params.supply_point) if points else []
    return imbalance_rows(actual, forecast)


def _forecasts(scope: Scope, params: Params) -> list[dict[str, Any]]:
    rows = services().forecasts.current(data.supply_point_info(scope))
    for row in rows:
        # the store keeps UTC (SQLite without the zone); people read Italian time
        row["uploaded_at"] = (
            row["uploaded_at"].replace(tzinfo=UTC).astimezone(LOCAL_TIME_ZONE).replace(tzinfo=None)
        )
    return rows


def _load_curve(scope: Scope, params: Params) -> list[dict[str, Any]]:
    if not params.supply_point or not params.month:
        return []
    curve = data.load_curve(scope, params.supply_point, params.month)
    return [
        {
            "supply_point_id": params.supply_point,
            "local_time": row.local_time.to_pydatetime(),
            "band": row.band,
            "kwh": Decimal(str(row.kwh)),
        }
        for row in curve.itertuples()
    ]


def _supply_points(scope: Scope, params: Params) -> list[dict[str, Any]]:
    rows = data.supply_points(scope)
    for row in rows:
        # the grid's JSON shapes back to exact values
        row["last_month"] = date.fromisoformat(row["last_month"]) if row["last_month"] else None
        for key in ("power_kw", "last_month_quantity"):
            row[key] = None if row[key] is None else Decimal(str(row[key]))
    return rows


def _issued_only() -> bool:
    return not can(roles.UNISSUED_INVOICES)


# ------------------------------------------------------------------ the reports

COMPANY = Column("company_id", N_("Company"))
SUPPLY_POINT = Column("supply_point_id", N_("POD/PDR"))
MONTH = Column("month", N_("Month"), "month")
BAND = Column("band", N_("Band"), "code", BANDS)
COMMODITY = Column("commodity", N_("Commodity"), "code", COMMODITIES)
UNIT = Column("unit", N_("Unit"))

REPORTS = {
    report.name: report
    for report in (
        Report(
            "supply-points",
            N_("Supply points"),
            (roles.SUPPLY_POINTS,),
            (
                SUPPLY_POINT,
                Column("company_name", N_("Company")),
                COMMODITY,
                Column("customer_id", N_("Customer code")),
                Column("customer_name", N_("Customer")),
                Column("billing_account_id", N_("Billing account")),
                Column("use", N_("Use"), "code", USES),
                Column("voltage", N_("Voltage")),
                Column("power_kw", N_("Committed power (kW)"), "quantity"),
                Column("meter_type", N_("Meter type"), "code", METER_TYPES),
                Column("dso_code", N_("DSO")),
                Column("city", N_("City")),
                Column("province", N_("Province")),
                Column("offer_id", N_("Offer code")),
                Column("offer_name", N_("Offer")),
                Column("last_month", N_("Last month"), "month"),
                Column("last_month_quantity", N_("Last month quantity"), "quantity"),
                UNIT,
            ),
            _supply_points,
        ),
        Report(
            "invoices",
            N_("Invoices"),
            (roles.INVOICES,),
            (
                Column("number", N_("Number")),
                Column("invoice_id", N_("Invoice id")),
                COMPANY,
                Column("customer_name", N_("Customer")),
                Column("billing_account_id", N_("Billing account")),
                Column("document_type", N_("Document"), "code", DOCUMENT_TYPES),
                Column("kind", N_("Kind"), "code", INVOICE_KINDS),
                Column("period_start", N_("From"), "date"),
                Column("period_end", N_("To"), "date"),
                Column("issue_date", N_("Issued on"), "date"),
                Column("due_date", N_("Due on"), "date"),
                Column("taxable", N_("Taxable"), "money"),
                Column("vat_total", N_("VAT"), "money"),
                Column("total", N_("Total"), "money"),
                Column("status", N_("Status"), "code", INVOICE_STATUSES),
            ),
            lambda scope, params: data.invoices(scope, issued_only=_issued_only()),
        ),
        Report(
            "billing",
            N_("Billing per month"),
            (roles.CONSUMPTION,),
            (
                COMPANY,
                MONTH,
                Column("invoices", N_("Invoices"), "integer"),
                Column("taxable", N_("Taxable"), "money"),
                Column("vat_total", N_("VAT"), "money"),
                Column("total", N_("Total"), "money"),
            ),
            lambda scope, params: data.billing_by_month(scope, issued_only=_issued_only()),
        ),
        Report(
            "consumption",
            N_("Consumption per month"),
            (roles.CONSUMPTION,),
            (
                SUPPLY_POINT,
                COMMODITY,
                MONTH,
                BAND,
                Column("quantity", N_("Quantity"), "quantity"),
                UNIT,
            ),
            lambda scope, params: data.monthly_consumption(scope, params.supply_point),
        ),
        Report(
            "imbalance",
            N_("Consumption against forecast"),
            (roles.CURVES,),
            (
                SUPPLY_POINT,
                MONTH,
                BAND,
                Column("forecast", N_("Forecast"), "quantity"),
                Column("actual", N_("Actual"), "quantity"),
                Column("imbalance", N_("Imbalance"), "quantity"),
                Column("share", N_("Imbalance %"), "percent"),
                UNIT,
            ),
            _imbalance,
        ),
        Report(
            "load-curve",
            N_("Load curve"),
            (roles.CURVES, roles.LOAD_CURVE),
            (
                SUPPLY_POINT,
                Column("local_time", N_("Local time"), "datetime"),
                BAND,
                Column("kwh", "kWh", "quantity"),
            ),
            _load_curve,
        ),
        Report(
            "forecasts",
            N_("Forecasts in force"),
            (roles.FORECASTS,),
            (
                SUPPLY_POINT,
                MONTH,
                BAND,
                Column("quantity", N_("Quantity"), "quantity"),
                UNIT,
                Column("uploaded_at", N_("Uploaded on"), "datetime"),
            ),
            _forecasts,
        ),
        Report(
            "prices",
            N_("Average prices per month"),
            (roles.PRICES,),
            (
                Column("index_name", N_("Index"), "code", INDICES),
                MONTH,
                BAND,
                Column("price_eur_mwh", N_("€/MWh"), "price"),
            ),
            lambda scope, params: data.monthly_prices(),
        ),
        Report(
            "forward-curves",
            N_("Forward curves"),
            (roles.PRICES,),
            (
                Column("index_name", N_("Index"), "code", INDICES),
                Column("trade_date", N_("Quoted on"), "date"),
                Column("delivery_month", N_("Delivery month"), "month"),
                Column("price_eur_mwh", N_("€/MWh"), "price"),
            ),
            lambda scope, params: data.forward_curves(),
        ),
        Report(
            "portfolio-consumption",
            N_("Consumption by company, commodity, segment and month"),
            (roles.PORTFOLIO,),
            (
                COMPANY,
                COMMODITY,
                Column("segment", N_("Segment"), "code", SEGMENTS),
                MONTH,
                Column("supply_points", N_("Supply points"), "integer"),
                Column("quantity", N_("Quantity"), "quantity"),
                UNIT,
            ),
            lambda scope, params: data.portfolio_consumption(scope),
        ),
        Report(
            "portfolio-revenue",
            N_("Revenue by company, commodity, segment and month"),
            (roles.PORTFOLIO,),
            (
                COMPANY,
                COMMODITY,
                Column("segment", N_("Segment"), "code", SEGMENTS),
                MONTH,
                Column("invoices", N_("Invoices"), "integer"),
                Column("revenue", N_("Revenue (taxable)"), "money"),
            ),
            lambda scope, params: data.portfolio_revenue(scope),
        ),
    )
}


# ------------------------------------------------------------------ rendering


def format_cell(value: Any, column: Column, language: str) -> str:
    """A value as people read it in `language`."""
    if value is None:
        return ""
    kind = column.kind
    if kind == "code":
        return label(language, column.labels or {}, value) or ""
    if kind == "date":
        return babel_dates.format_date(value, "medium", locale=locale_of(language))
    if kind == "month":
        return format_month(value, language)
    if kind == "datetime":
        return babel_dates.format_datetime(value, "dd/MM/yyyy HH:mm", locale=locale_of(language))
    if kind == "money":
        return format_money(value, language)
    if kind == "quantity":
        return format_number(value, language, 3)
    if kind == "price":
        return format_number(value, language, 2)
    if kind == "integer":
        return format_number(value, language)
    if kind == "percent":
        return format_number(value * 100, language, 1) + "%"
    return str(value)


NUMERIC_KINDS = ("money", "quantity", "price", "integer", "percent")


def html_table(
    report: Report,
    rows: Sequence[Mapping[str, Any]],
    language: str,
    component_id: str,
    extra: tuple[str, str] | None = None,
) -> html.Div:
    """The report as a table (the first MAX_SHOWN_ROWS rows), or a note that it is empty;
    `extra` (key, header) adds a last column of components the rows carry (links)."""
    if not rows:
        return html.Div(html.P(_(language, "No rows."), className="muted"), id=component_id)
    header = [_(language, c.header) for c in report.columns]
    body = [[format_cell(row.get(c.key), c, language) for c in report.columns] for row in rows]
    if extra is not None:
        key, title = extra
        header.append(title)
        for cells, row in zip(body, rows, strict=True):
            cells.append(row[key])
    numeric = [i for i, c in enumerate(report.columns) if c.kind in NUMERIC_KINDS]
    parts: list[Any] = [table(header, body[:MAX_SHOWN_ROWS], numeric, component_id)]
    if len(rows) > MAX_SHOWN_ROWS:
        parts.append(
            html.P(
                _(
                    language,
                    "Showing {shown} of {total} rows: the export has them all.",
                    shown=format_number(MAX_SHOWN_ROWS, language),
                    total=format_number(len(rows), language),
                ),
                className="muted",
            )
        )
    return html.Div(parts, className="table-scroll")


def report_section(
    language: str,
    name: str,
    component_prefix: str,
    scope: Scope,
    params: Params | None = None,
    *,
    lead: str | None = None,
    **query: str | None,
) -> html.Div:
    """A report as a page shows it: heading, `lead` paragraph, export links (narrowed by
    `query` as the page is) and table; a notice instead when the snapshot lacks it."""
    report = REPORTS[name]
    heading = html.H2(_(language, report.title))
    try:
        rows = report.rows(scope, params or Params())
    except DataUnavailable as error:
        return html.Div(
            [heading, notice(unavailable_message(language, error), f"{component_prefix}-notice")]
        )
    return html.Div(
        [
            heading,
            *([html.P(lead, className="lead")] if lead else []),
            export_links(language, name, f"{component_prefix}-export", **query),
            html_table(report, rows, language, f"{component_prefix}-table"),
        ]
    )


def _csv_value(value: Any, column: Column, language: str) -> str:
    if value is None:
        return ""
    _separator, decimal = CSV_FORMATS[language]
    kind = column.kind
    if kind == "code":
        return label(language, column.labels or {}, value) or ""
    if kind == "date":
        return f"{value:%d/%m/%Y}"
    if kind == "month":
        return f"{value:%m/%Y}"
    if kind == "datetime":
        return f"{value:%d/%m/%Y %H:%M}"
    if kind in NUMERIC_KINDS:
        return format(Decimal(value), "f").replace(".", decimal)
    return str(value)


def to_csv(report: Report, rows: Sequence[Mapping[str, Any]], language: str) -> bytes:
    """`;` and decimal comma in Italian, `,` and decimal point in English; UTF-8 with a BOM so
    spreadsheet programs read the accents right. Numbers are exact and ungrouped."""
    separator, _decimal = CSV_FORMATS[language]
    out = io.StringIO()
    writer = csv.writer(out, delimiter=separator, lineterminator="\r\n")
    writer.writerow([_(language, c.header) for c in report.columns])
    for row in rows:
        writer.writerow([_csv_value(row.get(c.key), c, language) for c in report.columns])
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def to_xlsx(report: Report, rows: Sequence[Mapping[str, Any]], language: str) -> bytes:
    """One sheet, typed cells (dates as dates, amounts as numbers) with display formats."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(_(language, report.title)[:31])
    bold = Font(bold=True)
    header = []
    for column in report.columns:
        cell = WriteOnlyCell(sheet, value=_(language, column.header))
        cell.font = bold
        header.append(cell)
    sheet.append(header)
    for row in rows:
        cells = []
        for column in report.columns:
            value = row.get(column.key)
            if column.kind == "code" and value is not None:
                value = label(language, column.labels or {}, value)
            elif isinstance(value, datetime) and value.tzinfo is not None:
                value = value.replace(tzinfo=None)  # Excel has no time zones: local time
            cell = WriteOnlyCell(sheet, value=value)
            if column.kind in XLSX_FORMATS:
                cell.number_format = XLSX_FORMATS[column.kind]
            cells.append(cell)
        sheet.append(cells)
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()
