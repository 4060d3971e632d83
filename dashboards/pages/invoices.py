"""Invoices page (OM7, RE3): the invoices in the user's scope, each with its PDF, exportable.

Customers see their own; cost-centre and regional managers those of their part of the
hierarchy; back-office roles also the ones not yet issued."""

from __future__ import annotations

from typing import Any

import dash
from dash import html

from access import roles
from dashboards.auth import current_scope
from dashboards.components import export_links, notice, page_layout, unavailable_message
from dashboards.downloads import invoice_href
from dashboards.i18n import N_, _, language_or_default
from dashboards.reports import REPORTS, Params, html_table
from dashboards.snapshot import DataUnavailable

TITLE = N_("Invoices")


def with_pdf_links(rows: list[dict[str, Any]], language: str) -> list[dict[str, Any]]:
    """Each row with a link to its PDF, built from the invoice id on the server."""
    text = _(language, "PDF")
    return [row | {"pdf": html.A(text, href=invoice_href(row["invoice_id"]))} for row in rows]


@page_layout(roles.INVOICES)
def layout(language: str | None = None, company: str | None = None, **_query: str) -> html.Div:
    language = language_or_default(language)
    heading = html.H1(_(language, TITLE))
    report = REPORTS["invoices"]
    try:
        rows = report.rows(current_scope(company), Params())
    except DataUnavailable as error:
        return html.Div([heading, notice(unavailable_message(language, error), "invoices-notice")])
    return html.Div(
        [
            heading,
            html.P(
                _(language, "The invoices you may see, newest first; the PDF opens the document."),
                className="lead",
            ),
            export_links(language, "invoices", "invoices-export", company=company),
            html_table(
                report,
                with_pdf_links(rows, language),
                language,
                "invoices-table",
                extra=("pdf", _(language, "Document")),
            ),
        ]
    )


dash.register_page(
    __name__, path="/invoices", name=TITLE, order=3, layout=layout, access=roles.INVOICES
)
