"""Forecast consumption commitments (OM12): upload a CSV or xlsx file, read every error by row,
and see the forecasts in force. A file with any error saves nothing."""

from __future__ import annotations

import base64
import binascii
from typing import Any

import dash
from dash import Input, Output, State, callback, dcc, html

from access import forecasts as fc
from access import roles
from dashboards import data
from dashboards.auth import COMPANY_ID, current_principal, current_scope, guarded_callback, services
from dashboards.components import notice, page_layout, table, unavailable_message
from dashboards.i18n import LANGUAGE_STORE_ID, N_, _, format_number, language_or_default
from dashboards.reports import report_section
from dashboards.snapshot import DataUnavailable

TITLE = N_("Forecasts")

FIELD_NAMES = {
    "supply_point": N_("Supply point"),
    "month": N_("Month"),
    "band": N_("Band"),
    "quantity": N_("Quantity"),
    "file": N_("File"),
}
# {value} is what the row holds, {other_row} the earlier row a duplicate repeats
MESSAGES = {
    fc.TOO_LARGE: N_("The file is larger than 2 MB."),
    fc.UNKNOWN_FORMAT: N_("Send a .csv or .xlsx file."),
    fc.NOT_UTF8: N_("The CSV file is not UTF-8 text."),
    fc.BAD_XLSX: N_("The file is not a readable xlsx workbook."),
    fc.MISSING_COLUMN: N_("The header has no column for this field."),
    fc.WRONG_SEPARATOR: N_("Separate the CSV columns with ';'."),
    fc.NO_ROWS: N_("The file has no data rows."),
    fc.TOO_MANY_ROWS: N_("Too many rows ({value}): send at most 10,000 per file."),
    fc.MISSING: N_("The value is missing."),
    fc.UNKNOWN_SUPPLY_POINT: N_("{value} is not one of your supply points."),
    fc.BAD_MONTH: N_("{value} is not a month (2025-03, 03/2025 or 01/03/2025)."),
    fc.BAD_BAND: N_("{value} is not a band (F1, F2, F3 or ALL)."),
    fc.GAS_BAND: N_("Gas is declared in ALL only, not {value}."),
    fc.BAD_QUANTITY: N_("{value} is not a quantity."),
    fc.NEGATIVE: N_("{value} is negative."),
    fc.TOO_MANY_DECIMALS: N_("{value} has more than 6 decimals."),
    fc.DUPLICATE: N_("{value} repeats row {other_row}."),
    fc.MIXED_BANDS: N_("{value} mixes with the bands of row {other_row} for the same month."),
}


def error_table(language: str, errors: list[fc.RowError]) -> html.Table:
    rows = [
        [
            str(error.row) if error.row else "",
            _(language, FIELD_NAMES.get(error.field, error.field)),
            _(language, MESSAGES[error.code], value=error.value, other_row=error.other_row or ""),
        ]
        for error in errors
    ]
    header = [_(language, "Row"), _(language, "Field"), _(language, "Error")]
    return table(header, rows, numeric=(0,), component_id="forecasts-errors")


def in_force(language: str, company: str | None) -> html.Div:
    return report_section(
        language, "forecasts", "forecasts", current_scope(company), company=company
    )


@page_layout(roles.FORECASTS)
def layout(language: str | None = None, company: str | None = None, **_query: str) -> html.Div:
    language = language_or_default(language)
    return html.Div(
        [
            html.H1(_(language, TITLE)),
            html.P(
                _(
                    language,
                    "Declare the consumption you expect per supply point, month and band: a CSV "
                    "file (columns separated by ';') or an xlsx workbook, with the columns "
                    "POD_PDR, MESE, FASCIA, QUANTITA (or supply_point, month, band, quantity). "
                    "Electricity in kWh per band F1, F2, F3 or ALL; gas in Smc, band ALL. "
                    "A file with an error saves nothing: correct it and send it again.",
                ),
                className="lead",
            ),
            dcc.Upload(
                id="forecasts-upload",
                children=html.Div(_(language, "Drop a file here or click to choose one")),
                className="upload",
                multiple=False,
                max_size=fc.MAX_BYTES,
            ),
            html.Div(id="forecasts-result", role="status"),
            html.Div(in_force(language, company), id="forecasts-in-force"),
        ]
    )


@callback(
    Output("forecasts-result", "children"),
    Output("forecasts-in-force", "children"),
    Input("forecasts-upload", "contents"),
    State("forecasts-upload", "filename"),
    State(LANGUAGE_STORE_ID, "data"),
    State(COMPANY_ID, "value"),
    prevent_initial_call=True,
)
@guarded_callback(roles.FORECASTS)
def upload(
    contents: str | None, filename: str | None, language: str | None, company: str | None
) -> tuple[Any, Any]:
    """Check and save the file; the supply points allowed are the user's, found on the server."""
    language = language_or_default(language)
    principal = current_principal()
    if not contents or not filename or principal is None:
        return dash.no_update, dash.no_update
    try:
        content = base64.b64decode(contents.split(",", 1)[1], validate=True)
    except (IndexError, binascii.Error):
        return notice(_(language, "The file could not be read.")), dash.no_update
    try:
        allowed = data.supply_point_info(current_scope())
        saved = services().forecasts.upload(principal.user_id, filename, content, allowed)
    except DataUnavailable as error:
        return notice(unavailable_message(language, error)), dash.no_update
    except fc.UploadRejected as rejected:
        return (
            html.Div(
                [
                    notice(
                        _(
                            language,
                            "{file} was not saved: {count} error(s). Nothing of it was kept.",
                            file=filename,
                            count=format_number(len(rejected.errors), language),
                        ),
                        "forecasts-rejected",
                    ),
                    error_table(language, rejected.errors),
                ]
            ),
            dash.no_update,
        )
    message = _(
        language,
        "{file} saved: {rows} forecast(s).",
        file=filename,
        rows=format_number(saved.rows, language),
    )
    return html.P(message, id="forecasts-saved", className="success"), in_force(language, company)


dash.register_page(
    __name__, path="/forecasts", name=TITLE, order=7, layout=layout, access=roles.FORECASTS
)
