"""Load-curve comparisons (OM8): a supply point's month against another month or against
another supply point, and consumption against the customer's forecast (imbalance)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

import dash
from dash import Input, Output, State, callback, dcc, html
from plotly.graph_objects import Figure

from access import roles
from dashboards import data
from dashboards.auth import current_scope, guarded_callback
from dashboards.components import (
    export_links,
    notice,
    page_layout,
    table,
    unavailable_message,
)
from dashboards.figures import comparison_figure, graph_config, message_figure
from dashboards.i18n import (
    LANGUAGE_STORE_ID,
    N_,
    _,
    format_month,
    format_number,
    format_percent,
    language_or_default,
)
from dashboards.pages.load_curve import pod_options
from dashboards.reports import report_section
from dashboards.snapshot import DataUnavailable

TITLE = N_("Load curve comparison")
PERIOD, POINT = "period", "point"


@page_layout(roles.CURVES)
def layout(language: str | None = None, company: str | None = None, **_query: str) -> html.Div:
    language = language_or_default(language)
    heading = html.H1(_(language, TITLE))
    scope = current_scope(company)
    try:
        points = data.interval_supply_points(scope)
    except DataUnavailable as error:
        points = []
        warning = notice(unavailable_message(language, error), "curves-notice")
    else:
        warning = None
    first = points[0]["supply_point_id"] if points else None
    options = pod_options(points)
    config = graph_config(language)

    def control(label: str, component: Any, wide: bool = False) -> html.Div:
        return html.Div(
            [html.Label(label, htmlFor=component.id), component],
            className="control wide" if wide else "control",
        )

    return html.Div(
        [
            heading,
            warning,
            html.Div(
                [
                    control(
                        _(language, "Supply point (POD)"),
                        dcc.Dropdown(
                            id="curves-pod", options=options, value=first, clearable=False
                        ),
                        wide=True,
                    ),
                    control(
                        _(language, "Month"),
                        dcc.Dropdown(id="curves-month", clearable=False),
                    ),
                    html.Div(
                        [
                            html.Label(_(language, "Compare with")),
                            dcc.RadioItems(
                                id="curves-mode",
                                options=[
                                    {"label": _(language, "another month"), "value": PERIOD},
                                    {"label": _(language, "another supply point"), "value": POINT},
                                ],
                                value=PERIOD,
                                inline=True,
                            ),
                        ],
                        className="control",
                    ),
                    control(
                        _(language, "Other month"),
                        dcc.Dropdown(id="curves-other-month", clearable=False),
                    ),
                    control(
                        _(language, "Other supply point"),
                        dcc.Dropdown(id="curves-other-pod", options=options, clearable=False),
                        wide=True,
                    ),
                ],
                className="controls",
            ),
            html.Div(id="curves-totals"),
            dcc.Graph(id="curves-daily", config=config, className="chart short"),
            dcc.Graph(id="curves-profile", config=config, className="chart short"),
            imbalance_section(language, company),
        ]
    )


def imbalance_section(language: str, company: str | None) -> html.Div:
    lead = _(
        language,
        "Actual consumption against the forecasts uploaded on the Forecasts page; "
        "a positive imbalance means more was used than declared.",
    )
    return report_section(
        language,
        "imbalance",
        "curves-imbalance",
        current_scope(company),
        lead=lead,
        company=company,
    )


def _month_options(pod: str | None, language: str | None) -> list[dict[str, str]]:
    if not pod:
        return []
    try:
        months = data.load_curve_months(current_scope(), pod)
    except DataUnavailable:
        return []
    return [{"label": format_month(m, language), "value": m.isoformat()} for m in months]


@callback(
    Output("curves-month", "options"),
    Output("curves-month", "value"),
    Output("curves-other-month", "options"),
    Output("curves-other-month", "value"),
    Input("curves-pod", "value"),
    State(LANGUAGE_STORE_ID, "data"),
)
@guarded_callback(roles.CURVES)
def choose_months(pod: str | None, language: str | None) -> tuple:
    """The point's months, newest first; the other month defaults to the one before."""
    options = _month_options(pod, language)
    first = options[0]["value"] if options else None
    second = options[1]["value"] if len(options) > 1 else first
    return options, first, options, second


def _parse_month(value: str | None) -> date | None:
    try:
        return date.fromisoformat(value).replace(day=1) if value else None
    except ValueError:
        return None


def _series(pod: str, month: date) -> tuple[Any, Any, list[dict[str, Any]]]:
    scope = current_scope()
    daily = data.daily_band_totals(scope, pod, month)
    per_day = daily.groupby("local_date", as_index=False)["kwh"].sum()
    return per_day, data.hourly_profile(scope, pod, month), data.band_totals(scope, pod, month)


def comparison_table(
    language: str, names: tuple[str, str], first: list[dict], second: list[dict]
) -> html.Div:
    """kWh per band of both sides, their difference and its share of the first."""
    a = {row["band"]: row["kwh"] for row in first}
    b = {row["band"]: row["kwh"] for row in second}
    rows = []
    for band in sorted(set(a) | set(b)) + ["total"]:
        x = sum(a.values(), Decimal(0)) if band == "total" else a.get(band, Decimal(0))
        y = sum(b.values(), Decimal(0)) if band == "total" else b.get(band, Decimal(0))
        rows.append(
            [
                _(language, "Total") if band == "total" else band,
                format_number(x, language, 3),
                format_number(y, language, 3),
                format_number(y - x, language, 3),
                format_percent((y - x) / x, language, 1) if x else "",
            ]
        )
    header = [_(language, "Band"), names[0], names[1], _(language, "Difference"), "%"]
    return table(header, rows, numeric=(1, 2, 3, 4), component_id="curves-totals-table")


@callback(
    Output("curves-daily", "figure"),
    Output("curves-profile", "figure"),
    Output("curves-totals", "children"),
    Input("curves-pod", "value"),
    Input("curves-month", "value"),
    Input("curves-mode", "value"),
    Input("curves-other-month", "value"),
    Input("curves-other-pod", "value"),
    State(LANGUAGE_STORE_ID, "data"),
)
@guarded_callback(roles.CURVES)
def compare(
    pod: str | None,
    month: str | None,
    mode: str | None,
    other_month: str | None,
    other_pod: str | None,
    language: str | None,
) -> tuple[Figure, Figure, Any]:
    language = language_or_default(language)
    first_month = _parse_month(month)
    if mode == POINT:
        second_pod, second_month = other_pod, first_month
    else:
        second_pod, second_month = pod, _parse_month(other_month)
    if not (pod and first_month and second_pod and second_month):
        message = _(language, "Choose a supply point and the months to compare.")
        return message_figure(message), message_figure(message), notice(message)
    try:
        day_a, profile_a, totals_a = _series(pod, first_month)
        day_b, profile_b, totals_b = _series(second_pod, second_month)
    except DataUnavailable as error:
        message = unavailable_message(language, error)
        return message_figure(message), message_figure(message), notice(message)
    if day_a.empty or day_b.empty:
        # a point outside the scope has no rows, exactly like one without readings
        message = _(language, "No readings to compare with.")
        return message_figure(message), message_figure(message), notice(message)
    names = (
        f"{pod} · {format_month(first_month, language)}",
        f"{second_pod} · {format_month(second_month, language)}",
    )
    daily = comparison_figure(
        [
            (names[0], [d.day for d in day_a["local_date"]], list(day_a["kwh"])),
            (names[1], [d.day for d in day_b["local_date"]], list(day_b["kwh"])),
        ],
        x_title=_(language, "Day of the month"),
        y_title=_(language, "kWh per day"),
    )
    profile = comparison_figure(
        [
            (names[0], list(profile_a["local_hour"]), list(profile_a["kwh"])),
            (names[1], list(profile_b["local_hour"]), list(profile_b["kwh"])),
        ],
        x_title=_(language, "Hour of the day"),
        y_title=_(language, "Average kWh per hour"),
    )
    return (
        daily,
        profile,
        html.Div(
            [
                comparison_table(language, names, totals_a, totals_b),
                export_links(
                    language, "load-curve", "curves-curve-export", supply_point=pod, month=month
                ),
            ]
        ),
    )


dash.register_page(
    __name__, path="/curves", name=TITLE, order=5, layout=layout, access=roles.CURVES
)
