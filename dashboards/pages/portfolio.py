"""Portfolio page for analysts: the load across every interval-metered point in scope, and
consumption and revenue by company, commodity, segment and month."""

from __future__ import annotations

from datetime import date

import dash
from dash import Input, Output, State, callback, dcc, html
from plotly.graph_objects import Figure

from access import roles
from dashboards import data
from dashboards.auth import COMPANY_ID, current_scope, guarded_callback
from dashboards.components import page_layout, unavailable_message
from dashboards.figures import graph_config, message_figure, stacked_lines_figure
from dashboards.i18n import LANGUAGE_STORE_ID, N_, _, format_month, language_or_default
from dashboards.reports import report_section
from dashboards.snapshot import DataUnavailable

TITLE = N_("Portfolio")


def section(language: str, company: str | None, name: str) -> html.Div:
    return report_section(
        language, name, f"portfolio-{name}", current_scope(company), company=company
    )


@page_layout(roles.PORTFOLIO)
def layout(language: str | None = None, company: str | None = None, **_query: str) -> html.Div:
    language = language_or_default(language)
    try:
        months = data.portfolio_load_months(current_scope(company))
    except DataUnavailable:
        months = []
    return html.Div(
        [
            html.H1(_(language, TITLE)),
            html.H2(_(language, "Load of the portfolio")),
            html.Div(
                [
                    html.Label(_(language, "Month"), htmlFor="portfolio-month"),
                    dcc.Dropdown(
                        id="portfolio-month",
                        options=[
                            {"label": format_month(m, language), "value": m.isoformat()}
                            for m in months
                        ],
                        value=months[0].isoformat() if months else None,
                        clearable=False,
                    ),
                ],
                className="control",
            ),
            dcc.Graph(id="portfolio-load", config=graph_config(language), className="chart"),
            section(language, company, "portfolio-consumption"),
            section(language, company, "portfolio-revenue"),
        ]
    )


@callback(
    Output("portfolio-load", "figure"),
    Input("portfolio-month", "value"),
    State(LANGUAGE_STORE_ID, "data"),
    State(COMPANY_ID, "value"),
)
@guarded_callback(roles.PORTFOLIO)
def show_load(month: str | None, language: str | None, company: str | None) -> Figure:
    """kWh per quarter hour summed over the interval-metered points, one line per company."""
    language = language_or_default(language)
    try:
        month_start = date.fromisoformat(month).replace(day=1) if month else None
    except ValueError:
        month_start = None
    if month_start is None:
        return message_figure(_(language, "No load curve in the published data."))
    try:
        curve = data.portfolio_load_curve(current_scope(company), month_start)
    except DataUnavailable as error:
        return message_figure(unavailable_message(language, error))
    return stacked_lines_figure(
        curve,
        x="local_time",
        y="kwh",
        group="company_id",
        x_title=_(language, "Local time"),
        y_title=_(language, "kWh per quarter hour"),
    )


dash.register_page(
    __name__, path="/portfolio", name=TITLE, order=8, layout=layout, access=roles.PORTFOLIO
)
