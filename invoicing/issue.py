"""Issuing: number approved invoices gap-free, never bill a supply point's day twice, and prove
afterwards that no issued invoice changed."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import duckdb
from sqlalchemy.orm import Session, sessionmaker

from invoicing.checks import TEMPLATES
from invoicing.i18n import N_
from invoicing.numbering import (
    DEFAULT_SERIES,
    NumberRequest,
    Reservation,
    fingerprints,
    mark_written,
    reservations,
    reserve_numbers,
)
from invoicing.reasons import Reason, dump
from invoicing.workflow import (
    APPROVED,
    CREDIT_NOTE_DOCUMENT,
    ISSUED,
    MISSING,
    ON_HOLD,
    WorkflowError,
    record_events,
    transition,
)

ROME = ZoneInfo("Europe/Rome")

# What an issued invoice is: these columns, its lines and its VAT summary never change after
# issue. Listed, not `*`, so that a column added to the contract later does not read as a change.
INVOICE_COLUMNS = (
    "invoice_id",
    "company_id",
    "billing_account_id",
    "customer_id",
    "document_type",
    "kind",
    "period_start",
    "period_end",
    "taxable",
    "vat_total",
    "total",
    "status",
    "number",
    "series",
    "issue_date",
    "due_date",
    "related_invoice_id",
    "correction_case_id",
)
LINE_COLUMNS = (
    "line_no",
    "supply_point_id",
    "component",
    "band",
    "tier",
    "quantity",
    "unit_price",
    "amount",
    "vat_rate",
    "group",
    "provenance",
    "is_true_up",
)
VAT_COLUMNS = ("vat_rate", "taxable", "vat")


# why an approved invoice is put back on hold instead of issued (values named as in
# invoicing.reasons); a credit note for no issued invoice reads as the consistency check does
ALREADY_CANCELLED = N_("invoice {invoice} is already cancelled by a credit note")
DAYS_TAKEN = N_(
    "supply point {point}: days {first} to {last} are already on issued invoice {invoice}"
)
NO_PAYMENT_DAYS = N_("due date: billing account {account} has no payment days")
DUE_BEFORE_ISSUE = N_("due date {due} is before the issue date {issue_date}")


@dataclass(frozen=True)
class IssueResult:
    """What one issue call did: invoices issued (with their numbers), put on hold, or found
    already issued."""

    issued: list[Reservation] = field(default_factory=list)
    held: dict[str, str] = field(default_factory=dict)
    already_issued: list[str] = field(default_factory=list)

    def __str__(self) -> str:
        return (
            f"{len(self.issued)} issued, {len(self.held)} put on hold,"
            f" {len(self.already_issued)} already issued"
        )


def today_in_rome() -> date:
    return datetime.now(ROME).date()


def issue_invoices(
    connection: duckdb.DuckDBPyConnection,
    store: sessionmaker[Session],
    invoice_ids: Sequence[str],
    *,
    issue_date: date | None = None,
    actor: str = "system",
) -> IssueResult:
    """Issue approved invoices: number them, fix their due dates, mark them issued.

    Before a number is taken, each invoice is checked: no supply point day already on an issued
    invoice, a due date on or after the issue date, a credit note only for an issued invoice not
    yet cancelled. A failing invoice goes on hold with the reason; the others are issued.
    Numbers are reserved in the store, then written to the warehouse: a run interrupted in
    between is completed by issuing the same invoices again, with the same numbers.
    """
    issue_date = issue_date or today_in_rome()
    ids = list(dict.fromkeys(invoice_ids))
    if not ids:
        return IssueResult()
    invoices = _invoices(connection, ids)
    missing = [i for i in ids if i not in invoices]
    if missing:
        raise WorkflowError(MISSING, invoice_id=missing[0])
    known = {r.invoice_id: r for r in reservations(store, ids)}
    already = [i for i in ids if invoices[i]["status"] == ISSUED]
    for invoice_id in ids:
        status = invoices[invoice_id]["status"]
        if status not in (APPROVED, ISSUED):
            raise WorkflowError(
                N_("invoice {invoice_id}: is {status}, only approved ones are issued"),
                invoice_id=invoice_id,
                status=status,
            )

    # an issued invoice whose reservation is not marked written: the last run stopped just after
    # writing the warehouse
    _finish(connection, store, [i for i in already if i in known and not known[i].written])
    resumed = [known[i] for i in ids if i in known and invoices[i]["status"] == APPROVED]
    fresh = [invoices[i] for i in ids if i not in known and invoices[i]["status"] == APPROVED]
    # credit notes first: they release the days of the invoices they cancel
    fresh.sort(key=lambda i: (i["document_type"] != CREDIT_NOTE_DOCUMENT, i["invoice_id"]))
    accepted, reasons = _validate(connection, fresh, issue_date)
    if reasons:
        # kept as templates and values, so each reader sees them in their language
        kept = {invoice_id: dump([reason]) for invoice_id, reason in reasons.items()}
        transition(connection, store, kept, ON_HOLD, actor=actor)
    new = reserve_numbers(
        store,
        [
            NumberRequest(
                invoice_id=invoice["invoice_id"],
                company_id=invoice["company_id"],
                series=invoice["series"] or DEFAULT_SERIES[invoice["document_type"]],
                issue_date=issue_date,
                due_date=due,
            )
            for invoice, due in accepted
        ],
    )
    to_write = [*resumed, *new]
    _write(connection, to_write)
    _finish(connection, store, [r.invoice_id for r in to_write])
    record_events(
        store,
        [(r.invoice_id, APPROVED, ISSUED, f"{r.series} {r.year}/{r.number}") for r in to_write],
        actor,
    )
    return IssueResult(
        issued=sorted(to_write, key=lambda r: (r.company_id, r.series, r.year, r.number)),
        held={invoice_id: str(reason) for invoice_id, reason in reasons.items()},
        already_issued=already,
    )


def _invoices(connection: duckdb.DuckDBPyConnection, ids: list[str]) -> dict[str, dict]:
    cursor = connection.execute(
        "SELECT invoice.*, account.payment_days"
        " FROM billing.invoices AS invoice"
        " LEFT JOIN marts.dim_billing_account AS account USING (billing_account_id)"
        " WHERE list_contains($ids::VARCHAR[], invoice.invoice_id)",
        {"ids": ids},
    )
    names = [column[0] for column in cursor.description]
    return {row[0]: dict(zip(names, row, strict=True)) for row in cursor.fetchall()}


def _validate(
    connection: duckdb.DuckDBPyConnection, candidates: list[dict], issue_date: date
) -> tuple[list[tuple[dict, date | None]], dict[str, Reason]]:
    """Split candidates into (invoice, due date) to issue and {invoice id: reason} to hold."""
    accepted: list[tuple[dict, date | None]] = []
    held: dict[str, Reason] = {}
    if not candidates:
        return accepted, held
    ids = [c["invoice_id"] for c in candidates]
    spans = _coverage(connection, ids)
    cancelled = {
        related
        for (related,) in connection.execute(
            "SELECT related_invoice_id FROM billing.invoices"
            " WHERE document_type = 'TD04' AND status = 'issued' AND related_invoice_id IS NOT NULL"
        ).fetchall()
    }
    issued_documents = dict(
        connection.execute(
            "SELECT invoice_id, document_type FROM billing.invoices WHERE status = 'issued'"
        ).fetchall()
    )
    # days already on issued, not cancelled invoices, per supply point: (start, end, invoice)
    taken: dict[str, list[tuple[date, date, str]]] = {}
    for point, invoice_id, start, end in spans:
        if issued_documents.get(invoice_id) and invoice_id not in cancelled:
            taken.setdefault(point, []).append((start, end, invoice_id))
    own: dict[str, list[tuple[str, date, date]]] = {}
    for point, invoice_id, start, end in spans:
        own.setdefault(invoice_id, []).append((point, start, end))

    for invoice in candidates:
        invoice_id = invoice["invoice_id"]
        # a true-up credit (TD04 of kind conguaglio) cancels nothing: it bills its month
        if invoice["document_type"] == CREDIT_NOTE_DOCUMENT and invoice["kind"] != "conguaglio":
            related = invoice["related_invoice_id"]
            if related is None or related not in issued_documents:
                held[invoice_id] = (
                    Reason(TEMPLATES["credit_note_not_for_issued"], {"invoice": related})
                    if related is not None
                    else Reason(TEMPLATES["credit_note_for_no_invoice"])
                )
            elif related in cancelled:
                held[invoice_id] = Reason(ALREADY_CANCELLED, {"invoice": related})
            else:
                cancelled.add(related)
                for point in taken:
                    taken[point] = [span for span in taken[point] if span[2] != related]
                accepted.append((invoice, invoice["due_date"]))
            continue
        clash = _first_clash(own.get(invoice_id, []), taken)
        due = invoice["due_date"]
        if due is None and invoice["payment_days"] is not None:
            due = issue_date + timedelta(days=int(invoice["payment_days"]))
        if clash:
            held[invoice_id] = clash
        elif due is None:
            held[invoice_id] = Reason(NO_PAYMENT_DAYS, {"account": invoice["billing_account_id"]})
        elif due < issue_date:
            held[invoice_id] = Reason(
                DUE_BEFORE_ISSUE, {"due": due.isoformat(), "issue_date": issue_date.isoformat()}
            )
        else:
            for point, start, end in own.get(invoice_id, []):
                taken.setdefault(point, []).append((start, end, invoice_id))
            accepted.append((invoice, due))
    return accepted, held


def _coverage(
    connection: duckdb.DuckDBPyConnection, ids: list[str]
) -> list[tuple[str, str, date, date]]:
    """(supply point, invoice, first day, last day) billed by the candidates and by every issued
    invoice sharing a supply point with them.

    A regular line bills the days of its document's billing month (the month its period ends
    in); true-up lines restate days billed before as estimates, so they never count as billing
    a day, and they are what stretches a conguaglio's period back before its month.
    """
    return connection.execute(
        """
        WITH points AS (
            SELECT DISTINCT supply_point_id
            FROM billing.invoice_lines
            WHERE list_contains($ids::VARCHAR[], invoice_id)
        )
        SELECT DISTINCT
            line.supply_point_id,
            invoice.invoice_id,
            greatest(invoice.period_start, CAST(date_trunc('month', invoice.period_end) AS DATE)),
            invoice.period_end
        FROM billing.invoice_lines AS line
        JOIN billing.invoices AS invoice USING (invoice_id)
        JOIN points USING (supply_point_id)
        WHERE (invoice.document_type = 'TD01' OR invoice.kind = 'conguaglio')
            AND NOT coalesce(line.is_true_up, false)
            AND (invoice.status = 'issued' OR list_contains($ids::VARCHAR[], invoice.invoice_id))
        ORDER BY ALL
        """,
        {"ids": ids},
    ).fetchall()


def _first_clash(
    own: Iterable[tuple[str, date, date]], taken: dict[str, list[tuple[date, date, str]]]
) -> Reason | None:
    for point, start, end in own:
        for other_start, other_end, other in taken.get(point, []):
            if start <= other_end and other_start <= end:
                first, last = max(start, other_start), min(end, other_end)
                return Reason(
                    DAYS_TAKEN,
                    {
                        "point": point,
                        "first": first.isoformat(),
                        "last": last.isoformat(),
                        "invoice": other,
                    },
                )
    return None


def _write(connection: duckdb.DuckDBPyConnection, to_write: list[Reservation]) -> None:
    """Mark the reserved invoices issued with their numbers, in one warehouse transaction."""
    if not to_write:
        return
    connection.execute("BEGIN TRANSACTION")
    try:
        connection.execute(
            """
            UPDATE billing.invoices
            SET status = 'issued', series = issue.series, number = issue.number,
                issue_date = issue.issue_date, due_date = issue.due_date
            FROM (
                SELECT unnest($ids::VARCHAR[]) AS invoice_id,
                    unnest($series::VARCHAR[]) AS series,
                    unnest($numbers::BIGINT[]) AS number,
                    unnest($issue_dates::DATE[]) AS issue_date,
                    unnest($due_dates::DATE[]) AS due_date
            ) AS issue
            WHERE invoices.invoice_id = issue.invoice_id AND invoices.status = 'approved'
            """,
            {
                "ids": [r.invoice_id for r in to_write],
                "series": [r.series for r in to_write],
                "numbers": [r.number for r in to_write],
                "issue_dates": [r.issue_date for r in to_write],
                "due_dates": [r.due_date for r in to_write],
            },
        )
        written = connection.execute(
            "SELECT count(*) FROM billing.invoices"
            " WHERE list_contains($ids::VARCHAR[], invoice_id) AND status = 'issued'",
            {"ids": [r.invoice_id for r in to_write]},
        ).fetchone()[0]
        if written != len(to_write):
            raise WorkflowError(
                N_("issue: {count} reserved invoices changed state before being numbered"),
                count=len(to_write) - written,
            )
    except BaseException:
        connection.execute("ROLLBACK")
        raise
    connection.execute("COMMIT")


def _finish(
    connection: duckdb.DuckDBPyConnection, store: sessionmaker[Session], ids: list[str]
) -> None:
    mark_written(store, fingerprint(connection, ids))


def fingerprint(connection: duckdb.DuckDBPyConnection, ids: Sequence[str]) -> dict[str, str]:
    """sha256 of each invoice's issued content: its row, lines and VAT summary."""
    if not ids:
        return {}
    parts: dict[str, dict[str, list]] = {i: {"invoice": [], "lines": [], "vat": []} for i in ids}
    for part, table, columns, order in (
        ("invoice", "invoices", INVOICE_COLUMNS, "invoice_id"),
        ("lines", "invoice_lines", LINE_COLUMNS, "line_no"),
        ("vat", "invoice_vat", VAT_COLUMNS, "vat_rate"),
    ):
        keyed = ("invoice_id", *columns) if part != "invoice" else columns
        selected = ", ".join(f'"{column}"' for column in keyed)
        rows = connection.execute(
            f"SELECT {selected} FROM billing.{table}"
            f" WHERE list_contains($ids::VARCHAR[], invoice_id) ORDER BY invoice_id, {order}",
            {"ids": list(ids)},
        ).fetchall()
        for row in rows:
            parts[row[0]][part].append([_canonical(value) for value in row])
    return {
        invoice_id: hashlib.sha256(json.dumps(content, separators=(",", ":")).encode()).hexdigest()
        for invoice_id, content in parts.items()
        if content["invoice"]
    }


def _canonical(value: object) -> object:
    # the same amount reads the same whatever the scale it was stored with
    if isinstance(value, Decimal):
        return format(value.normalize(), "f")
    if isinstance(value, date | datetime):
        return value.isoformat()
    return value


def audit_issued(
    connection: duckdb.DuckDBPyConnection, store: sessionmaker[Session]
) -> dict[str, str]:
    """Issued invoices that are not as they were issued, with what is wrong: changed content,
    issued without a number from the store, numbered in the store but missing, or a number
    reserved by a run that stopped before writing it."""
    recorded = fingerprints(store)
    issued = [
        invoice_id
        for (invoice_id,) in connection.execute(
            "SELECT invoice_id FROM billing.invoices WHERE status = 'issued'"
        ).fetchall()
    ]
    current = fingerprint(connection, issued)
    problems: dict[str, str] = {}
    for invoice_id in issued:
        if invoice_id not in recorded:
            problems[invoice_id] = "issued without a number reserved in the store"
        elif recorded[invoice_id] is not None and recorded[invoice_id] != current[invoice_id]:
            problems[invoice_id] = "changed after issue"
    for invoice_id, recorded_print in recorded.items():
        if invoice_id in current:
            continue
        if recorded_print is None:
            problems[invoice_id] = "number reserved but not written: issue it again to finish"
        else:
            problems[invoice_id] = "issued, but no longer in the warehouse as issued"
    return problems
