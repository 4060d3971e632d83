"""Invoice states: only the workflow's moves are allowed, and issued invoices never change."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import duckdb
import pytest
from invoicing_fixtures import (
    Account,
    Line,
    add_accounts,
    insert_invoice,
    new_warehouse,
    status_of,
)
from sqlalchemy import select

from energia.store import InvoiceEvent
from invoicing.instalments import create_plan
from invoicing.issue import issue_invoices
from invoicing.numbering import NumberRequest, reserve_numbers
from invoicing.workflow import (
    TRANSITIONS,
    WorkflowError,
    approve,
    hold,
    release,
    return_to_draft,
    set_due_date,
    transition,
)

MARCH = date(2025, 3, 1)
ACCOUNT = Account("BA01")
LINES = [Line("IT001E00000001", Decimal("250.5"), Decimal("0.12"))]


@pytest.fixture
def warehouse() -> duckdb.DuckDBPyConnection:
    connection = new_warehouse()
    add_accounts(connection, [ACCOUNT, Account("BA02")])
    yield connection
    connection.close()


def test_the_happy_path_and_its_audit_trail(warehouse, store) -> None:
    insert_invoice(warehouse, "I1", ACCOUNT, MARCH, LINES, status="draft")
    transition(warehouse, store, ["I1"], "checked", actor="checks")
    hold(warehouse, store, ["I1"], "total looks odd", actor="ops")
    assert status_of(warehouse, "I1")[:2] == ("on_hold", "total looks odd")
    release(warehouse, store, ["I1"], actor="ops")
    assert status_of(warehouse, "I1")[:2] == ("checked", None)
    approve(warehouse, store, ["I1"], actor="ops")
    issue_invoices(warehouse, store, ["I1"], issue_date=date(2025, 4, 2), actor="ops")
    assert status_of(warehouse, "I1") == ("issued", None, "FT", 1)
    with store() as session:
        moves = session.execute(
            select(InvoiceEvent.from_status, InvoiceEvent.to_status, InvoiceEvent.actor)
            .where(InvoiceEvent.invoice_id == "I1")
            .order_by(InvoiceEvent.id)
        ).all()
    assert moves == [
        ("draft", "checked", "checks"),
        ("checked", "on_hold", "ops"),
        ("on_hold", "checked", "ops"),
        ("checked", "approved", "ops"),
        ("approved", "issued", "ops"),
    ]


@pytest.mark.parametrize(
    ("start", "target"),
    [
        (start, target)
        for start in TRANSITIONS
        for target in ("draft", "checked", "approved", "on_hold")
        if target not in TRANSITIONS[start]
    ],
)
def test_moves_outside_the_workflow_are_refused(warehouse, store, start, target) -> None:
    insert_invoice(warehouse, "I1", ACCOUNT, MARCH, LINES, status=start)
    with pytest.raises(WorkflowError, match="I1"):
        transition(warehouse, store, ["I1"], target, reason="because")
    assert status_of(warehouse, "I1")[0] == start


def test_a_batch_moves_all_or_nothing(warehouse, store) -> None:
    insert_invoice(warehouse, "I1", ACCOUNT, MARCH, LINES, status="checked")
    insert_invoice(warehouse, "I2", Account("BA02"), MARCH, LINES, status="draft")
    with pytest.raises(WorkflowError, match="I2: cannot go from draft to approved"):
        approve(warehouse, store, ["I1", "I2"], actor="ops")
    assert status_of(warehouse, "I1")[0] == "checked"


def test_a_hold_needs_a_reason_and_issuing_is_not_a_plain_move(warehouse, store) -> None:
    insert_invoice(warehouse, "I1", ACCOUNT, MARCH, LINES, status="checked")
    with pytest.raises(WorkflowError, match="a hold needs a reason"):
        hold(warehouse, store, ["I1"], "  ")
    with pytest.raises(WorkflowError, match="only invoicing.issue"):
        transition(warehouse, store, ["I1"], "issued")
    with pytest.raises(WorkflowError, match="not one of"):
        transition(warehouse, store, ["I1"], "sent")
    with pytest.raises(WorkflowError, match="nope: does not exist"):
        approve(warehouse, store, ["nope"], actor="ops")


def test_issued_invoices_never_change(warehouse, store) -> None:
    insert_invoice(warehouse, "I1", ACCOUNT, MARCH, LINES)
    issue_invoices(warehouse, store, ["I1"], issue_date=date(2025, 4, 2))
    before = warehouse.execute("SELECT * FROM billing.invoices").fetchall()
    for attempt in (
        lambda: hold(warehouse, store, ["I1"], "try"),
        lambda: return_to_draft(warehouse, store, ["I1"], actor="ops"),
        lambda: release(warehouse, store, ["I1"], actor="ops"),
        lambda: approve(warehouse, store, ["I1"], actor="ops"),
        lambda: set_due_date(warehouse, store, "I1", date(2025, 6, 1), actor="ops"),
    ):
        with pytest.raises(WorkflowError, match="I1: issued invoices never change"):
            attempt()
    assert warehouse.execute("SELECT * FROM billing.invoices").fetchall() == before
    again = issue_invoices(warehouse, store, ["I1"], issue_date=date(2025, 5, 2))
    assert again.already_issued == ["I1"] and not again.issued
    assert warehouse.execute("SELECT * FROM billing.invoices").fetchall() == before


def test_a_reserved_number_pins_the_invoice_to_issue(warehouse, store) -> None:
    insert_invoice(warehouse, "I1", ACCOUNT, MARCH, LINES)
    reserve_numbers(store, [NumberRequest("I1", "C01", "FT", date(2025, 4, 2), None)])
    with pytest.raises(WorkflowError, match="I1: its number is reserved"):
        return_to_draft(warehouse, store, ["I1"], actor="ops")
    with pytest.raises(WorkflowError, match="I1: its number is reserved"):
        set_due_date(warehouse, store, "I1", date(2025, 6, 1), actor="ops")


def test_instalments_only_for_issued_invoices(warehouse, store) -> None:
    insert_invoice(warehouse, "I1", ACCOUNT, MARCH, LINES)
    with pytest.raises(WorkflowError, match="I1: only issued invoices"):
        create_plan(warehouse, store, "I1", 3, date(2025, 5, 1))
