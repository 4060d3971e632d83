"""Load curve page: one interval-metered POD and month, kWh per quarter hour and per band."""

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
from dashboards.components import notice, page_layout, table, unavailable_message
from dashboards.figures import daily_band_figure, graph_config, load_curve_figure, message_figure
from dashboards.i18n import (
    LANGUAGE_STORE_ID,
    N_,
    _,
    format_month,
    format_number,
    format_percent,
    language_or_default,
)
from dashboards.snapshot import DataUnavailable

TITLE = N_("Load curve")


def pod_options(points: list[dict[str, Any]]) -> list[dict[str, str]]:
    return [
        {
            "label": " · ".join(filter(None, (p["supply_point_id"], p["customer_name"]))),
            "value": p["supply_point_id"],
        }
        for p in points
    ]


@page_layout(roles.LOAD_CURVE)
def layout(
    language: str | None = None,
    pod: str | list[str] | None = None,
    company: str | None = None,
    **_query: str,
) -> html.Div:
    language = language_or_default(language)
    if isinstance(pod, list):  # Dash passes a repeated ?pod= as a list; the first one counts
        pod = pod[0]
    heading = html.H1(_(language, TITLE))
    # the controls are drawn even without data: the callbacks' components must exist
    warnings = []
    try:
        points = data.interval_supply_points(current_scope(company))
    except DataUnavailable as error:
        points = []
        warnings.append(notice(unavailable_message(language, error), "load-curve-notice"))
    known = {p["supply_point_id"] for p in points}
    if pod and points and pod not in known:
        warnings.append(
            notice(
                _(language, "Supply point {pod} has no load curve.", pod=pod), "load-curve-notice"
            )
        )
    chosen = pod if pod in known else (points[0]["supply_point_id"] if points else None)
    config = graph_config(language)
    return html.Div(
        [
            heading,
            *warnings,
            html.Div(
                [
                    html.Div(
                        [
                            html.Label(_(language, "Supply point (POD)"), htmlFor="load-curve-pod"),
                            # persistence keeps the user's choice when a language switch redraws
                            # the page; a new ?pod= in the address still wins
                            dcc.Dropdown(
                                id="load-curve-pod",
                                options=pod_options(points),
                                value=chosen,
                                clearable=False,
                                persistence=True,
                            ),
                        ],
                        className="control wide",
                    ),
                    html.Div(
                        [
                            html.Label(_(language, "Month"), htmlFor="load-curve-month"),
                            dcc.Dropdown(id="load-curve-month", clearable=False),
                        ],
                        className="control",
                    ),
                ],
                className="controls",
            ),
            html.Div(id="load-curve-totals"),
            dcc.Graph(id="load-curve-graph", config=config, className="chart"),
            dcc.Graph(id="load-curve-daily", config=config, className="chart short"),
        ]
    )


@callback(
    Output("load-curve-month", "options"),
    Output("load-curve-month", "value"),
    Input("load-curve-pod", "value"),
    State(LANGUAGE_STORE_ID, "data"),
)
@guarded_callback(roles.LOAD_CURVE)
def choose_months(pod: str | None, language: str | None) -> tuple[list[dict[str, str]], str | None]:
    """The POD's months, newest first and preselected."""
    if not pod:
        return [], None
    try:
        months = data.load_curve_months(current_scope(), pod)
    except DataUnavailable:
        return [], None
    options = [{"label": format_month(m, language), "value": m.isoformat()} for m in months]
    return options, options[0]["value"] if options else None


def totals_table(language: str, month: date, totals: list[dict[str, Any]]) -> html.Div:
    """kWh, quarter hours and share per band for the month, exact to the Wh."""
    total = sum((row["kwh"] for row in totals), Decimal(0))
    intervals = sum(row["intervals"] for row in totals)

    def share(kwh: Decimal) -> str:
        return format_percent(kwh / total, language, 1) if total else ""

    rows = [
        [
            row["band"],
            format_number(row["kwh"], language, 3),
            format_number(row["intervals"], language),
            share(row["kwh"]),
        ]
        for row in totals
    ]
    rows.append(
        [
            _(language, "Total"),
            format_number(total, language, 3),
            format_number(intervals, language),
            share(total),
        ]
    )
    header = [_(language, "Band"), "kWh", _(language, "Quarter hours"), _(language, "Share")]
    return html.Div(
        [
            html.H2(_(language, "Totals for {month}", month=format_month(month, language))),
            table(header, rows, numeric=(1, 2, 3), component_id="load-curve-totals-table"),
        ]
    )


@callback(
    Output("load-curve-graph", "figure"),
    Output("load-curve-daily", "figure"),
    Output("load-curve-totals", "children"),
    Input("load-curve-pod", "value"),
    Input("load-curve-month", "value"),
    State(LANGUAGE_STORE_ID, "data"),
)
@guarded_callback(roles.LOAD_CURVE)
def show_month(
    pod: str | None, month: str | None, language: str | None
) -> tuple[Figure, Figure, html.Div | None]:
    language = language_or_default(language)

    def empty(message: str) -> tuple[Figure, Figure, html.Div]:
        return message_figure(message), message_figure(message), notice(message)

    if not pod:
        return empty(_(language, "No interval-metered supply point in the published data."))
    if not month:
        return empty(_(language, "No load curve for this supply point."))
    try:
        month_start = date.fromisoformat(month).replace(day=1)
    except ValueError:
        return empty(_(language, "No load curve for this supply point."))
    try:
        scope = current_scope()
        curve = data.load_curve(scope, pod, month_start)
        daily = data.daily_band_totals(scope, pod, month_start)
        totals = data.band_totals(scope, pod, month_start)
    except DataUnavailable as error:
        return empty(unavailable_message(language, error))
    if curve.empty:
        return empty(_(language, "No readings for this month."))
    return (
        load_curve_figure(
            curve, x_title=_(language, "Local time"), y_title=_(language, "kWh per quarter hour")
        ),
        daily_band_figure(daily, x_title=_(language, "Day"), y_title=_(language, "kWh per day")),
        totals_table(language, month_start, totals),
    )


dash.register_page(
    __name__, path="/load-curve", name=TITLE, order=2, layout=layout, access=roles.LOAD_CURVE
)
