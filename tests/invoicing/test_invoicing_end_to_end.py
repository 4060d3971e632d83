"""Issue 4's done-when: bill two months for a lot, re-run the first, issue, correct an invoice
from a customer's report, and check the invariants, with the real rating engine throughout."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import duckdb
import pytest
from invoicing_fixtures import (
    Account,
    MeteredPoint,
    add_accounts,
    add_points,
    assert_gap_free_numbers,
    assert_no_day_billed_twice,
    assert_totals_add_up,
    load_reference_seeds,
    new_warehouse,
    set_consumption,
    write_lots,
)

from invoicing.corrections import CorrectionError, correct_invoice, open_case
from invoicing.issue import audit_issued, issue_invoices
from invoicing.lots import load_lots
from invoicing.runs import bill_lot, issue_lot
from invoicing.workflow import approve

FEBRUARY, MARCH = date(2025, 2, 1), date(2025, 3, 1)
D = Decimal

LOTS = """
lots:
  - id: C01-domestic
    company_id: C01
    billing_cycle: monthly
    segment: domestic
    auto_approve: true
  - id: C01-business
    company_id: C01
    billing_cycle: monthly
    segment: business
"""

HOME, SHOP, FLAT = Account("BA01"), Account("BA02", segment="business"), Account("BA03")
POINTS = [
    MeteredPoint("IT001E00000001", HOME),
    MeteredPoint("IT001E00000002", HOME, power_kw=D("4.5")),
    MeteredPoint("IT001E00000003", SHOP, use="non_domestic", power_kw=D(15)),
    MeteredPoint("IT001E00000004", FLAT, use="domestic_nonresident"),
]
USAGE = {"F1": D("95.5"), "F2": D("80.25"), "F3": D("140")}


@pytest.fixture
def warehouse(tmp_path) -> duckdb.DuckDBPyConnection:
    connection = new_warehouse(tmp_path / "warehouse.duckdb")
    load_reference_seeds(connection)
    add_accounts(connection, [HOME, SHOP, FLAT])
    add_points(connection, POINTS)
    for month in (FEBRUARY, MARCH):
        for point in POINTS:
            set_consumption(connection, point, month, USAGE)
    yield connection
    connection.close()


def documents(connection: duckdb.DuckDBPyConnection) -> list[tuple]:
    return connection.execute(
        "SELECT invoice_id, billing_account_id, document_type, kind, status, total"
        " FROM billing.invoices ORDER BY invoice_id"
    ).fetchall()


@pytest.mark.slow
def test_two_months_rerun_issue_and_correct(warehouse, store, tmp_path) -> None:
    domestic, business = load_lots(write_lots(tmp_path / "lots.yaml", LOTS))

    # two months for the domestic lot, and February for the business one
    february = bill_lot(warehouse, store, FEBRUARY, domestic)
    assert (february.rating.invoices, february.rating.skipped) == (2, {})
    assert february.checks.checked == ["BA01-202502", "BA03-202502"]
    bill_lot(warehouse, store, MARCH, domestic)
    bill_lot(warehouse, store, FEBRUARY, business)
    shop_february = warehouse.execute(
        "SELECT * FROM billing.invoices WHERE billing_account_id = 'BA02'"
    ).fetchall()

    # re-running February recomputes the lot's documents no one approved yet, from the
    # consumption as it is now, and touches nothing else
    set_consumption(warehouse, POINTS[0], FEBRUARY, {b: q * 2 for b, q in USAGE.items()})
    before = dict(warehouse.execute("SELECT invoice_id, total FROM billing.invoices").fetchall())
    rerun = bill_lot(warehouse, store, FEBRUARY, domestic)
    after = dict(warehouse.execute("SELECT invoice_id, total FROM billing.invoices").fetchall())
    assert rerun.rating.invoices == 2 and set(after) == set(before)
    assert after["BA01-202502"] > before["BA01-202502"]
    assert after["BA03-202502"] == before["BA03-202502"]
    assert (
        warehouse.execute(
            "SELECT * FROM billing.invoices WHERE billing_account_id = 'BA02'"
        ).fetchall()
        == shop_february
    )

    # issue both months of the domestic lot (auto-approved), and the business one by hand
    issued_february = issue_lot(warehouse, store, FEBRUARY, domestic, issue_date=date(2025, 3, 3))
    issued_march = issue_lot(warehouse, store, MARCH, domestic, issue_date=date(2025, 4, 2))
    assert [(r.invoice_id, r.number) for r in issued_february.issued] == [
        ("BA01-202502", 1),
        ("BA03-202502", 2),
    ]
    assert [r.number for r in issued_march.issued] == [3, 4]
    april = date(2025, 4, 2)
    assert not issue_lot(warehouse, store, FEBRUARY, business, april).issued  # not approved
    approve(warehouse, store, ["BA02-202502"], actor="back office")
    assert [r.number for r in issue_lot(warehouse, store, FEBRUARY, business, april).issued] == [5]

    # re-running an issued month changes nothing: the accounts are skipped
    issued_rows = warehouse.execute(
        "SELECT * FROM billing.invoices WHERE status = 'issued' ORDER BY invoice_id"
    ).fetchall()
    again = bill_lot(warehouse, store, FEBRUARY, domestic)
    assert again.rating.invoices == 0
    assert again.rating.skipped == {"period_already_invoiced": 3}
    assert (
        warehouse.execute(
            "SELECT * FROM billing.invoices WHERE status = 'issued' ORDER BY invoice_id"
        ).fetchall()
        == issued_rows
    )

    # the customer reports February was read wrong: the right figures arrive, and the
    # correction cancels the invoice and bills the month again
    case_id = open_case(store, "C01", HOME.customer_id, "billing_correction", "reading too high")
    set_consumption(warehouse, POINTS[0], FEBRUARY, USAGE)
    correction = correct_invoice(warehouse, store, case_id, "BA01-202502")
    notes = warehouse.execute(
        "SELECT invoice_id, document_type, kind, status, related_invoice_id, correction_case_id,"
        " total FROM billing.invoices WHERE correction_case_id IS NOT NULL ORDER BY invoice_id"
    ).fetchall()
    assert notes == [
        (
            correction.credit_note_id,
            "TD04",
            "credit_note",
            "checked",
            "BA01-202502",
            str(case_id),
            -after["BA01-202502"],
        ),
        (
            correction.new_invoice_id,
            "TD01",
            "correction",
            "checked",
            None,
            str(case_id),
            before["BA01-202502"],
        ),
    ]
    with pytest.raises(CorrectionError, match="already has credit note"):
        correct_invoice(warehouse, store, case_id, "BA01-202502")

    # a re-run of the month keeps the correction's documents (they are not rated drafts)
    bill_lot(warehouse, store, FEBRUARY, domestic)
    assert {correction.credit_note_id, correction.new_invoice_id} <= {
        row[0] for row in documents(warehouse)
    }

    # the new invoice cannot be issued before the credit note frees its days
    approve(warehouse, store, [correction.new_invoice_id], actor="back office")
    early = issue_invoices(
        warehouse, store, [correction.new_invoice_id], issue_date=date(2025, 4, 10)
    )
    assert "already on issued invoice BA01-202502" in early.held[correction.new_invoice_id]
    warehouse.execute(
        "UPDATE billing.invoices SET status = 'checked', hold_reason = NULL WHERE invoice_id = ?",
        [correction.new_invoice_id],
    )
    ids = [correction.new_invoice_id, correction.credit_note_id]
    approve(warehouse, store, ids, actor="back office")
    fixed = issue_invoices(warehouse, store, ids, issue_date=date(2025, 4, 10))
    assert sorted((r.invoice_id, r.series, r.number) for r in fixed.issued) == [
        (correction.credit_note_id, "NC", 1),
        (correction.new_invoice_id, "FT", 6),
    ]

    assert_no_day_billed_twice(warehouse)
    assert_gap_free_numbers(warehouse)
    assert_totals_add_up(warehouse)
    assert audit_issued(warehouse, store) == {}
