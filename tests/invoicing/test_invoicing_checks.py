"""Consistency checks: each failing invoice goes on hold with a reason, the rest are checked."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import duckdb
import pytest
from invoicing_fixtures import (
    Account,
    Line,
    MeteredPoint,
    add_accounts,
    add_points,
    insert_invoice,
    new_warehouse,
    set_consumption,
    status_of,
)

from invoicing.checks import CheckLimits, find_problems, run_checks
from invoicing.reasons import shown

D = Decimal
MONTHS = [date(2024, m, 1) for m in range(10, 13)] + [date(2025, m, 1) for m in (1, 2, 3)]
MARCH = date(2025, 3, 1)
USAGE = {"F1": D(100), "F2": D(80), "F3": D(120)}
ACCOUNTS = [Account(f"BA{n:02d}") for n in range(1, 8)]
POINTS = [MeteredPoint(f"IT001E{n:08d}", account) for n, account in enumerate(ACCOUNTS, 1)]


@pytest.fixture
def warehouse() -> duckdb.DuckDBPyConnection:
    """Seven accounts with one point each, five months issued at a steady usage."""
    connection = new_warehouse()
    add_accounts(connection, ACCOUNTS)
    add_points(connection, POINTS)
    for point in POINTS:
        for month in MONTHS:
            set_consumption(connection, point, month, USAGE)
        for month in MONTHS[:-1]:
            insert_invoice(
                connection,
                f"{point.account.billing_account_id}-{month:%Y%m}",
                point.account,
                month,
                [Line(point.supply_point_id, D(300), D("0.15"))],
                status="issued",
            )
    yield connection
    connection.close()


def march_invoice(connection, point: MeteredPoint, quantity=None, status="draft", **kw):
    invoice_id = f"{point.account.billing_account_id}-202503"
    line = Line(point.supply_point_id, D(300) if quantity is None else quantity, D("0.15"), **kw)
    insert_invoice(connection, invoice_id, point.account, MARCH, [line], status=status)
    return invoice_id


def test_each_check_holds_only_the_invoice_that_fails_it(warehouse, store) -> None:
    steady = march_invoice(warehouse, POINTS[0])
    # consumption three times above the highest of its history
    set_consumption(warehouse, POINTS[1], MARCH, {b: q * 4 for b, q in USAGE.items()})
    high_use = march_invoice(warehouse, POINTS[1])
    # the total far above the account's usual invoices
    high_total = march_invoice(warehouse, POINTS[2], quantity=D(3000))
    # a negative total with nothing that explains a credit
    negative = march_invoice(warehouse, POINTS[3], quantity=D(-50))
    # a negative true-up is a legitimate refund
    refund = march_invoice(warehouse, POINTS[4], quantity=D(-50), is_true_up=True)
    # an interval meter short of intervals
    warehouse.execute(
        "UPDATE reports.rpt_monthly_consumption SET interval_count = 2900,"
        " expected_interval_count = 2976 WHERE supply_point_id = ? AND month = ? AND band = 'F1'",
        [POINTS[5].supply_point_id, MARCH],
    )
    short = march_invoice(warehouse, POINTS[5])
    # the account's February was never billed
    warehouse.execute("DELETE FROM billing.invoices WHERE invoice_id = 'BA07-202502'")
    warehouse.execute("DELETE FROM billing.invoice_lines WHERE invoice_id = 'BA07-202502'")
    gap = march_invoice(warehouse, POINTS[6])

    result = run_checks(
        warehouse, store, [steady, high_use, high_total, negative, refund, short, gap]
    )

    assert result.checked == [steady, refund]
    assert set(result.held) == {high_use, high_total, negative, short, gap}
    assert result.held[high_use] == (
        f"consumption out of range: supply point {POINTS[1].supply_point_id} used 1,200"
        " kWh, its last 5 months 300 to 300"
    )
    assert result.held[high_total].startswith("total out of range: 495.00,")
    assert result.held[negative] == "negative total -8.25 without a credit reason"
    assert result.held[short] == (
        f"missing readings: supply point {POINTS[5].supply_point_id} has 2,900 of 2,976 intervals"
    )
    assert result.held[gap] == (
        "period not contiguous: billing March 2025, the last billed period ended 31/01/2025"
    )
    for invoice_id, reason in result.held.items():
        status, stored = status_of(warehouse, invoice_id)[:2]
        assert status == "on_hold" and shown(stored, "en") == reason
    # kept as templates and values: the Italian operator reads them in Italian
    assert shown(status_of(warehouse, gap)[1], "it") == (
        "periodo non contiguo: fatturazione di marzo 2025, l'ultimo periodo fatturato terminava il"
        " 31/01/25"
    )
    assert shown(status_of(warehouse, high_use)[1], "it") == (
        f"consumo fuori intervallo: il punto di fornitura {POINTS[1].supply_point_id} ha"
        " consumato 1.200 kWh, negli ultimi 5 mesi da 300 a 300"
    )
    assert status_of(warehouse, steady)[0] == "checked"


def test_reasons_add_up_and_limits_are_parameters(warehouse) -> None:
    set_consumption(warehouse, POINTS[0], MARCH, {b: q * 10 for b, q in USAGE.items()})
    invoice = march_invoice(warehouse, POINTS[0], quantity=D(-3000))
    found = find_problems(warehouse, [invoice])[invoice]
    assert [str(reason).split(":")[0] for reason in found] == [
        "consumption out of range",
        "negative total -495.00 without a credit reason",
    ]
    found = find_problems(warehouse, [invoice], CheckLimits(min_history=6))
    assert {i: [str(r) for r in reasons] for i, reasons in found.items()} == {
        invoice: ["negative total -495.00 without a credit reason"]
    }


def test_a_point_of_the_account_missing_from_the_month_holds_the_invoice(warehouse, store) -> None:
    second = MeteredPoint("IT001E99999999", ACCOUNTS[0])
    add_points(warehouse, [second])
    for month in (date(2025, 2, 1), date(2025, 4, 1)):
        set_consumption(warehouse, second, month, USAGE)
    invoice = march_invoice(warehouse, POINTS[0])
    result = run_checks(warehouse, store, [invoice])
    assert result.held == {
        invoice: "missing readings: supply point IT001E99999999 has no consumption for March 2025"
    }


def test_only_drafts_are_checked_and_credit_notes_must_cancel_exactly(warehouse, store) -> None:
    approved = march_invoice(warehouse, POINTS[0], status="approved")
    original = "BA02-202502"
    exact = [Line(POINTS[1].supply_point_id, D(-300), D("0.15"))]
    wrong = [Line(POINTS[2].supply_point_id, D(-100), D("0.15"))]
    insert_invoice(
        warehouse,
        "NC1",
        ACCOUNTS[1],
        date(2025, 2, 1),
        exact,
        status="draft",
        document_type="TD04",
        kind="credit_note",
        related_invoice_id=original,
    )
    insert_invoice(
        warehouse,
        "NC2",
        ACCOUNTS[2],
        date(2025, 2, 1),
        wrong,
        status="draft",
        document_type="TD04",
        kind="credit_note",
        related_invoice_id="BA03-202502",
    )
    insert_invoice(
        warehouse,
        "NC3",
        ACCOUNTS[3],
        date(2025, 2, 1),
        exact,
        status="draft",
        document_type="TD04",
        kind="credit_note",
        related_invoice_id="nothing",
    )
    result = run_checks(warehouse, store, [approved, "NC1", "NC2", "NC3"])
    assert result.checked == ["NC1"]
    assert result.held == {
        "NC2": "credit note total -16.50 does not cancel invoice BA03-202502 total 49.50",
        "NC3": "credit note for nothing, which is not an issued invoice",
    }
    assert status_of(warehouse, approved)[0] == "approved"
