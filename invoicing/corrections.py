"""Billing corrections from a customer's report (BI8): a credit note cancelling the wrong invoice
and a new invoice with the right figures, both traced to the report's case."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

import duckdb
from sqlalchemy.orm import Session, sessionmaker

from energia.store.models import Case
from invoicing.checks import CheckLimits, run_checks
from invoicing.workflow import INVOICE_DOCUMENT, ISSUED
from rating.credit_notes import credit_note
from rating.engine import rate_month

SANDBOX = "invoicing_correction"
SANDBOX_ACCOUNTS = "invoicing_correction_account"


class CorrectionError(ValueError):
    """A correction that cannot be made; the message names the case or invoice and why."""


@dataclass(frozen=True)
class Correction:
    case_id: int
    wrong_invoice_id: str
    credit_note_id: str
    new_invoice_id: str


def open_case(
    store: sessionmaker[Session], company_id: str, customer_id: str, case_type: str, text: str
) -> int:
    """Record a customer's report in the store and return its case id."""
    with store.begin() as session:
        case = Case(
            company_id=company_id,
            customer_id=customer_id,
            type=case_type,
            text=text,
            created_at=datetime.now(UTC),
        )
        session.add(case)
        session.flush()
        return case.id


def correct_invoice(
    connection: duckdb.DuckDBPyConnection,
    store: sessionmaker[Session],
    case_id: int,
    invoice_id: str,
    limits: CheckLimits | None = None,
) -> Correction:
    """Cancel issued invoice `invoice_id` with a credit note and bill its period again from the
    warehouse's current figures, both documents carrying `case_id`.

    Both are checked at once, so they leave draft: a re-run of the billing partition, which
    replaces drafts, cannot drop them. They are then approved and issued like any invoice, the
    credit note first (the new invoice bills the same days).
    """
    with store() as session:
        case = session.get(Case, case_id)
    if case is None:
        raise CorrectionError(f"case {case_id}: does not exist")
    invoice = _invoice(connection, invoice_id)
    if invoice is None:
        raise CorrectionError(f"invoice {invoice_id}: does not exist")
    if invoice["status"] != ISSUED or invoice["document_type"] != INVOICE_DOCUMENT:
        raise CorrectionError(f"invoice {invoice_id}: only an issued invoice can be corrected")
    if case.customer_id != invoice["customer_id"]:
        raise CorrectionError(
            f"case {case_id}: is about customer {case.customer_id}, invoice {invoice_id} is"
            f" for {invoice['customer_id']}"
        )
    existing = connection.execute(
        "SELECT invoice_id FROM billing.invoices"
        " WHERE document_type = 'TD04' AND related_invoice_id = ?",
        [invoice_id],
    ).fetchone()
    if existing:
        raise CorrectionError(f"invoice {invoice_id}: already has credit note {existing[0]}")
    new_invoice_id = f"{invoice_id}-R{case_id}"
    # rated before anything is written: a period that cannot be billed again leaves no trace
    new_rows = _rerate(connection, invoice)
    credit_note_id = credit_note(
        connection,
        invoice_id,
        f"case {case_id}: {case.text}",
        correction_case_id=str(case_id),
    )
    try:
        _insert_new_invoice(connection, new_rows, new_invoice_id, case_id)
    except BaseException:
        _drop_documents(connection, [credit_note_id, new_invoice_id])
        raise
    run_checks(connection, store, [credit_note_id, new_invoice_id], limits)
    return Correction(case_id, invoice_id, credit_note_id, new_invoice_id)


def _invoice(connection: duckdb.DuckDBPyConnection, invoice_id: str) -> dict | None:
    cursor = connection.execute("SELECT * FROM billing.invoices WHERE invoice_id = ?", [invoice_id])
    names = [column[0] for column in cursor.description]
    row = cursor.fetchone()
    return None if row is None else dict(zip(names, row, strict=True))


@dataclass(frozen=True)
class _Rerated:
    """The new draft's rows, in temp tables named per billing table."""

    tables: dict[str, str]


def _rerate(connection: duckdb.DuckDBPyConnection, invoice: dict) -> _Rerated:
    """Rate the invoice's account and month again, as if the wrong invoice had never been made.

    The engine runs against a sandbox catalogue that sees the warehouse through views, except
    for billing, which holds copies of the account's documents without the wrong invoice; the
    new draft is kept in temp tables, and the sandbox is dropped.
    """
    home = connection.execute("SELECT current_database()").fetchone()[0]
    connection.execute(f"ATTACH ':memory:' AS {SANDBOX}")
    try:
        _fill_sandbox(connection, home, invoice)
        connection.execute(
            f"CREATE OR REPLACE TEMP TABLE {SANDBOX_ACCOUNTS} AS SELECT ? AS billing_account_id",
            [invoice["billing_account_id"]],
        )
        connection.execute(f"USE {SANDBOX}")
        try:
            rate_month(connection, invoice["period_start"], accounts_table=SANDBOX_ACCOUNTS)
        finally:
            connection.execute(f"USE {home}")
        new = connection.execute(
            f"SELECT invoice_id FROM {SANDBOX}.billing.invoices"
            " WHERE billing_account_id = ? AND period_start = ? AND status = 'draft'",
            [invoice["billing_account_id"], invoice["period_start"]],
        ).fetchall()
        if len(new) != 1:
            raise CorrectionError(
                f"invoice {invoice['invoice_id']}: rating the period again gave"
                f" {len(new)} invoices{_skipped(connection, invoice)}"
            )
        (draft_id,) = new[0]
        kept = {}
        for table in ("invoices", "invoice_lines", "invoice_vat"):
            name = f"invoicing_correction_{table}"
            connection.execute(
                f"CREATE OR REPLACE TEMP TABLE {name} AS"
                f" SELECT * FROM {SANDBOX}.billing.{table} WHERE invoice_id = ?",
                [draft_id],
            )
            kept[table] = name
    finally:
        connection.execute(f"DETACH DATABASE IF EXISTS {SANDBOX}")
    return _Rerated(kept)


def _fill_sandbox(connection: duckdb.DuckDBPyConnection, home: str, invoice: dict) -> None:
    tables = connection.execute(
        "SELECT table_schema, table_name FROM information_schema.tables"
        " WHERE table_catalog = ? AND table_schema NOT IN ('information_schema', 'pg_catalog')",
        [home],
    ).fetchall()
    for schema in sorted({schema for schema, _ in tables} | {"billing"}):
        connection.execute(f"CREATE SCHEMA IF NOT EXISTS {SANDBOX}.{schema}")
    # the account's documents, less the wrong invoice and anything that refers to it
    keep = f"""
        SELECT invoice_id FROM {home}.billing.invoices
        WHERE billing_account_id = $account
            AND invoice_id <> $invoice_id
            AND related_invoice_id IS DISTINCT FROM $invoice_id
    """
    for schema, table in tables:
        source = f'{home}."{schema}"."{table}"'
        target = f'{SANDBOX}."{schema}"."{table}"'
        if schema != "billing":
            connection.execute(f"CREATE VIEW {target} AS SELECT * FROM {source}")
            continue
        columns = {
            name
            for (name,) in connection.execute(
                "SELECT column_name FROM information_schema.columns"
                " WHERE table_catalog = ? AND table_schema = ? AND table_name = ?",
                [home, schema, table],
            ).fetchall()
        }
        if "invoice_id" in columns:
            connection.execute(
                f"CREATE TABLE {target} AS SELECT * FROM {source} WHERE invoice_id IN ({keep})",
                {"account": invoice["billing_account_id"], "invoice_id": invoice["invoice_id"]},
            )
        else:
            connection.execute(f"CREATE TABLE {target} AS SELECT * FROM {source} WHERE false")


def _skipped(connection: duckdb.DuckDBPyConnection, invoice: dict) -> str:
    try:
        reasons = connection.execute(
            f"SELECT DISTINCT reason FROM {SANDBOX}.billing.skipped_supply_points ORDER BY reason"
        ).fetchall()
    except duckdb.Error:
        return ""
    return f" (supply points skipped: {', '.join(r for (r,) in reasons)})" if reasons else ""


def _insert_new_invoice(
    connection: duckdb.DuckDBPyConnection, new: _Rerated, new_invoice_id: str, case_id: int
) -> None:
    connection.execute("BEGIN TRANSACTION")
    try:
        _copy_new_invoice(connection, new, new_invoice_id, case_id)
    except BaseException:
        connection.execute("ROLLBACK")
        raise
    connection.execute("COMMIT")
    for temp in new.tables.values():
        connection.execute(f"DROP TABLE IF EXISTS temp.{temp}")


def _drop_documents(connection: duckdb.DuckDBPyConnection, invoice_ids: list[str]) -> None:
    """Take back the drafts a failed correction wrote."""
    for table in ("invoice_vat", "invoice_lines", "invoices"):
        connection.execute(
            f"DELETE FROM billing.{table} WHERE list_contains(?, invoice_id)", [invoice_ids]
        )


def _copy_new_invoice(
    connection: duckdb.DuckDBPyConnection, new: _Rerated, new_invoice_id: str, case_id: int
) -> None:
    connection.execute(
        f"""
        INSERT INTO billing.invoices BY NAME
        SELECT * REPLACE (
            $new_id AS invoice_id,
            'correction' AS kind,
            'draft' AS status,
            $case_id AS correction_case_id,
            current_timestamp AS created_at
        )
        FROM {new.tables["invoices"]}
        """,
        {"new_id": new_invoice_id, "case_id": str(case_id)},
    )
    for table in ("invoice_lines", "invoice_vat"):
        connection.execute(
            f"INSERT INTO billing.{table} BY NAME"
            f" SELECT * REPLACE ($new_id AS invoice_id) FROM {new.tables[table]}",
            {"new_id": new_invoice_id},
        )
