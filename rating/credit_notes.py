"""Credit notes: a TD04 draft that cancels an invoice line by line (DOMAIN.md §8)."""

from __future__ import annotations

import duckdb

from rating.schema import create_billing_tables

CREDIT_NOTE_SUFFIX = "-NC"

COPY_LINES = """
INSERT INTO billing.invoice_lines (invoice_id, line_no, supply_point_id, component, band, tier,
    quantity, unit_price, amount, vat_rate, "group", provenance, is_true_up, billed_from,
    billed_to)
SELECT $credit_note_id, line_no, supply_point_id, component, band, tier, -quantity, unit_price,
    -amount, vat_rate, "group", provenance, is_true_up, billed_from, billed_to
FROM billing.invoice_lines
WHERE invoice_id = $invoice_id
"""

COPY_VAT = """
INSERT INTO billing.invoice_vat (invoice_id, vat_rate, taxable, vat)
SELECT $credit_note_id, vat_rate, -taxable, -vat
FROM billing.invoice_vat
WHERE invoice_id = $invoice_id
"""

COPY_INVOICE = """
INSERT INTO billing.invoices (invoice_id, company_id, billing_account_id, customer_id,
    document_type, kind, period_start, period_end, taxable, vat_total, total, status,
    related_invoice_id, correction_case_id, created_at, reason)
SELECT $credit_note_id, company_id, billing_account_id, customer_id, 'TD04', 'credit_note',
    period_start, period_end, -taxable, -vat_total, -total, 'draft', invoice_id,
    $correction_case_id, current_timestamp, $reason
FROM billing.invoices
WHERE invoice_id = $invoice_id
"""


def credit_note(
    connection: duckdb.DuckDBPyConnection,
    invoice_id: str,
    reason: str,
    *,
    correction_case_id: str | None = None,
) -> str:
    """Raise a draft credit note reversing every line of an issued invoice; returns its id.

    The credit note repeats each line at the same unit price with the opposite quantity and
    amount, so its VAT and totals are exactly the invoice's, negated. Raises ValueError (one
    line, naming the field) for an unknown invoice, a draft (re-rate it instead), a credit
    note, an invoice already credited, or an empty reason.
    """
    if not reason or not reason.strip():
        raise ValueError("reason: a credit note needs a reason")
    create_billing_tables(connection)
    found = connection.execute(
        "SELECT document_type, status FROM billing.invoices WHERE invoice_id = ?", [invoice_id]
    ).fetchone()
    if found is None:
        raise ValueError(f"invoice_id: no invoice {invoice_id!r}")
    document_type, status = found
    if document_type == "TD04":
        raise ValueError(f"invoice_id: {invoice_id!r} is a credit note itself")
    if status == "draft":
        raise ValueError(
            f"invoice_id: {invoice_id!r} is a draft; re-rate it instead of crediting it"
        )
    earlier = connection.execute(
        "SELECT invoice_id FROM billing.invoices"
        " WHERE related_invoice_id = ? AND document_type = 'TD04'",
        [invoice_id],
    ).fetchone()
    if earlier is not None:
        raise ValueError(f"invoice_id: {invoice_id!r} is already credited by {earlier[0]!r}")
    parameters = {
        "invoice_id": invoice_id,
        "credit_note_id": invoice_id + CREDIT_NOTE_SUFFIX,
        "reason": reason.strip(),
        "correction_case_id": correction_case_id,
    }
    connection.execute("BEGIN TRANSACTION")
    try:
        connection.execute(COPY_LINES, _used(COPY_LINES, parameters))
        connection.execute(COPY_VAT, _used(COPY_VAT, parameters))
        connection.execute(COPY_INVOICE, _used(COPY_INVOICE, parameters))
    except BaseException:
        connection.execute("ROLLBACK")
        raise
    connection.execute("COMMIT")
    return parameters["credit_note_id"]


def _used(statement: str, parameters: dict) -> dict:
    return {name: value for name, value in parameters.items() if f"${name}" in statement}
