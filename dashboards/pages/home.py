"""Home page: what the current snapshot holds, per company and commodity."""

from __future__ import annotations

import dash
from dash import html

from access import roles
from dashboards import data
from dashboards.auth import current_scope
from dashboards.components import notice, page_layout, table, unavailable_message
from dashboards.i18n import N_, _, format_month, format_number, language_or_default
from dashboards.labels import COMMODITIES, label
from dashboards.snapshot import DataUnavailable

TITLE = N_("Summary")


@page_layout(roles.SUMMARY)
def layout(language: str | None = None, company: str | None = None, **_query: str) -> html.Div:
    language = language_or_default(language)
    try:
        snapshot_id = data.snapshot_id()
        rows = data.summary(current_scope(company))
    except DataUnavailable as error:
        return html.Div(
            [
                html.H1(_(language, TITLE)),
                notice(unavailable_message(language, error), "home-notice"),
            ]
        )
    header = [
        _(language, "Company"),
        _(language, "Commodity"),
        _(language, "Supply points"),
        _(language, "Customers"),
        _(language, "Interval meters"),
        _(language, "Latest month"),
    ]
    body = [
        [
            row["company_name"],
            label(language, COMMODITIES, row["commodity"]),
            format_number(row["supply_points"], language),
            format_number(row["customers"], language),
            format_number(row["interval_meters"], language),
            format_month(row["last_month"], language) if row["last_month"] else "",
        ]
        for row in rows
    ]
    return html.Div(
        [
            html.H1(_(language, TITLE)),
            html.P(
                _(language, "Supply points per company and commodity in the published data."),
                className="lead",
            ),
            table(header, body, numeric=(2, 3, 4), component_id="home-summary"),
            html.P(
                _(language, "Snapshot {snapshot_id}", snapshot_id=snapshot_id),
                id="home-snapshot",
                className="muted",
            ),
        ]
    )


dash.register_page(__name__, path="/", name=TITLE, order=0, layout=layout, access=roles.SUMMARY)
