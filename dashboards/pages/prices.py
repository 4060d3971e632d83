"""Price and index trends (OM10): PUN and PSV averages per day and month, forward curves."""

from __future__ import annotations

import dash
import pandas as pd
from dash import dcc, html

from access import roles
from dashboards import data
from dashboards.auth import current_scope
from dashboards.components import notice, page_layout, unavailable_message
from dashboards.figures import graph_config, stacked_lines_figure
from dashboards.i18n import N_, _, language_or_default
from dashboards.reports import report_section
from dashboards.snapshot import DataUnavailable

TITLE = N_("Prices and indices")


def section(language: str, name: str) -> html.Div:
    # market prices are the same for everyone; the scope only guards business rows
    return report_section(language, name, f"prices-{name}", current_scope())


def forward_chart(language: str) -> dcc.Graph | None:
    """The latest forward curve of each index over its delivery months; nothing when no curve
    is published (the table below says why)."""
    try:
        rows = data.forward_curves()
    except DataUnavailable:
        return None
    if not rows:
        return None
    frame = pd.DataFrame(rows)
    # a chart axis, not an amount: the exact prices stay in the table
    frame["price_eur_mwh"] = frame["price_eur_mwh"].astype(float)
    return price_chart(
        "prices-forward",
        frame,
        "delivery_month",
        _(language, "Delivery month"),
        _(language, "€/MWh (latest quote)"),
        language,
    )


def price_chart(
    chart_id: str, frame: pd.DataFrame, x: str, x_title: str, y_title: str, language: str
) -> dcc.Graph:
    """One line per index of `frame`'s price_eur_mwh over `x`."""
    return dcc.Graph(
        id=chart_id,
        figure=stacked_lines_figure(
            frame, x=x, y="price_eur_mwh", group="index_name", x_title=x_title, y_title=y_title
        ),
        config=graph_config(language),
        className="chart short",
    )


@page_layout(roles.PRICES)
def layout(language: str | None = None, **_query: str) -> html.Div:
    language = language_or_default(language)
    try:
        daily = data.daily_prices()
    except DataUnavailable as error:
        chart = notice(unavailable_message(language, error), "prices-notice")
    else:
        chart = price_chart(
            "prices-daily",
            daily,
            "price_date",
            _(language, "Day"),
            _(language, "€/MWh (daily average)"),
            language,
        )
    return html.Div(
        [
            html.H1(_(language, TITLE)),
            chart,
            section(language, "prices"),
            forward_chart(language),
            section(language, "forward-curves"),
        ]
    )


dash.register_page(
    __name__, path="/prices", name=TITLE, order=6, layout=layout, access=roles.PRICES
)
