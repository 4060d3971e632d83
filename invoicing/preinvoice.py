"""The pre-invoice (IN1, PR1): one Excel workbook per invoice, in the customer's language, to be
checked before issue or sent to the customer in advance."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import duckdb
import xlsxwriter

from invoicing.i18n import N_, _, language_or_default
from invoicing.reasons import shown
from invoicing.workflow import STATUS_LABELS

# names of the cells holding the totals, for whoever reads the workbook by program
TOTAL_NAMES = ("taxable", "vat_total", "total")

TITLE = N_("Pre-invoice: not valid for tax purposes")
SHEET = N_("Pre-invoice")
HEADER_FIELDS = (
    ("company_name", N_("Company")),
    ("customer_name", N_("Customer")),
    ("billing_account_id", N_("Billing account")),
    ("invoice_id", N_("Document")),
    ("document_label", N_("Document type")),
    ("period_start", N_("Period from")),
    ("period_end", N_("Period to")),
    ("status_label", N_("Status")),
    ("hold_reason", N_("Held because")),
    ("due_date", N_("Due date")),
)
LINE_HEADINGS = (
    N_("Supply point"),
    N_("Group"),
    N_("Item"),
    N_("Band"),
    N_("Tier"),
    N_("Quantity"),
    N_("Unit price"),
    N_("Amount"),
    N_("VAT rate"),
    N_("Reading"),
    N_("True-up"),
)
VAT_HEADINGS = (N_("VAT rate"), N_("Taxable"), N_("VAT"))
TOTAL_LABELS = {"taxable": N_("Taxable"), "vat_total": N_("VAT"), "total": N_("Total")}
DOCUMENT_TYPES = {"TD01": N_("Invoice"), "TD04": N_("Credit note")}
GROUPS = {
    "energy": N_("Energy supply"),
    "network": N_("Network and meter"),
    "system": N_("System charges"),
    "excise": N_("Excise"),
    "other": N_("Other items"),
}
COMPONENTS = {
    "energy": N_("Energy"),
    "dispatching": N_("Dispatching"),
    "marketing_fee": N_("Marketing fee"),
    "marketing_fixed": N_("Marketing, fixed part"),
    "marketing_variable": N_("Marketing, variable part"),
    "network_fixed": N_("Network, fixed part"),
    "network_power": N_("Network, power part"),
    "network_energy": N_("Network, energy part"),
    "system_fixed": N_("System charges, fixed part"),
    "system_power": N_("System charges, power part"),
    "system_energy": N_("System charges, energy part"),
    "excise": N_("Excise"),
    "regional_surcharge": N_("Regional surcharge"),
}
PROVENANCE = {
    "actual": N_("Actual"),
    "self_reading": N_("Self-reading"),
    "estimate": N_("Estimate"),
}
YES = N_("Yes")

# Excel number formats are written with '.' and ',' and shown in the reader's own separators;
# the currency sign goes where each language puts it
MONEY_FORMAT = {"it": '#,##0.00 "€"', "en": '"€"#,##0.00'}
DATE_FORMAT = {"it": "dd/mm/yyyy", "en": "dd/mm/yyyy"}
QUANTITY_FORMAT = "#,##0.000###"
PRICE_FORMAT = "#,##0.000000"
RATE_FORMAT = "0.0#%"


@dataclass(frozen=True)
class PreInvoice:
    """An invoice as the workbook shows it."""

    header: dict[str, Any]
    lines: list[dict[str, Any]]
    vat: list[tuple[Decimal, Decimal, Decimal]]
    language: str


def load_pre_invoice(connection: duckdb.DuckDBPyConnection, invoice_id: str) -> PreInvoice:
    cursor = connection.execute(
        """
        SELECT invoice.*, company.company_name, customer.customer_name, customer.language
        FROM billing.invoices AS invoice
        LEFT JOIN marts.dim_company AS company USING (company_id)
        LEFT JOIN marts.dim_customer AS customer USING (customer_id)
        WHERE invoice.invoice_id = ?
        """,
        [invoice_id],
    )
    names = [column[0] for column in cursor.description]
    row = cursor.fetchone()
    if row is None:
        raise ValueError(f"invoice {invoice_id}: does not exist")
    header = dict(zip(names, row, strict=True))
    cursor = connection.execute(
        "SELECT * FROM billing.invoice_lines WHERE invoice_id = ? ORDER BY line_no", [invoice_id]
    )
    names = [column[0] for column in cursor.description]
    lines = [dict(zip(names, line, strict=True)) for line in cursor.fetchall()]
    vat = connection.execute(
        "SELECT vat_rate, taxable, vat FROM billing.invoice_vat WHERE invoice_id = ?"
        " ORDER BY vat_rate",
        [invoice_id],
    ).fetchall()
    return PreInvoice(header, lines, vat, language_or_default(header.get("language")))


def write_pre_invoice(connection: duckdb.DuckDBPyConnection, invoice_id: str, path: Path) -> Path:
    """Write invoice `invoice_id` as a pre-invoice workbook at `path`."""
    document = load_pre_invoice(connection, invoice_id)
    path.parent.mkdir(parents=True, exist_ok=True)
    language = document.language
    header = {
        **document.header,
        "document_label": _(language, DOCUMENT_TYPES.get(document.header["document_type"], "")),
        "status_label": _(language, STATUS_LABELS.get(document.header["status"], "")),
        "hold_reason": shown(document.header.get("hold_reason"), language),
    }
    workbook = xlsxwriter.Workbook(str(path))
    try:
        styles = _styles(workbook, language)
        sheet = workbook.add_worksheet(_(language, SHEET))
        sheet.set_column(0, 0, 22)
        sheet.set_column(1, 2, 26)
        sheet.set_column(3, 10, 14)
        sheet.write(0, 0, _(language, TITLE), styles["title"])
        row = 2
        for key, label in HEADER_FIELDS:
            value = header.get(key)
            if value is None or value == "":
                continue
            sheet.write(row, 0, _(language, label), styles["label"])
            if isinstance(value, date):
                sheet.write_datetime(row, 1, value, styles["date"])
            else:
                sheet.write_string(row, 1, str(value))
            row += 1
        row += 1
        sheet.write_row(row, 0, [_(language, h) for h in LINE_HEADINGS], styles["heading"])
        for line in document.lines:
            row += 1
            _write_line(sheet, row, line, language, styles)
        row += 2
        sheet.write_row(row, 0, [_(language, h) for h in VAT_HEADINGS], styles["heading"])
        for rate, taxable, vat in document.vat:
            row += 1
            sheet.write_number(row, 0, _number(rate), styles["rate"])
            sheet.write_number(row, 1, _number(taxable), styles["money"])
            sheet.write_number(row, 2, _number(vat), styles["money"])
        row += 1
        for name in TOTAL_NAMES:
            row += 1
            sheet.write(row, 0, _(language, TOTAL_LABELS[name]), styles["label"])
            style = styles["total"] if name == "total" else styles["money"]
            sheet.write_number(row, 1, _number(document.header[name]), style)
            workbook.define_name(name, f"='{sheet.get_name()}'!$B${row + 1}")
    finally:
        workbook.close()
    return path


def _write_line(sheet, row: int, line: dict[str, Any], language: str, styles: dict) -> None:
    group = line.get("group")
    provenance = line.get("provenance")
    sheet.write_string(row, 0, line["supply_point_id"])
    sheet.write_string(row, 1, _(language, GROUPS[group]) if group in GROUPS else group or "")
    component = line["component"]
    sheet.write_string(
        row, 2, _(language, COMPONENTS[component]) if component in COMPONENTS else component
    )
    if line.get("band"):
        sheet.write_string(row, 3, line["band"])
    if line.get("tier") is not None:
        sheet.write_number(row, 4, int(line["tier"]))
    sheet.write_number(row, 5, _number(line["quantity"]), styles["quantity"])
    sheet.write_number(row, 6, _number(line["unit_price"]), styles["price"])
    sheet.write_number(row, 7, _number(line["amount"]), styles["money"])
    sheet.write_number(row, 8, _number(line["vat_rate"]), styles["rate"])
    if provenance:
        label = PROVENANCE.get(provenance)
        sheet.write_string(row, 9, _(language, label) if label else provenance)
    if line.get("is_true_up"):
        sheet.write_string(row, 10, _(language, YES))


def _number(value: Decimal | int) -> float:
    # A spreadsheet cell holds a binary double: the conversion happens here, at the edge, and
    # only for display; every figure was computed and rounded in Decimal before.
    return float(value)


def _styles(workbook: xlsxwriter.Workbook, language: str) -> dict[str, Any]:
    return {
        "title": workbook.add_format({"bold": True, "font_size": 14}),
        "label": workbook.add_format({"bold": True}),
        "heading": workbook.add_format({"bold": True, "bottom": 1, "text_wrap": True}),
        "date": workbook.add_format({"num_format": DATE_FORMAT[language], "align": "left"}),
        "money": workbook.add_format({"num_format": MONEY_FORMAT[language]}),
        "total": workbook.add_format({"num_format": MONEY_FORMAT[language], "bold": True}),
        "quantity": workbook.add_format({"num_format": QUANTITY_FORMAT}),
        "price": workbook.add_format({"num_format": PRICE_FORMAT}),
        "rate": workbook.add_format({"num_format": RATE_FORMAT}),
    }


def write_pre_invoices(
    connection: duckdb.DuckDBPyConnection, invoice_ids: list[str], out_dir: Path
) -> list[Path]:
    """One workbook per invoice, named after it, in `out_dir`."""
    return [write_pre_invoice(connection, i, out_dir / f"{i}.xlsx") for i in invoice_ids]
