"""Consumption and billing page (OM9): quantities per month and band, invoiced amounts per
month, for every supply point in scope or one of them; both tables exportable."""

from __future__ import annotations

from typing import Any

import dash
from dash import Input, Output, State, callback, dcc, html

from access import roles
from dashboards import data
from dashboards.auth import COMPANY_ID, current_scope, guarded_callback
from dashboards.components import notice, page_layout, unavailable_message
from dashboards.i18n import LANGUAGE_STORE_ID, N_, _, language_or_default
from dashboards.reports import Params, report_section
from dashboards.snapshot import DataUnavailable

TITLE = N_("Consumption and billing")


def tables(language: str, company: str | None, supply_point: str | None) -> list[Any]:
    """The billing and consumption sections for the scope, narrowed to one point if chosen."""
    scope = current_scope(company)
    if supply_point and supply_point not in data.supply_point_info(scope):
        # not the user's (or not there): said the same way, without echoing it back
        return [notice(_(language, "No data for this supply point."), "consumption-notice")]
    return [
        report_section(
            language,
            name,
            f"consumption-{name}",
            scope,
            Params(supply_point=supply_point),
            company=company,
            supply_point=supply_point,
        )
        for name in ("billing", "consumption")
    ]


@page_layout(roles.CONSUMPTION)
def layout(language: str | None = None, company: str | None = None, **_query: str) -> html.Div:
    language = language_or_default(language)
    heading = html.H1(_(language, TITLE))
    try:
        points = data.supply_point_choices(current_scope(company))
    except DataUnavailable as error:
        return html.Div(
            [heading, notice(unavailable_message(language, error), "consumption-notice")]
        )
    return html.Div(
        [
            heading,
            html.Div(
                [
                    html.Label(_(language, "Supply point"), htmlFor="consumption-pod"),
                    dcc.Dropdown(
                        id="consumption-pod",
                        options=[
                            {
                                "label": f"{p['supply_point_id']} · {p['customer_name']}",
                                "value": p["supply_point_id"],
                            }
                            for p in points
                        ],
                        placeholder=_(language, "All supply points"),
                    ),
                ],
                className="control wide",
            ),
            html.Div(tables(language, company, None), id="consumption-tables"),
        ]
    )


@callback(
    Output("consumption-tables", "children"),
    Input("consumption-pod", "value"),
    State(LANGUAGE_STORE_ID, "data"),
    State(COMPANY_ID, "value"),
    prevent_initial_call=True,
)
@guarded_callback(roles.CONSUMPTION)
def choose_supply_point(
    supply_point: str | None, language: str | None, company: str | None
) -> list[Any]:
    return tables(language_or_default(language), company, supply_point)


dash.register_page(
    __name__, path="/consumption", name=TITLE, order=4, layout=layout, access=roles.CONSUMPTION
)
