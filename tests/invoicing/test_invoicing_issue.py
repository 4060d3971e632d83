"""Issuing: gap-free numbers (also under a race), no supply point day billed twice, due dates,
resuming an interrupted run, and the audit that proves issued invoices unchanged."""

from __future__ import annotations

import multiprocessing
import threading
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

import duckdb
import pytest
from invoicing_fixtures import (
    Account,
    Line,
    add_accounts,
    insert_invoice,
    new_warehouse,
    open_store,
    status_of,
)
from sqlalchemy import text

from invoicing.issue import audit_issued, issue_invoices
from invoicing.numbering import NumberingError, NumberRequest, reservations, reserve_numbers
from invoicing.reasons import shown
from invoicing.workflow import set_due_date

MARCH, APRIL = date(2025, 3, 1), date(2025, 4, 1)
ISSUE_DAY = date(2025, 4, 2)
POD = "IT001E00000001"
ACCOUNTS = [Account(f"BA{n:02d}") for n in range(1, 7)]


def lines(point: str = POD, quantity: str = "250.5") -> list[Line]:
    return [Line(point, Decimal(quantity), Decimal("0.12"))]


@pytest.fixture
def warehouse() -> duckdb.DuckDBPyConnection:
    connection = new_warehouse()
    add_accounts(connection, [*ACCOUNTS, Account("OTHER", company_id="C02")])
    yield connection
    connection.close()


def numbers(connection: duckdb.DuckDBPyConnection) -> list[tuple]:
    return connection.execute(
        "SELECT company_id, series, year(issue_date), number, invoice_id FROM billing.invoices"
        " WHERE status = 'issued' ORDER BY ALL"
    ).fetchall()


def assert_gap_free(rows: list[tuple]) -> None:
    """Per company, series and year the numbers are exactly 1..n."""
    by_counter: dict[tuple, list[int]] = {}
    for company, series, year, number, _invoice in rows:
        by_counter.setdefault((company, series, year), []).append(number)
    for key, found in by_counter.items():
        assert sorted(found) == list(range(1, len(found) + 1)), key


def test_numbers_are_progressive_per_company_series_and_year(warehouse, store) -> None:
    for n, account in enumerate(ACCOUNTS[:3]):
        insert_invoice(warehouse, f"I{n}", account, MARCH, lines(f"POD{n}"))
    insert_invoice(warehouse, "X1", Account("OTHER", company_id="C02"), MARCH, lines("PODX"))
    first = issue_invoices(warehouse, store, ["I0", "I1", "X1"], issue_date=ISSUE_DAY)
    assert [(r.invoice_id, r.series, r.number) for r in first.issued] == [
        ("I0", "FT", 1),
        ("I1", "FT", 2),
        ("X1", "FT", 1),
    ]
    issue_invoices(warehouse, store, ["I2"], issue_date=ISSUE_DAY + timedelta(days=1))
    insert_invoice(warehouse, "I3", ACCOUNTS[3], APRIL, lines("POD3"))
    next_year = issue_invoices(warehouse, store, ["I3"], issue_date=date(2026, 1, 5))
    assert [(r.year, r.number) for r in next_year.issued] == [(2026, 1)]
    assert_gap_free(numbers(warehouse))
    assert status_of(warehouse, "I2") == ("issued", None, "FT", 3)


def test_an_issue_date_before_the_series_last_one_is_refused(warehouse, store) -> None:
    insert_invoice(warehouse, "I1", ACCOUNTS[0], MARCH, lines("POD1"))
    insert_invoice(warehouse, "I2", ACCOUNTS[1], MARCH, lines("POD2"))
    issue_invoices(warehouse, store, ["I1"], issue_date=ISSUE_DAY)
    with pytest.raises(NumberingError, match="I2: issue date 2025-04-01 is before 2025-04-02"):
        issue_invoices(warehouse, store, ["I2"], issue_date=ISSUE_DAY - timedelta(days=1))
    assert status_of(warehouse, "I2")[0] == "approved"
    assert [r.invoice_id for r in reservations(store)] == ["I1"]


def test_a_supply_point_day_is_never_on_two_issued_invoices(warehouse, store) -> None:
    insert_invoice(warehouse, "I1", ACCOUNTS[0], MARCH, lines())
    insert_invoice(warehouse, "I2", ACCOUNTS[1], MARCH, lines())  # same point and month
    insert_invoice(warehouse, "I3", ACCOUNTS[2], MARCH, lines("POD3"))
    result = issue_invoices(warehouse, store, ["I1", "I2", "I3"], issue_date=ISSUE_DAY)
    assert [r.invoice_id for r in result.issued] == ["I1", "I3"]
    assert result.held == {
        "I2": f"supply point {POD}: days 01/03/2025 to 31/03/2025 are already on issued invoice I1"
    }
    status, stored = status_of(warehouse, "I2")[:2]
    assert status == "on_hold" and shown(stored, "en") == result.held["I2"]
    assert shown(stored, "it") == (
        f"punto di fornitura {POD}: i giorni dal 01/03/25 al 31/03/25 sono già sulla fattura"
        " emessa I1"
    )
    # a true-up restates days billed before as estimates: it does not bill them again
    insert_invoice(
        warehouse,
        "I4",
        ACCOUNTS[0],
        APRIL,
        [*lines(), Line(POD, Decimal(10), Decimal(1), is_true_up=True)],
    )
    insert_invoice(
        warehouse, "T1", ACCOUNTS[0], MARCH, [Line(POD, Decimal(5), Decimal(1), is_true_up=True)]
    )
    assert len(issue_invoices(warehouse, store, ["I4", "T1"], issue_date=ISSUE_DAY).issued) == 2
    assert_gap_free(numbers(warehouse))


def test_a_credit_note_releases_the_days_it_cancels(warehouse, store) -> None:
    total = insert_invoice(warehouse, "I1", ACCOUNTS[0], MARCH, lines())
    issue_invoices(warehouse, store, ["I1"], issue_date=ISSUE_DAY)
    insert_invoice(warehouse, "R1", ACCOUNTS[0], MARCH, lines(quantity="200"))
    assert issue_invoices(warehouse, store, ["R1"], issue_date=ISSUE_DAY).held
    warehouse.execute("UPDATE billing.invoices SET status = 'approved' WHERE invoice_id = 'R1'")
    credit = [Line(POD, Decimal("-250.5"), Decimal("0.12"))]
    insert_invoice(
        warehouse,
        "N1",
        ACCOUNTS[0],
        MARCH,
        credit,
        document_type="TD04",
        kind="credit_note",
        related_invoice_id="I1",
    )
    insert_invoice(
        warehouse,
        "N2",
        ACCOUNTS[0],
        MARCH,
        credit,
        document_type="TD04",
        kind="credit_note",
        related_invoice_id="I1",
    )
    assert (
        -warehouse.execute("SELECT total FROM billing.invoices WHERE invoice_id = 'N1'").fetchone()[
            0
        ]
        == total
    )
    # the credit note goes first, whatever the order asked
    result = issue_invoices(warehouse, store, ["R1", "N1", "N2"], issue_date=ISSUE_DAY)
    assert [(r.invoice_id, r.series, r.number) for r in result.issued] == [
        ("R1", "FT", 2),
        ("N1", "NC", 1),
    ]
    assert result.held == {"N2": "invoice I1 is already cancelled by a credit note"}
    assert status_of(warehouse, "N1")[0] == "issued"
    assert warehouse.execute(
        "SELECT due_date FROM billing.invoices WHERE invoice_id = 'N1'"
    ).fetchone() == (None,)


def test_due_dates_come_from_the_contract_unless_set_per_invoice(warehouse, store) -> None:
    no_terms = Account("BA99", payment_days=None)
    add_accounts(warehouse, [no_terms])
    insert_invoice(warehouse, "I1", ACCOUNTS[0], MARCH, lines("POD1"))
    insert_invoice(warehouse, "I2", ACCOUNTS[1], MARCH, lines("POD2"))
    insert_invoice(warehouse, "I3", ACCOUNTS[2], MARCH, lines("POD3"))
    insert_invoice(warehouse, "I4", no_terms, MARCH, lines("POD4"))
    set_due_date(warehouse, store, "I2", date(2025, 6, 30), actor="ops")
    set_due_date(warehouse, store, "I3", date(2025, 4, 1), actor="ops")
    result = issue_invoices(warehouse, store, ["I1", "I2", "I3", "I4"], issue_date=ISSUE_DAY)
    due = dict(warehouse.execute("SELECT invoice_id, due_date FROM billing.invoices").fetchall())
    assert due["I1"] == ISSUE_DAY + timedelta(days=ACCOUNTS[0].payment_days)
    assert due["I2"] == date(2025, 6, 30)
    assert result.held == {
        "I3": "due date 01/04/2025 is before the issue date 02/04/2025",
        "I4": "due date: billing account BA99 has no payment days",
    }


def test_an_interrupted_issue_resumes_with_the_same_numbers(warehouse, store) -> None:
    for n in range(3):
        insert_invoice(warehouse, f"I{n}", ACCOUNTS[n], MARCH, lines(f"POD{n}"))
    # the run reserved numbers for I0 and I1, then stopped before writing the warehouse
    reserve_numbers(
        store,
        [NumberRequest(f"I{n}", "C01", "FT", ISSUE_DAY, None) for n in range(2)],
    )
    assert set(audit_issued(warehouse, store)) == {"I0", "I1"}
    result = issue_invoices(
        warehouse, store, ["I2", "I1", "I0"], issue_date=ISSUE_DAY + timedelta(days=1)
    )
    assert {r.invoice_id: r.number for r in result.issued} == {"I0": 1, "I1": 2, "I2": 3}
    # the resumed ones keep the day they were numbered on
    issue_days = dict(
        warehouse.execute("SELECT invoice_id, issue_date FROM billing.invoices").fetchall()
    )
    assert issue_days == {"I0": ISSUE_DAY, "I1": ISSUE_DAY, "I2": ISSUE_DAY + timedelta(days=1)}
    assert_gap_free(numbers(warehouse))
    assert audit_issued(warehouse, store) == {}


def test_a_run_stopped_after_writing_the_warehouse_is_finished_by_the_next(
    warehouse, store
) -> None:
    insert_invoice(warehouse, "I1", ACCOUNTS[0], MARCH, lines())
    issue_invoices(warehouse, store, ["I1"], issue_date=ISSUE_DAY)
    # as if the run had stopped before recording in the store that the warehouse holds it
    with store.begin() as session:
        session.execute(
            text("UPDATE number_reservations SET written_at = NULL, fingerprint = NULL")
        )
    assert audit_issued(warehouse, store) == {}
    assert not reservations(store)[0].written
    again = issue_invoices(warehouse, store, ["I1"], issue_date=ISSUE_DAY + timedelta(days=1))
    assert (again.issued, again.already_issued) == ([], ["I1"])
    assert reservations(store)[0].written
    assert status_of(warehouse, "I1") == ("issued", None, "FT", 1)


def test_the_audit_finds_an_issued_invoice_changed_behind_the_workflow(warehouse, store) -> None:
    insert_invoice(warehouse, "I1", ACCOUNTS[0], MARCH, lines())
    insert_invoice(warehouse, "I2", ACCOUNTS[1], MARCH, lines("POD2"))
    issue_invoices(warehouse, store, ["I1", "I2"], issue_date=ISSUE_DAY)
    assert audit_issued(warehouse, store) == {}
    warehouse.execute(
        "UPDATE billing.invoice_lines SET amount = amount + 1 WHERE invoice_id = 'I1'"
    )
    warehouse.execute("UPDATE billing.invoices SET status = 'approved' WHERE invoice_id = 'I2'")
    assert audit_issued(warehouse, store) == {
        "I1": "changed after issue",
        "I2": "issued, but no longer in the warehouse as issued",
    }


def test_two_issue_runs_racing_in_threads_share_one_gap_free_sequence(tmp_path, store) -> None:
    path = tmp_path / "warehouse.duckdb"
    setup = new_warehouse(path)
    accounts = [Account(f"RACE{n:03d}") for n in range(24)]
    add_accounts(setup, accounts)
    for n, account in enumerate(accounts):
        insert_invoice(setup, f"R{n:03d}", account, MARCH, lines(f"POD{n:03d}"))
    setup.close()
    warehouse = duckdb.connect(str(path))
    batches = [[f"R{n:03d}" for n in range(24) if n % 2 == side] for side in (0, 1)]
    start = threading.Barrier(2)
    results, errors = {}, []

    def issue(side: int) -> None:
        cursor = warehouse.cursor()  # each thread its own connection to the warehouse
        try:
            start.wait()
            for chunk in range(0, 12, 3):
                ids = batches[side][chunk : chunk + 3]
                results.setdefault(side, []).extend(
                    issue_invoices(cursor, store, ids, issue_date=ISSUE_DAY).issued
                )
        except Exception as error:  # surfaced by the assertion below
            errors.append(error)
        finally:
            cursor.close()

    threads = [threading.Thread(target=issue, args=(side,)) for side in (0, 1)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors, errors
    given = sorted(r.number for side in results.values() for r in side)
    assert given == list(range(1, 25))
    rows = numbers(warehouse)
    assert len(rows) == 24
    assert_gap_free(rows)
    assert audit_issued(warehouse, store) == {}
    warehouse.close()


def _reserve_in_process(store_path: str, side: int, count: int, start) -> list[int]:
    sessions = open_store(Path(store_path))
    start.wait()
    got = []
    for n in range(count):
        (reservation,) = reserve_numbers(
            sessions, [NumberRequest(f"P{side}-{n}", "C01", "FT", ISSUE_DAY, None)]
        )
        got.append(reservation.number)
    sessions.kw["bind"].dispose()
    return got


@pytest.mark.slow
def test_processes_reserving_at_once_never_share_or_skip_a_number(tmp_path, store) -> None:
    store_path = str(store.kw["bind"].url.database)
    context = multiprocessing.get_context("spawn")
    with context.Manager() as manager:
        start = manager.Barrier(3)
        with context.Pool(3) as pool:
            pending = [
                pool.apply_async(_reserve_in_process, (store_path, side, 25, start))
                for side in range(3)
            ]
            got = [p.get(timeout=120) for p in pending]
    assert all(numbers == sorted(numbers) for numbers in got)
    assert sorted(n for numbers in got for n in numbers) == list(range(1, 76))
    assert [r.number for r in reservations(store)] == list(range(1, 76))
