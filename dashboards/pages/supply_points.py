"""Supply points page: the technical and commercial registry (`rpt_supply_points`) as a grid."""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import urlencode

import dash
import dash_ag_grid as dag
from dash import html

from access import roles
from dashboards import data
from dashboards.auth import current_scope
from dashboards.components import export_links, notice, page_layout, unavailable_message
from dashboards.i18n import N_, _, language_or_default, month_names, number_symbols
from dashboards.labels import COMMODITIES, METER_TYPES, USES, label
from dashboards.snapshot import DataUnavailable

TITLE = N_("Supply points")
LOAD_CURVE_PATH = "/load-curve"

# (field, header, kind): kind picks the filter and how the browser formats the value
COLUMNS = (
    ("supply_point_id", N_("POD/PDR"), "text"),
    ("company_name", N_("Company"), "text"),
    ("commodity", N_("Commodity"), "text"),
    ("customer_id", N_("Customer code"), "text"),
    ("customer_name", N_("Customer"), "text"),
    ("billing_account_id", N_("Billing account"), "text"),
    ("use", N_("Use"), "text"),
    ("voltage", N_("Voltage"), "text"),
    ("power_kw", N_("Committed power (kW)"), "power"),
    ("meter_type", N_("Meter type"), "text"),
    ("dso_code", N_("DSO"), "text"),
    ("city", N_("City"), "text"),
    ("province", N_("Province"), "text"),
    ("offer_id", N_("Offer code"), "text"),
    ("offer_name", N_("Offer"), "text"),
    ("last_month", N_("Last month"), "month"),
    ("last_month_quantity", N_("Last month quantity"), "quantity"),
    ("unit", N_("Unit"), "text"),
)

# the grid's own words (filter menus, pager); AG Grid keys, English defaults as msgids
GRID_TEXTS = {
    "page": N_("Page"),
    "of": N_("of"),
    "to": N_("to"),
    "nextPage": N_("Next page"),
    "previousPage": N_("Previous page"),
    "firstPage": N_("First page"),
    "lastPage": N_("Last page"),
    "pageSizeSelectorLabel": N_("Page size:"),
    "noRowsToShow": N_("No rows to show"),
    "loadingOoo": N_("Loading..."),
    "filterOoo": N_("Filter..."),
    "contains": N_("Contains"),
    "notContains": N_("Does not contain"),
    "equals": N_("Equals"),
    "notEqual": N_("Does not equal"),
    "startsWith": N_("Begins with"),
    "endsWith": N_("Ends with"),
    "blank": N_("Blank"),
    "notBlank": N_("Not blank"),
    "lessThan": N_("Less than"),
    "greaterThan": N_("Greater than"),
    "lessThanOrEqual": N_("Less than or equal to"),
    "greaterThanOrEqual": N_("Greater than or equal to"),
    "inRange": N_("Between"),
    "andCondition": N_("AND"),
    "orCondition": N_("OR"),
    "before": N_("Before"),
    "after": N_("After"),
}


def _number_formatter(language: str, specifier: str) -> dict[str, str]:
    # the grid formats in the browser with d3; Babel supplies the separators so the grid
    # writes numbers exactly as the Python-rendered parts of the page do
    decimal, group = number_symbols(language)
    locale = json.dumps(
        {"decimal": decimal, "thousands": group, "grouping": [3], "currency": ["", ""]}
    )
    return {
        "function": f"params.value == null ? '' : "
        f"d3.formatLocale({locale}).format('{specifier}')(params.value)"
    }


def _month_formatter(language: str) -> dict[str, str]:
    months = json.dumps(month_names(language))
    return {
        "function": f"params.value ? {months}[Number(params.value.slice(5, 7)) - 1]"
        f" + ' ' + params.value.slice(0, 4) : ''"
    }


def column_defs(language: str) -> list[dict[str, Any]]:
    formatters = {
        "power": _number_formatter(language, ",.3~f"),
        "quantity": _number_formatter(language, ",.3f"),
        "month": _month_formatter(language),
    }
    columns = [
        {
            "field": "load_curve",
            "headerName": "",
            "cellRenderer": "markdown",
            "filter": False,
            "sortable": False,
            "pinned": "left",
            "width": 60,
        }
    ]
    for field, header, kind in COLUMNS:
        column: dict[str, Any] = {"field": field, "headerName": _(language, header)}
        if kind in ("power", "quantity"):
            column |= {
                "filter": "agNumberColumnFilter",
                "type": "rightAligned",
                "cellDataType": "number",
                "valueFormatter": formatters[kind],
            }
        elif kind == "month":
            column |= {
                "filter": "agDateColumnFilter",
                "cellDataType": "dateString",
                "valueFormatter": formatters[kind],
            }
        else:
            column |= {"filter": "agTextColumnFilter", "cellDataType": "text"}
        if field == "supply_point_id":
            column["pinned"] = "left"
        columns.append(column)
    return columns


def grid_rows(language: str, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Codes become labels in `language` (the grid filters what it shows), and interval-metered
    electricity points get a link to their load curve."""
    link_text = _(language, "Curve")
    # relative to where the app is mounted, like the nav bar's links
    load_curve_path = dash.get_relative_path(LOAD_CURVE_PATH)
    for row in rows:
        if row["meter_type"] == "interval" and row["commodity"] == "ELE":
            query = urlencode({"pod": row["supply_point_id"]})
            row["load_curve"] = f"[{link_text}]({load_curve_path}?{query})"
        row["commodity"] = label(language, COMMODITIES, row["commodity"])
        row["use"] = label(language, USES, row["use"])
        row["meter_type"] = label(language, METER_TYPES, row["meter_type"])
    return rows


@page_layout(roles.SUPPLY_POINTS)
def layout(language: str | None = None, company: str | None = None, **_query: str) -> html.Div:
    language = language_or_default(language)
    heading = html.H1(_(language, TITLE))
    try:
        rows = grid_rows(language, data.supply_points(current_scope(company)))
    except DataUnavailable as error:
        return html.Div(
            [heading, notice(unavailable_message(language, error), "supply-points-notice")]
        )
    return html.Div(
        [
            heading,
            export_links(language, "supply-points", "supply-points-export", company=company),
            dag.AgGrid(
                id="supply-points-grid",
                rowData=rows,
                columnDefs=column_defs(language),
                defaultColDef={"sortable": True, "resizable": True, "floatingFilter": True},
                dashGridOptions={
                    "pagination": True,
                    "paginationPageSize": 50,
                    "localeText": {key: _(language, text) for key, text in GRID_TEXTS.items()},
                    # auto-size measures rendered cells only; a few dozen columns render cheaply
                    "suppressColumnVirtualisation": True,
                },
                getRowId="params.data.supply_point_id",
                columnSize="autoSize",
                style={"height": "72vh"},
            ),
        ]
    )


dash.register_page(
    __name__,
    path="/supply-points",
    name=TITLE,
    order=1,
    layout=layout,
    access=roles.SUPPLY_POINTS,
)
