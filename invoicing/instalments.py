"""Instalment plans (IN5): an amount in N monthly instalments, interest-free or at an annual rate
on the outstanding principal (French amortisation), the principal parts adding up to the cent."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import ROUND_DOWN, ROUND_HALF_UP, Decimal, localcontext

import duckdb
from sqlalchemy.orm import Session, sessionmaker

from energia.store.models import Instalment as InstalmentRow
from energia.store.models import InstalmentPlan
from invoicing.i18n import N_
from invoicing.workflow import CREDIT_NOTE_DOCUMENT, ISSUED, MISSING, WorkflowError

CENT = Decimal("0.01")
MONTHS_PER_YEAR = 12
MAX_INSTALMENTS = 360


@dataclass(frozen=True)
class Instalment:
    sequence: int
    due_date: date
    principal: Decimal
    interest: Decimal

    @property
    def amount(self) -> Decimal:
        return self.principal + self.interest


def add_months(day: date, months: int) -> date:
    """The same day `months` later, or the month's last day when it is shorter."""
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    month += 1
    following = date(year + (month == 12), month % 12 + 1, 1)
    last = (following - date.resolution).day
    return date(year, month, min(day.day, last))


def instalment_plan(
    total: Decimal, n: int, first_due: date, annual_rate: Decimal = Decimal(0)
) -> list[Instalment]:
    """`total` in `n` monthly instalments from `first_due`.

    At rate 0 the instalments are equal but for the last, which takes the cents the division
    leaves. At a rate, each instalment is the constant French payment: interest on the
    outstanding principal at rate/12, rounded half-up to the cent, and the rest principal; the
    last instalment repays whatever principal remains, so the principal parts sum to `total`.
    """
    total = Decimal(total)
    annual_rate = Decimal(annual_rate)
    if total != total.quantize(CENT):
        raise ValueError(f"total: {total} has more than two decimals")
    if total <= 0:
        raise ValueError(f"total: {total} must be positive")
    if not 1 <= n <= MAX_INSTALMENTS:
        raise ValueError(f"instalments: {n} must be between 1 and {MAX_INSTALMENTS}")
    if total < n * CENT:
        raise ValueError(f"instalments: {total} cannot be split into {n} instalments of a cent")
    if not 0 <= annual_rate < 1:
        raise ValueError(f"annual_rate: {annual_rate} must be at least 0 and below 1")
    rate = annual_rate / MONTHS_PER_YEAR
    if rate == 0:
        regular = (total / n).quantize(CENT, rounding=ROUND_DOWN)
        payment = regular
    else:
        with localcontext() as context:
            context.prec = 40
            factor = (1 + rate) ** n
            payment = (total * rate * factor / (factor - 1)).quantize(CENT, rounding=ROUND_HALF_UP)
    plan = []
    outstanding = total
    for sequence in range(1, n + 1):
        interest = (outstanding * rate).quantize(CENT, rounding=ROUND_HALF_UP)
        if sequence == n:
            principal = outstanding
        else:
            # never more than what is left, keeping a cent for each instalment still to come
            principal = min(payment - interest, outstanding - (n - sequence) * CENT)
            principal = max(principal, CENT)
        outstanding -= principal
        plan.append(Instalment(sequence, add_months(first_due, sequence - 1), principal, interest))
    return plan


def create_plan(
    connection: duckdb.DuckDBPyConnection,
    store: sessionmaker[Session],
    invoice_id: str,
    n: int,
    first_due: date,
    annual_rate: Decimal = Decimal(0),
    case_id: int | None = None,
) -> int:
    """Split an issued invoice's total into instalments and keep the plan in the store."""
    row = connection.execute(
        "SELECT company_id, document_type, status, total FROM billing.invoices"
        " WHERE invoice_id = ?",
        [invoice_id],
    ).fetchone()
    if row is None:
        raise WorkflowError(MISSING, invoice_id=invoice_id)
    company_id, document_type, status, total = row
    if status != ISSUED or document_type == CREDIT_NOTE_DOCUMENT:
        raise WorkflowError(
            N_("invoice {invoice_id}: only issued invoices are paid in instalments"),
            invoice_id=invoice_id,
        )
    plan = instalment_plan(total, n, first_due, annual_rate)
    with store.begin() as session:
        record = InstalmentPlan(
            invoice_id=invoice_id,
            company_id=company_id,
            principal=total,
            annual_rate=annual_rate,
            case_id=case_id,
            created_at=datetime.now(UTC),
            instalments=[
                InstalmentRow(
                    sequence=i.sequence,
                    due_date=i.due_date,
                    principal=i.principal,
                    interest=i.interest,
                    amount=i.amount,
                )
                for i in plan
            ],
        )
        session.add(record)
        session.flush()
        return record.id
