"""The operator's tool: invoices on hold listed with their reasons, released, approved and given
a due date, on a real warehouse file and store, through the workflow's rules."""

from __future__ import annotations

import pickle
import subprocess
import sys
from datetime import date
from decimal import Decimal
from pathlib import Path

import duckdb
import pytest
from invoicing_fixtures import Account, Line, add_accounts, insert_invoice, new_warehouse
from sqlalchemy import select

from energia.store import InvoiceEvent
from invoicing.checks import run_checks
from invoicing.issue import issue_invoices
from invoicing.operator import main
from invoicing.workflow import MISSING, WorkflowError, hold

ROOT = Path(__file__).resolve().parents[2]
MARCH, APRIL = date(2025, 3, 1), date(2025, 4, 1)
LINES = [Line("IT001E00000001", Decimal("1250.5"), Decimal("0.12"))]
REFUND = [Line("IT001E00000001", Decimal("-100"), Decimal("0.12"))]
ACCOUNTS = [Account("BA01"), Account("BA02"), Account("BA03", company_id="C02")]


@pytest.fixture
def files(tmp_path, store) -> tuple[Path, str]:
    """A warehouse file with March invoices, some held by the checks or an operator, and the
    store the `store` fixture migrated (its file is beside it)."""
    path = tmp_path / "warehouse.duckdb"
    connection = new_warehouse(path)
    try:
        add_accounts(connection, ACCOUNTS)
        insert_invoice(connection, "NEG", ACCOUNTS[0], MARCH, REFUND, status="draft")
        insert_invoice(connection, "ODD", ACCOUNTS[1], MARCH, LINES, status="draft")
        insert_invoice(connection, "OK", ACCOUNTS[1], APRIL, LINES, status="checked")
        insert_invoice(connection, "OTHER", ACCOUNTS[2], MARCH, LINES, status="draft")
        insert_invoice(connection, "ISSUED", ACCOUNTS[0], APRIL, LINES, status="approved")
        assert run_checks(connection, store, ["NEG"]).held
        hold(connection, store, ["ODD", "OTHER"], "total looks odd", actor="ops")
        issue_invoices(connection, store, ["ISSUED"], issue_date=date(2025, 5, 2), actor="ops")
    finally:
        connection.close()
    return path, f"sqlite:///{tmp_path / 'operational.sqlite'}"


def operator(files: tuple[Path, str], *arguments: str) -> int:
    """The tool in English unless the arguments name another language."""
    warehouse, store = files
    options = ["--warehouse", str(warehouse), "--store", store, "--actor", "anna"]
    return main([*options, "--language", "en", *arguments])


def invoice_row(files: tuple[Path, str], invoice_id: str) -> tuple:
    with duckdb.connect(str(files[0]), read_only=True) as connection:
        return connection.execute(
            "SELECT status, hold_reason, due_date FROM billing.invoices WHERE invoice_id = ?",
            [invoice_id],
        ).fetchone()


def test_holds_lists_the_companys_held_invoices_of_the_month_with_reasons(files, capsys) -> None:
    assert (
        operator(files, "--language", "it", "holds", "--company", "C01", "--month", "2025-03") == 0
    )

    out = capsys.readouterr().out.splitlines()
    assert out[0] == "C01 2025-03: fatture sospese: 2"
    neg, odd = (line.split("\t") for line in out[1:])
    assert neg[:3] == ["NEG", "BA01", "regular"]
    assert neg[4] == "-13,20\xa0€"  # -100 × 0.12 + 10% VAT, written the Italian way
    # the check's reason in the operator's language, a person's reason as they wrote it
    assert neg[5] == "totale negativo -13,20 non giustificato da un conguaglio"
    assert odd[0] == "ODD" and odd[3] == "01/03/25 - 31/03/25"
    assert odd[4] == "165,07\xa0€" and odd[5] == "total looks odd"


def test_holds_in_english_and_for_a_month_without_any(files, capsys) -> None:
    operator(files, "--language", "en", "holds", "--company", "C01", "--month", "2025-03")
    out = capsys.readouterr().out
    assert "€165.07" in out and "\tnegative total -13.20 without a credit reason\n" in out
    assert operator(files, "holds", "--company", "C02", "--month", "2025-04") == 0
    assert capsys.readouterr().out == "C02 2025-04: no invoice on hold\n"


def test_release_to_checked_or_to_draft_and_the_audit_trail(files, store, capsys) -> None:
    assert operator(files, "release", "ODD") == 0
    assert operator(files, "release", "NEG", "--to", "draft") == 0

    assert capsys.readouterr().out == "ODD: Checked\nNEG: Draft\n"
    assert invoice_row(files, "ODD")[:2] == ("checked", None)
    assert invoice_row(files, "NEG")[:2] == ("draft", None)
    with store() as session:
        moves = session.execute(
            select(InvoiceEvent.invoice_id, InvoiceEvent.to_status)
            .where(InvoiceEvent.actor == "anna")
            .order_by(InvoiceEvent.id)
        ).all()
    assert [tuple(move) for move in moves] == [("ODD", "checked"), ("NEG", "draft")]


def test_release_refuses_an_invoice_not_on_hold_and_moves_none(files, capsys) -> None:
    assert operator(files, "release", "ODD", "OK") == 1

    assert capsys.readouterr().err == "refused: invoice OK: is not on hold (it is checked)\n"
    assert invoice_row(files, "ODD")[0] == "on_hold"
    assert operator(files, "release", "NOPE") == 1
    assert capsys.readouterr().err == "refused: invoice NOPE: does not exist\n"
    assert operator(files, "--language", "it", "approve", "ODD") == 1
    assert capsys.readouterr().err == (
        "rifiutato: fattura ODD: non può passare da sospesa a approvata\n"
    )


def test_approve_only_checked_invoices(files, capsys) -> None:
    assert operator(files, "approve", "OK") == 0
    assert invoice_row(files, "OK")[0] == "approved"

    assert operator(files, "approve", "ODD") == 1
    assert "cannot go from on hold to approved" in capsys.readouterr().err
    assert invoice_row(files, "ODD")[0] == "on_hold"
    assert operator(files, "approve", "ISSUED") == 1
    assert "issued invoices never change" in capsys.readouterr().err


def test_approve_every_checked_invoice_of_a_company_and_month(files, capsys) -> None:
    assert (
        operator(files, "approve", "--all-checked", "--company", "C01", "--month", "2025-03") == 0
    )
    assert "no checked invoice to approve" in capsys.readouterr().out
    assert invoice_row(files, "OK")[0] == "checked"

    assert operator(files, "approve", "--all-checked", "--month", "2025-04") == 0
    assert capsys.readouterr().out.splitlines() == ["OK: Approved"]
    assert invoice_row(files, "OK")[0] == "approved"
    assert [invoice_row(files, i)[0] for i in ("NEG", "ODD")] == ["on_hold", "on_hold"]

    assert operator(files, "approve", "OK", "--all-checked") == 2
    assert operator(files, "approve", "OK", "--month", "2025-04") == 2


def test_due_date_before_issue_only(files, capsys) -> None:
    assert operator(files, "--language", "it", "due-date", "OK", "2025-05-31") == 0
    assert capsys.readouterr().out == "OK: scadenza 31/05/25\n"
    assert invoice_row(files, "OK") == ("checked", None, date(2025, 5, 31))

    issued_due = invoice_row(files, "ISSUED")[2]
    assert operator(files, "due-date", "ISSUED", "2025-06-30") == 1
    assert capsys.readouterr().err == "refused: invoice ISSUED: issued invoices never change\n"
    assert invoice_row(files, "ISSUED")[2] == issued_due


def test_malformed_commands_exit_2(files, tmp_path, capsys) -> None:
    with pytest.raises(SystemExit) as exit_info:
        operator(files, "due-date", "OK", "31/05/2025")
    assert exit_info.value.code == 2
    assert "not a date YYYY-MM-DD: '31/05/2025'" in capsys.readouterr().err
    with pytest.raises(SystemExit) as exit_info:
        operator(files, "holds", "--company", "C01", "--month", "March")
    assert exit_info.value.code == 2
    assert "not a month YYYY-MM: 'March'" in capsys.readouterr().err
    missing = tmp_path / "nowhere.duckdb"
    # the installation's language by default: Italian
    assert main(["--warehouse", str(missing), "approve", "OK"]) == 2
    assert capsys.readouterr().err == f"errore: nessun warehouse in {missing}\n"
    assert not missing.exists()


def test_runs_as_a_module(files) -> None:
    warehouse, store = files
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "invoicing.operator",
            "--warehouse",
            str(warehouse),
            "--store",
            store,
            "holds",
            "--company",
            "C02",
            "--month",
            "2025-03",
        ],
        capture_output=True,
        text=True,
        cwd=ROOT,
        check=False,
    )
    assert (result.returncode, result.stderr) == (0, "")
    assert result.stdout.splitlines()[1].startswith("OTHER\tBA03\t")


def test_a_refusal_reads_in_both_languages_and_survives_pickling() -> None:
    error = WorkflowError(MISSING, invoice_id="A{1}")  # braces in a value stay as they are
    again = pickle.loads(pickle.dumps(error))
    assert str(again) == str(error) == "invoice A{1}: does not exist"
    assert again.in_language("it") == "fattura A{1}: non esiste"
    assert again.in_language("en") == "invoice A{1}: does not exist"
