"""Credit notes: a TD04 draft that reverses an issued invoice exactly, and the refusals."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from decimal import Decimal

import duckdb
import pytest
from rating_fixtures import (
    Determinant,
    PointSpec,
    insert_determinants,
    insert_points,
    new_warehouse,
)

from rating.credit_notes import credit_note
from rating.engine import rate_month

MARCH = date(2025, 3, 1)
INVOICE = "BA01-202503"


@pytest.fixture
def warehouse() -> Iterator[duckdb.DuckDBPyConnection]:
    connection = new_warehouse()
    points = [
        PointSpec("IT001E00000001", "BA01", price_single=Decimal("0.1254")),
        PointSpec(
            "00000000000002",
            "BA01",
            commodity="GAS",
            voltage=None,
            power_kw=None,
            meter_type="register",
            price_single=Decimal("0.652"),
        ),
    ]
    insert_points(connection, points)
    insert_determinants(connection, points[0], [Determinant(MARCH, "F1", Decimal("321.5"))])
    insert_determinants(connection, points[1], [Determinant(MARCH, "ALL", Decimal("190"))])
    rate_month(connection, MARCH)
    connection.execute("UPDATE billing.invoices SET status = 'issued', number = 7")
    yield connection
    connection.close()


def test_a_credit_note_reverses_every_line(warehouse: duckdb.DuckDBPyConnection) -> None:
    note = credit_note(warehouse, INVOICE, "wrong meter reading", correction_case_id="CASE-9")

    lines = warehouse.execute(
        "SELECT line_no, supply_point_id, component, band, tier, quantity, unit_price, amount,"
        ' vat_rate, "group" FROM billing.invoice_lines WHERE invoice_id = ? ORDER BY line_no',
        [INVOICE],
    ).fetchall()
    reversed_lines = warehouse.execute(
        "SELECT line_no, supply_point_id, component, band, tier, -quantity, unit_price, -amount,"
        ' vat_rate, "group" FROM billing.invoice_lines WHERE invoice_id = ? ORDER BY line_no',
        [note],
    ).fetchall()
    assert reversed_lines == lines
    vat = warehouse.execute(
        "SELECT invoice_id, vat_rate, taxable, vat FROM billing.invoice_vat ORDER BY vat_rate,"
        " invoice_id"
    ).fetchall()
    assert [(rate, -base, -tax) for _, rate, base, tax in vat[1::2]] == [
        (rate, base, tax) for _, rate, base, tax in vat[0::2]
    ]
    invoice, credit = warehouse.execute(
        "SELECT document_type, kind, status, taxable, vat_total, total, related_invoice_id,"
        " correction_case_id, reason, number, period_start FROM billing.invoices"
        " ORDER BY document_type"
    ).fetchall()
    assert credit[:3] == ("TD04", "credit_note", "draft")
    assert credit[3:6] == tuple(-value for value in invoice[3:6])
    assert credit[6:10] == (INVOICE, "CASE-9", "wrong meter reading", None)
    assert credit[10] == invoice[10]


def test_a_credit_note_leaves_the_month_invoiced(warehouse: duckdb.DuckDBPyConnection) -> None:
    credit_note(warehouse, INVOICE, "complaint")
    assert rate_month(warehouse, MARCH).skipped == {"period_already_invoiced": 2}
    assert warehouse.execute("SELECT count(*) FROM billing.invoices").fetchone()[0] == 2


@pytest.mark.parametrize(
    ("invoice_id", "reason", "setup", "message"),
    [
        ("NOPE", "x", None, "invoice_id: no invoice 'NOPE'"),
        (INVOICE, " ", None, "reason: a credit note needs a reason"),
        (INVOICE, "x", "UPDATE billing.invoices SET status = 'draft'", "is a draft"),
        (INVOICE + "-NC", "x", "credit", "is a credit note itself"),
        (INVOICE, "x", "credit", "is already credited by 'BA01-202503-NC'"),
    ],
)
def test_what_cannot_be_credited(
    warehouse: duckdb.DuckDBPyConnection,
    invoice_id: str,
    reason: str,
    setup: str | None,
    message: str,
) -> None:
    if setup == "credit":
        credit_note(warehouse, INVOICE, "first")
    elif setup:
        warehouse.execute(setup)
    with pytest.raises(ValueError, match=message):
        credit_note(warehouse, invoice_id, reason)
