"""Reading invoices from the warehouse (contract §3) and their instalment plans from the store."""

from __future__ import annotations

import shutil
from datetime import UTC, date, datetime
from decimal import Decimal

import duckdb
import pytest
from sqlalchemy.orm import Session

from exports.i18n import TEMPLATES_DIR
from exports.plans import with_instalments
from exports.preview import main as preview
from exports.warehouse import InvoiceSelection, load_invoice_documents, pre_invoices


@pytest.fixture
def con(warehouse):
    connection = duckdb.connect(str(warehouse[0]), read_only=True)
    yield connection
    connection.close()


def test_documents_carry_what_the_warehouse_holds(con, warehouse):
    _, invoices = warehouse
    docs = {d.invoice_id: d for d in load_invoice_documents(con)}
    expected = {i.invoice_id: i for i in invoices if i.status == "issued"}
    assert set(docs) == set(expected)
    for invoice_id, doc in docs.items():
        invoice = expected[invoice_id]
        assert (doc.taxable, doc.vat_total, doc.total) == (
            invoice.taxable,
            invoice.vat_total,
            invoice.total,
        )
        assert [li.amount for li in doc.lines] == [li[7] for li in invoice.lines]
        assert {sp.supply_point_id for sp in doc.supply_points} == set(invoice.points)
        assert sum(v.vat for v in doc.vat) == invoice.vat_total
        assert doc.document_id == f"2025/A/{invoice.number}"
    note = docs["C01-NC-1"]
    assert note.related_number == "2025/A/0" and note.related_issue_date == date(2025, 4, 4)


def test_consumption_is_summed_over_bands_per_month(con):
    doc = next(d for d in load_invoice_documents(con) if d.invoice_id == "C01-INV-1")
    electricity = [m for m in doc.consumption if m.commodity == "ELE"]
    assert len(electricity) == 12
    (month,) = [m for m in electricity if m.month == date(2025, 3, 1)]
    bands = con.execute(
        "SELECT sum(quantity) FROM reports.rpt_monthly_consumption "
        "WHERE supply_point_id = 'IT001E00000001' AND month = DATE '2025-03-01'"
    ).fetchone()[0]
    assert month.quantity == bands and month.unit == "kWh"
    assert {r.provenance for r in doc.readings} == {"actual", "estimate"}


def test_selection_by_month_lot_and_status(con):
    assert load_invoice_documents(con, InvoiceSelection(month=date(2025, 4, 1))) == []
    march = load_invoice_documents(con, InvoiceSelection(month=date(2025, 3, 1)))
    assert len(march) == len(load_invoice_documents(con))
    con.execute("CREATE TEMP TABLE lot AS SELECT 'C01-BA2' AS billing_account_id")
    lot = load_invoice_documents(con, InvoiceSelection(accounts_table="lot"))
    assert {d.account.billing_account_id for d in lot} == {"C01-BA2"}
    simulations = load_invoice_documents(con, pre_invoices(InvoiceSelection(accounts_table="lot")))
    assert simulations == []
    assert {d.status for d in load_invoice_documents(con, pre_invoices(InvoiceSelection()))} == {
        "approved",
        "checked",
    }
    with pytest.raises(ValueError, match="^accounts_table: "):
        load_invoice_documents(con, InvoiceSelection(accounts_table="lot; DROP TABLE x"))


def test_instalment_plans_come_from_the_store(con, store):
    from energia.store.models import Base, Instalment, InstalmentPlan

    docs = load_invoice_documents(con)
    assert with_instalments(store, docs) == docs  # a store without the plan tables
    Base.metadata.create_all(store)
    doc = docs[0]
    with Session(store) as session, session.begin():
        for amounts in ([doc.total], [Decimal("10.00"), doc.total - Decimal("10.00")]):
            session.add(
                InstalmentPlan(
                    invoice_id=doc.invoice_id,
                    company_id="C01",
                    principal=doc.total,
                    annual_rate=Decimal(0),
                    created_at=datetime.now(UTC),
                    instalments=[
                        Instalment(
                            sequence=n + 1,
                            due_date=date(2025, 5 + n, 1),
                            principal=a,
                            interest=Decimal(0),
                            amount=a,
                        )
                        for n, a in enumerate(amounts)
                    ],
                )
            )
    planned = with_instalments(store, docs)
    assert [i.amount for i in planned[0].instalments] == [Decimal("10.00"), doc.total - 10]
    assert planned[0].instalments[1].due_date == date(2025, 6, 1)  # the latest plan wins
    assert all(not d.instalments for d in planned[1:])


def test_preview_writes_a_pdf(tmp_path, capsys):
    out = tmp_path / "preview.pdf"
    assert preview(["--sample", "4", "--language", "en", "--out", str(out)]) == 0
    assert out.read_bytes().startswith(b"%PDF")
    broken = tmp_path / "templates"
    broken.mkdir()
    (broken / "invoice.typ").write_text("#undefined-function()", encoding="utf-8")
    assert preview(["--templates", str(broken), "--out", str(out)]) == 1
    assert capsys.readouterr().err.startswith("labels not found: ")
    shutil.copytree(TEMPLATES_DIR / "locale", broken / "locale")
    assert preview(["--templates", str(broken), "--out", str(out)]) == 1
    assert capsys.readouterr().err.startswith("invoice.typ: ")
