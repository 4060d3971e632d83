"""A billing run for one month and lot: rate, check, pre-invoice, approve and issue."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import duckdb
from sqlalchemy.orm import Session, sessionmaker

from invoicing.checks import CheckLimits, CheckResult, run_checks
from invoicing.issue import IssueResult, issue_invoices
from invoicing.lots import Lot, materialise_lot
from invoicing.preinvoice import write_pre_invoices
from invoicing.workflow import APPROVED, CHECKED, DRAFT, ON_HOLD, approve, return_to_draft
from rating.engine import RATED_KINDS, RunSummary, rate_month
from rating.schema import create_billing_tables


@dataclass(frozen=True)
class BillResult:
    rating: RunSummary
    checks: CheckResult

    def __str__(self) -> str:
        return f"{self.rating}; {self.checks}"


def first_of_month(day: date) -> date:
    return day.replace(day=1)


def lot_invoices(
    connection: duckdb.DuckDBPyConnection,
    month: date,
    accounts_table: str,
    statuses: Sequence[str] | None = None,
) -> list[str]:
    """Ids of the documents of the lot's accounts billed with `month` (their period ends in it;
    a true-up's period starts earlier)."""
    month = first_of_month(month)
    return [
        invoice_id
        for (invoice_id,) in connection.execute(
            f"""
            SELECT invoice_id FROM billing.invoices
            WHERE billing_account_id IN (SELECT billing_account_id FROM {accounts_table})
                AND period_end >= $month AND period_end < $month + INTERVAL 1 MONTH
                AND ($statuses::VARCHAR[] IS NULL OR list_contains($statuses::VARCHAR[], status))
            ORDER BY invoice_id
            """,
            {"month": month, "statuses": None if statuses is None else list(statuses)},
        ).fetchall()
    ]


def bill_lot(
    connection: duckdb.DuckDBPyConnection,
    store: sessionmaker[Session],
    month: date,
    lot: Lot,
    limits: CheckLimits | None = None,
) -> BillResult:
    """Rate the lot's month into drafts and check every draft.

    A re-run recomputes whatever no one has approved yet: the month's rated documents that are
    checked or on hold go back to draft first, and rating replaces drafts. Approved and issued
    documents, credit notes and corrections stay as they are.
    """
    # the first run on a new warehouse has no billing tables yet
    create_billing_tables(connection)
    accounts = materialise_lot(connection, lot)
    reopen = connection.execute(
        f"""
        SELECT invoice_id FROM billing.invoices
        WHERE billing_account_id IN (SELECT billing_account_id FROM {accounts})
            AND period_end >= $month AND period_end < $month + INTERVAL 1 MONTH
            AND status IN ('checked', 'on_hold')
            AND list_contains($kinds::VARCHAR[], kind)
        """,
        {"month": first_of_month(month), "kinds": list(RATED_KINDS)},
    ).fetchall()
    return_to_draft(connection, store, [i for (i,) in reopen], actor=f"re-run of lot {lot.id}")
    rating = rate_month(connection, first_of_month(month), accounts_table=accounts)
    drafts = lot_invoices(connection, month, accounts, [DRAFT])
    return BillResult(rating, run_checks(connection, store, drafts, limits))


def simulate_lot(
    connection: duckdb.DuckDBPyConnection,
    store: sessionmaker[Session],
    month: date,
    lot: Lot,
    out_dir: Path,
    limits: CheckLimits | None = None,
) -> tuple[BillResult, list[Path]]:
    """The full run without issuing (IN1): drafts, true-ups included, checked, and a
    pre-invoice workbook for each document not issued yet, in `out_dir`."""
    result = bill_lot(connection, store, month, lot, limits)
    return result, write_lot_pre_invoices(connection, month, lot, out_dir)


def write_lot_pre_invoices(
    connection: duckdb.DuckDBPyConnection, month: date, lot: Lot, out_dir: Path
) -> list[Path]:
    accounts = materialise_lot(connection, lot)
    pending = lot_invoices(connection, month, accounts, [DRAFT, CHECKED, APPROVED, ON_HOLD])
    return write_pre_invoices(connection, pending, out_dir)


def issue_lot(
    connection: duckdb.DuckDBPyConnection,
    store: sessionmaker[Session],
    month: date,
    lot: Lot,
    issue_date: date | None = None,
) -> IssueResult:
    """Issue the lot's approved documents of `month`, approving checked ones first when the
    lot is configured to (`auto_approve`)."""
    accounts = materialise_lot(connection, lot)
    if lot.auto_approve:
        checked = lot_invoices(connection, month, accounts, [CHECKED])
        approve(connection, store, checked, actor=f"lot {lot.id}")
    approved = lot_invoices(connection, month, accounts, [APPROVED])
    return issue_invoices(connection, store, approved, issue_date=issue_date, actor=f"lot {lot.id}")
