"""Documents the rating engine writes, through the checks and issuing: an offer that does not
cover the month holds the account's invoice, a true-up refunding more than the month charges
is issued as a credit note (TD04) and never as an invoice with a negative total."""

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
    add_true_up,
    load_reference_seeds,
    new_warehouse,
    set_consumption,
    write_lots,
)

from invoicing.lots import load_lots
from invoicing.runs import bill_lot, issue_lot

D = Decimal
JANUARY, FEBRUARY = date(2025, 1, 1), date(2025, 2, 1)
LOTS = """
lots:
  - id: C01-domestic
    company_id: C01
    billing_cycle: monthly
    segment: domestic
    auto_approve: true
"""
HOME = Account("BA01")
POINTS = [MeteredPoint("IT001E00000001", HOME), MeteredPoint("IT001E00000002", HOME)]
USAGE = {"F1": D("95.5"), "F2": D("80.25"), "F3": D("140")}


@pytest.fixture
def warehouse(tmp_path) -> duckdb.DuckDBPyConnection:
    connection = new_warehouse(tmp_path / "warehouse.duckdb")
    load_reference_seeds(connection)
    add_accounts(connection, [HOME])
    add_points(connection, POINTS)
    yield connection
    connection.close()


@pytest.fixture
def lot(tmp_path):
    (domestic,) = load_lots(write_lots(tmp_path / "lots.yaml", LOTS))
    return domestic


def test_an_offer_expiring_within_the_month_holds_the_invoice(warehouse, store, lot) -> None:
    warehouse.execute(
        "UPDATE reports.rpt_offers SET valid_to = DATE '2025-01-20' WHERE offer_id = ?",
        [f"O-{POINTS[1].supply_point_id}"],
    )
    for point in POINTS:
        set_consumption(warehouse, point, JANUARY, USAGE)

    result = bill_lot(warehouse, store, JANUARY, lot)

    assert result.rating.skipped == {"offer_not_valid_for_whole_period": 1}
    assert result.checks.held == {
        "BA01-202501": f"supply point {POINTS[1].supply_point_id} not rated:"
        " the offer is not valid for the whole period"
    }


def test_a_true_up_refund_is_issued_as_a_credit_note(warehouse, store, lot) -> None:
    """January is billed on a large estimate and issued; February reads nothing new and
    restates January at a tenth: its document refunds, a TD04 numbered in the credit notes'
    series, which takes back only January's issued lines."""
    for point in POINTS:
        set_consumption(warehouse, point, JANUARY, USAGE, provenance="estimate")
    assert bill_lot(warehouse, store, JANUARY, lot).checks.checked == ["BA01-202501"]
    january = issue_lot(warehouse, store, JANUARY, lot, date(2025, 2, 3))
    assert [(r.invoice_id, r.series, r.number) for r in january.issued] == [
        ("BA01-202501", "FT", 1)
    ]
    for point in POINTS:
        set_consumption(warehouse, point, FEBRUARY, {band: D(0) for band in USAGE})
        add_true_up(warehouse, point, FEBRUARY, JANUARY, {b: q / 10 for b, q in USAGE.items()})

    february = bill_lot(warehouse, store, FEBRUARY, lot)

    assert february.rating.kinds == {"conguaglio": 1}
    assert february.checks.checked == ["BA01-202502"]
    document_type, kind, total = warehouse.execute(
        "SELECT document_type, kind, total FROM billing.invoices WHERE invoice_id = 'BA01-202502'"
    ).fetchone()
    assert (document_type, kind) == ("TD04", "conguaglio") and total < 0
    issued = issue_lot(warehouse, store, FEBRUARY, lot, date(2025, 3, 3))
    assert [(r.invoice_id, r.series, r.number) for r in issued.issued] == [("BA01-202502", "NC", 1)]
    # the refund is January's consumption lines less their restatement at a tenth
    taken_back, restated = warehouse.execute(
        "SELECT sum(amount) FILTER (WHERE quantity < 0), sum(amount) FILTER (WHERE quantity > 0)"
        " FROM billing.invoice_lines WHERE invoice_id = 'BA01-202502' AND is_true_up"
    ).fetchone()
    january_consumption = warehouse.execute(
        "SELECT sum(amount) FROM billing.invoice_lines WHERE invoice_id = 'BA01-202501'"
        " AND component IN ('energy', 'dispatching', 'network_energy', 'system_energy',"
        " 'excise')"
    ).fetchone()[0]
    assert -taken_back == january_consumption and 0 < restated < january_consumption
