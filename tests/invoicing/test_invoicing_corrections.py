"""Corrections refuse what they cannot do, naming the case or invoice, and leave no trace."""

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
    load_reference_seeds,
    new_warehouse,
)

from invoicing.corrections import SANDBOX, CorrectionError, correct_invoice, open_case
from invoicing.issue import issue_invoices

MARCH = date(2025, 3, 1)
ACCOUNT = Account("BA01")


@pytest.fixture
def warehouse() -> duckdb.DuckDBPyConnection:
    connection = new_warehouse()
    load_reference_seeds(connection)
    add_accounts(connection, [ACCOUNT, Account("BA02")])
    insert_invoice(connection, "I1", ACCOUNT, MARCH, [Line("POD1", Decimal(100), Decimal("0.2"))])
    insert_invoice(connection, "I2", ACCOUNT, MARCH, [Line("POD2", Decimal(10), Decimal("0.2"))])
    yield connection
    connection.close()


def test_a_correction_needs_a_case_of_the_customer_and_an_issued_invoice(warehouse, store) -> None:
    issue_invoices(warehouse, store, ["I1"], issue_date=date(2025, 4, 2))
    mine = open_case(store, "C01", ACCOUNT.customer_id, "complaint", "too high")
    theirs = open_case(store, "C01", "CU-BA02", "complaint", "too high")
    before = warehouse.execute("SELECT count(*) FROM billing.invoices").fetchone()
    with pytest.raises(CorrectionError, match="case 999: does not exist"):
        correct_invoice(warehouse, store, 999, "I1")
    with pytest.raises(CorrectionError, match="invoice nope: does not exist"):
        correct_invoice(warehouse, store, mine, "nope")
    with pytest.raises(CorrectionError, match="I2: only an issued invoice can be corrected"):
        correct_invoice(warehouse, store, mine, "I2")
    with pytest.raises(CorrectionError, match=f"case {theirs}: is about customer CU-BA02"):
        correct_invoice(warehouse, store, theirs, "I1")
    # nothing to rate for the account: no new invoice, so no credit note either
    with pytest.raises(CorrectionError, match="I1: rating the period again gave 0 invoices"):
        correct_invoice(warehouse, store, mine, "I1")
    assert warehouse.execute("SELECT count(*) FROM billing.invoices").fetchone() == before
    databases = {
        name
        for (name,) in warehouse.execute("SELECT database_name FROM duckdb_databases()").fetchall()
    }
    assert SANDBOX not in databases
