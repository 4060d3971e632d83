"""Downloads: every report as CSV or xlsx, and invoice PDFs, each checked against the signed-in
user's pages and scope on the server at every request.

An invoice PDF is found from the invoice's own row (company, period, id), never from a path
the browser sends; an invoice outside the scope answers 404, as one that does not exist.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from types import SimpleNamespace
from urllib.parse import quote

import flask

from access import roles
from access.scope import Scope
from dashboards import data
from dashboards.auth import can, current_principal, current_scope
from dashboards.i18n import _, language_or_default
from dashboards.reports import REPORTS, Params, Report, to_csv, to_xlsx
from dashboards.snapshot import DataUnavailable, current_settings
from exports.delivery import OutputPaths

FORMATS = {
    "csv": ("text/csv; charset=utf-8", to_csv),
    "xlsx": ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", to_xlsx),
}


def invoice_href(invoice_id: str) -> str:
    return f"/download/invoice/{quote(invoice_id)}.pdf"


def _refused(status: int) -> flask.Response:
    text = {403: "Not allowed.", 404: "Not found."}[status]
    return flask.Response(text, status=status, mimetype="text/plain")


def _params() -> Params | None:
    """The report's narrowing from the address; None when a value is malformed."""
    args = flask.request.args
    month = None
    if args.get("month"):
        try:
            month = date.fromisoformat(args["month"]).replace(day=1)
        except ValueError:
            return None
    return Params(supply_point=args.get("supply_point") or None, month=month)


def _language() -> str:
    principal = current_principal()
    asked = flask.request.args.get("lang")
    return language_or_default(asked or (principal.language if principal else None))


def download_report(name: str, fmt: str) -> flask.Response:
    report: Report | None = REPORTS.get(name)
    if report is None or fmt not in FORMATS:
        return _refused(404)
    if not any(can(page) for page in report.pages):
        return _refused(403)
    params = _params()
    if params is None:
        return flask.Response("month: expected YYYY-MM-DD", status=400, mimetype="text/plain")
    try:
        scope: Scope = current_scope(flask.request.args.get("company"))
        rows = report.rows(scope, params)
    except DataUnavailable:
        return _refused(404)
    language = _language()
    mimetype, render = FORMATS[fmt]
    file_name = f"{_(language, report.title)}.{fmt}".replace("/", "-")
    return flask.Response(
        render(report, rows, language),
        mimetype=mimetype,
        headers={"Content-Disposition": _attachment(file_name)},
    )


def _attachment(file_name: str) -> str:
    ascii_name = file_name.encode("ascii", "replace").decode().replace("?", "_")
    return f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(file_name)}"


def invoice_pdf_path(out_dir: Path, invoice: dict) -> Path:
    """Where the exports write an invoice's PDF, by exports.delivery.OutputPaths' own rule, which
    reads the company and the period of the document (not the whole document)."""
    document = SimpleNamespace(
        company_id=invoice["company_id"],
        period_start=invoice["period_start"],
        period_end=invoice["period_end"],
        invoice_id=invoice["invoice_id"],
    )
    file_stem = invoice["invoice_id"].replace("/", "-")  # exports.documents' file_stem
    return OutputPaths(out_dir).pdfs(document) / f"{file_stem}.pdf"


def download_invoice(invoice_id: str) -> flask.Response:
    if not can(roles.INVOICES):
        return _refused(403)
    try:
        row = data.invoice(
            current_scope(), invoice_id, issued_only=not can(roles.UNISSUED_INVOICES)
        )
    except DataUnavailable:
        return _refused(404)
    if row is None:
        return _refused(404)
    out_dir = current_settings().out_dir
    path = invoice_pdf_path(out_dir, row)
    # the id comes from the published row, yet a path must still stay under out/
    if not path.resolve().is_relative_to(out_dir.resolve()) or not path.is_file():
        return _refused(404)
    return flask.send_file(
        path,
        mimetype="application/pdf",
        as_attachment=True,
        download_name=path.name,
        max_age=0,
    )


def install(server: flask.Flask) -> None:
    server.add_url_rule(
        "/download/invoice/<path:invoice_id>.pdf", "download_invoice", download_invoice
    )
    server.add_url_rule("/download/<name>.<fmt>", "download_report", download_report)
