"""Invoice states and the only moves allowed between them (BI5, IN6); issued invoices never move."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, date, datetime

import duckdb
from sqlalchemy.orm import Session, sessionmaker

from energia.store.models import InvoiceEvent
from invoicing.i18n import N_, TranslatableError, _
from invoicing.numbering import reservations

DRAFT, CHECKED, APPROVED, ISSUED, ON_HOLD = "draft", "checked", "approved", "issued", "on_hold"
STATUSES = (DRAFT, CHECKED, APPROVED, ISSUED, ON_HOLD)
# what people read for each status
STATUS_LABELS = {
    DRAFT: N_("Draft"),
    CHECKED: N_("Checked"),
    APPROVED: N_("Approved"),
    ISSUED: N_("Issued"),
    ON_HOLD: N_("On hold"),
}

# Issuing (approved -> issued) happens only in invoicing.issue, which numbers the invoice.
TRANSITIONS: dict[str, frozenset[str]] = {
    DRAFT: frozenset({CHECKED, ON_HOLD}),
    CHECKED: frozenset({APPROVED, ON_HOLD, DRAFT}),
    APPROVED: frozenset({ISSUED, ON_HOLD, DRAFT}),
    ON_HOLD: frozenset({CHECKED, DRAFT}),
    ISSUED: frozenset(),
}

INVOICE_DOCUMENT = "TD01"
CREDIT_NOTE_DOCUMENT = "TD04"


class WorkflowError(TranslatableError, ValueError):
    """A move the workflow does not allow; the message names the invoice and the reason.
    `str()` names statuses by their codes; `in_language` by their labels."""

    def in_language(self, language: str | None) -> str:
        params = {
            name: _(language, STATUS_LABELS[value]).lower()
            if name.endswith("status") and value in STATUS_LABELS
            else value
            for name, value in self.params.items()
        }
        return _(language, self.template).format(**params)


MISSING = N_("invoice {invoice_id}: does not exist")
UNCHANGEABLE = N_("invoice {invoice_id}: issued invoices never change")
RESERVED = N_("invoice {invoice_id}: its number is reserved, it can only be issued")


def statuses(connection: duckdb.DuckDBPyConnection, invoice_ids: Iterable[str]) -> dict[str, str]:
    """Current status of each invoice id that exists."""
    return dict(
        connection.execute(
            "SELECT invoice_id, status FROM billing.invoices"
            " WHERE list_contains($ids::VARCHAR[], invoice_id)",
            {"ids": list(invoice_ids)},
        ).fetchall()
    )


def transition(
    connection: duckdb.DuckDBPyConnection,
    store: sessionmaker[Session],
    invoice_ids: Sequence[str] | Mapping[str, str],
    to_status: str,
    *,
    reason: str | None = None,
    actor: str = "system",
) -> list[str]:
    """Move every invoice to `to_status`, all or none; returns the ids moved.

    `invoice_ids` may map each id to its own reason. A hold needs a reason; leaving a hold
    clears it. An approved invoice whose number is reserved can only be issued, never sent back.
    """
    if to_status not in STATUSES:
        raise WorkflowError(
            N_("status {status!r}: not one of {statuses}"),
            status=to_status,
            statuses=", ".join(STATUSES),
        )
    if to_status == ISSUED:
        raise WorkflowError(N_("status 'issued': only invoicing.issue.issue_invoices issues"))
    if isinstance(invoice_ids, Mapping):
        reasons = {i: invoice_ids[i] or reason for i in invoice_ids}
    else:
        reasons = dict.fromkeys(invoice_ids, reason)
    if not reasons:
        return []
    ids = list(reasons)
    if to_status == ON_HOLD:
        for invoice_id, text in reasons.items():
            if not (text and text.strip()):
                raise WorkflowError(
                    N_("invoice {invoice_id}: a hold needs a reason for the operator"),
                    invoice_id=invoice_id,
                )
    current = statuses(connection, ids)
    for invoice_id in ids:
        if invoice_id not in current:
            raise WorkflowError(MISSING, invoice_id=invoice_id)
        _check_move(invoice_id, current[invoice_id], to_status)
    reserved = _reserved(store, [i for i in ids if current[i] == APPROVED])
    if reserved:
        raise WorkflowError(RESERVED, invoice_id=reserved[0])
    # one statement, so all or none; the status test repeats the checks above in the statement
    # itself: an issued row is never written, whatever happened in between
    connection.execute(
        """
        UPDATE billing.invoices
        SET status = $to_status,
            hold_reason = CASE WHEN $to_status = 'on_hold' THEN moves.reason END
        FROM (SELECT unnest($ids::VARCHAR[]) AS invoice_id, unnest($reasons::VARCHAR[]) AS reason)
            AS moves
        WHERE invoices.invoice_id = moves.invoice_id AND invoices.status <> 'issued'
        """,
        {"to_status": to_status, "ids": ids, "reasons": [reasons[i] for i in ids]},
    )
    record_events(store, [(i, current[i], to_status, reasons[i]) for i in ids], actor)
    return ids


def _check_move(invoice_id: str, from_status: str, to_status: str) -> None:
    if from_status == ISSUED:
        raise WorkflowError(UNCHANGEABLE, invoice_id=invoice_id)
    if to_status not in TRANSITIONS.get(from_status, frozenset()):
        raise WorkflowError(
            N_("invoice {invoice_id}: cannot go from {from_status} to {to_status}"),
            invoice_id=invoice_id,
            from_status=from_status,
            to_status=to_status,
        )


def _reserved(store: sessionmaker[Session], invoice_ids: list[str]) -> list[str]:
    if not invoice_ids:
        return []
    return [reservation.invoice_id for reservation in reservations(store, invoice_ids)]


def record_events(
    store: sessionmaker[Session],
    moves: Iterable[tuple[str, str | None, str, str | None]],
    actor: str,
) -> None:
    """Keep each move (invoice, from, to, reason) in the store's audit trail."""
    now = datetime.now(UTC)
    events = [
        InvoiceEvent(
            invoice_id=invoice_id,
            from_status=from_status,
            to_status=to_status,
            reason=reason,
            actor=actor,
            at=now,
        )
        for invoice_id, from_status, to_status, reason in moves
    ]
    if events:
        with store.begin() as session:
            session.add_all(events)


def hold(connection, store, invoice_ids, reason: str, *, actor: str = "system") -> list[str]:
    """Route invoices to an operator with a reason."""
    return transition(connection, store, invoice_ids, ON_HOLD, reason=reason, actor=actor)


def release(connection, store, invoice_ids, *, actor: str) -> list[str]:
    """An operator accepts held invoices as they are: they become checked."""
    return transition(connection, store, invoice_ids, CHECKED, actor=actor)


def return_to_draft(connection, store, invoice_ids, *, actor: str) -> list[str]:
    """Send invoices back to draft, so that the next run of their partition replaces them."""
    return transition(connection, store, invoice_ids, DRAFT, actor=actor)


def approve(connection, store, invoice_ids, *, actor: str) -> list[str]:
    """Approve checked invoices for issue."""
    return transition(connection, store, invoice_ids, APPROVED, actor=actor)


def set_due_date(
    connection: duckdb.DuckDBPyConnection,
    store: sessionmaker[Session],
    invoice_id: str,
    due_date: date,
    *,
    actor: str,
) -> None:
    """Give one invoice a due date other than its contract's (IN4), before it is issued."""
    current = statuses(connection, [invoice_id])
    if invoice_id not in current:
        raise WorkflowError(MISSING, invoice_id=invoice_id)
    if current[invoice_id] == ISSUED:
        raise WorkflowError(UNCHANGEABLE, invoice_id=invoice_id)
    if _reserved(store, [invoice_id]):
        raise WorkflowError(RESERVED, invoice_id=invoice_id)
    connection.execute(
        "UPDATE billing.invoices SET due_date = ? WHERE invoice_id = ? AND status <> 'issued'",
        [due_date, invoice_id],
    )
    status = current[invoice_id]
    record_events(store, [(invoice_id, status, status, f"due date set to {due_date}")], actor)
