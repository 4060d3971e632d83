"""The invoice PDF: opened with pypdf, it shows the number, the total and every supply point."""

from __future__ import annotations

import io
import re
import shutil
import subprocess
import zlib
from dataclasses import replace
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from exports_fixtures import normalised, pdf_text
from pypdf import PdfReader

from exports.documents import Instalment
from exports.i18n import TEMPLATES_DIR, Labels, catalogue_path
from exports.pdf import InvoiceRenderer, TemplateError, render_invoices, template_data
from exports.pdfsplit import SplitError, _packed, _unhex
from exports.samples import sample_invoice


@pytest.fixture(scope="module")
def renderer() -> InvoiceRenderer:
    return InvoiceRenderer()


def test_every_issued_pdf_shows_number_total_and_supply_points(issued, tmp_path):
    rendered = render_invoices(issued, tmp_path, workers=1)
    assert [r.invoice_id for r in rendered] == [d.invoice_id for d in issued]
    for doc, pdf in zip(issued, rendered, strict=True):
        text = pdf_text(pdf.path)
        labels = Labels(doc.customer.language)
        assert doc.document_id in text, doc.invoice_id
        assert normalised(labels.money(doc.total)) in text, doc.invoice_id
        assert doc.supply_points, doc.invoice_id
        for sp in doc.supply_points:
            assert sp.supply_point_id in text, (doc.invoice_id, sp.supply_point_id)
        for vat in doc.vat:
            assert normalised(labels.money(vat.taxable)) in text


def test_language_follows_the_customer(issued, renderer):
    by_language = {d.customer.language: d for d in issued if d.document_type == "TD01"}
    assert set(by_language) == {"it", "en"}
    italian = pdf_text(renderer.render(by_language["it"]))
    english = pdf_text(renderer.render(by_language["en"]))
    assert "Totale da pagare" in italian and "Total to pay" not in italian
    assert "Total to pay" in english and "Totale da pagare" not in english
    # money per locale: 1.234,56 € against €1,234.56
    assert normalised(Labels("it").money(by_language["it"].total)) in italian
    assert Labels("en").money(by_language["en"].total) in english


def test_estimated_readings_and_line_groups_are_shown(issued, renderer):
    doc = next(d for d in issued if any(r.is_estimated for r in d.readings))
    text = pdf_text(renderer.render(doc))
    labels = Labels(doc.customer.language)
    assert labels.coded("provenance", "estimate") in text
    assert labels.coded("provenance", "actual") in text
    for group in {line.group for line in doc.lines}:
        assert labels.coded("group", group) in text
    for reading in doc.readings:
        assert labels.number(reading.quantity, 3, trim=True) in text


def test_chart_covers_the_last_twelve_months(issued, renderer):
    doc = next(d for d in issued if d.consumption)
    months = sorted({m.month for m in doc.consumption})
    assert len(months) == 12 and months[-1] == doc.period_end.replace(day=1)
    text = pdf_text(renderer.render(doc))
    labels = Labels(doc.customer.language)
    for month in months:
        assert labels.month(month) in text
    # the year's total and its highest month, over the bars
    for commodity in {m.commodity for m in doc.consumption}:
        quantities = [m.quantity for m in doc.consumption if m.commodity == commodity]
        assert normalised(labels.number(sum(quantities, Decimal(0)))) in text
        assert normalised(labels.number(max(quantities))) in text


def test_instalments_and_credit_note_reference(issued, renderer):
    doc = next(d for d in issued if d.document_type == "TD01")
    plan = (
        Instalment(1, date(2025, 5, 10), Decimal("100.00")),
        Instalment(2, date(2025, 6, 10), doc.total - Decimal("100.00")),
    )
    text = pdf_text(renderer.render(replace(doc, instalments=plan)))
    labels = Labels(doc.customer.language)
    assert labels("Instalment plan") in text
    for instalment in plan:
        assert (
            f"{labels.date(instalment.due_date)} {normalised(labels.money(instalment.amount))}"
            in text
        )

    note = next(d for d in issued if d.document_type == "TD04")
    text = pdf_text(renderer.render(note))
    labels = Labels(note.customer.language)
    assert labels("Credit note") in text
    assert note.related_number in text


def test_pre_invoice_is_marked_not_valid(warehouse, renderer):
    import duckdb

    from exports.warehouse import InvoiceSelection, load_invoice_documents, pre_invoices

    con = duckdb.connect(str(warehouse[0]), read_only=True)
    try:
        drafts = load_invoice_documents(con, pre_invoices(InvoiceSelection()))
    finally:
        con.close()
    assert drafts and all(d.number is None for d in drafts)
    text = pdf_text(renderer.render(drafts[0]))
    assert Labels("it")("Pre-invoice – not valid for tax purposes").upper() in text


def test_a_new_block_is_a_template_change_only(issued, tmp_path):
    """PR4: a block showing data the template did not show, plus its label: no code changes."""
    templates = tmp_path / "templates"
    shutil.copytree(TEMPLATES_DIR, templates)
    template = templates / "invoice.typ"
    # the new block goes inside the invoice's layout, before the notices
    notices = "// ---------------------------------------------------------------- notices\n"
    layout = template.read_text(encoding="utf-8")
    assert layout.count(notices) == 1
    template.write_text(
        layout.replace(
            notices,
            '#heading-bar(t("Your distributors"))\n'
            + "#for p in data.supply_points [#p.id: #p.dso #linebreak()]\n"
            + notices,
        ),
        encoding="utf-8",
    )
    with catalogue_path("it", templates).open("a", encoding="utf-8") as po:
        po.write('\nmsgid "Your distributors"\nmsgstr "I tuoi distributori"\n')
    doc = next(d for d in issued if d.customer.language == "it")
    text = pdf_text(InvoiceRenderer(templates).render(doc))
    assert "I tuoi distributori" in text
    for sp in doc.supply_points:
        assert f"{sp.supply_point_id}: {sp.dso_code}" in text


def test_template_errors_name_the_template(tmp_path):
    (tmp_path / "invoice.typ").write_text("#let x = (\n", encoding="utf-8")
    shutil.copytree(TEMPLATES_DIR / "locale", tmp_path / "locale")
    with pytest.raises(TemplateError, match=r"^invoice\.typ: "):
        InvoiceRenderer(tmp_path).render(sample_invoice(1))


def test_a_run_is_cut_into_standalone_pdfs_of_their_own_pages(renderer):
    """Invoices laid out together come out as one valid PDF each, holding only its own pages."""
    docs = [sample_invoice(n, language="en" if n % 3 == 0 else "it") for n in range(7)]
    docs[2] = replace(
        docs[2],
        instalments=(
            Instalment(1, date(2025, 5, 10), Decimal("1.00")),
            Instalment(2, date(2025, 6, 10), docs[2].total - Decimal("1.00")),
        ),
    )
    pdfs = renderer.render_many(docs)
    assert len(pdfs) == len(docs)
    for doc, pdf in zip(docs, pdfs, strict=True):
        reader = PdfReader(io.BytesIO(pdf), strict=True)
        text = "\n".join(page.extract_text() for page in reader.pages)
        assert doc.document_id in text
        others = [d.document_id for d in docs if d is not doc]
        assert not [number for number in others if number in text], doc.document_id
        labels = Labels(doc.customer.language)
        assert reader.metadata.title == f"{labels('Invoice')} {doc.document_id}"
        assert reader.trailer["/Root"]["/Lang"] == doc.customer.language
        # the same pages as the invoice laid out alone
        alone = PdfReader(io.BytesIO(renderer.render(doc)))
        assert [p.extract_text() for p in reader.pages] == [p.extract_text() for p in alone.pages]


def test_the_cut_compresses_every_stream_and_poppler_reads_it_cleanly(renderer, tmp_path):
    """Typst writes its plain output; the cut deflates contents and un-hexes fonts itself."""
    docs = [sample_invoice(n) for n in range(3)]
    for doc, pdf in zip(docs, renderer.render_many(docs), strict=True):
        streams = re.findall(rb"<<(.*?)>>\s*stream\n", pdf, re.S)
        assert streams
        assert all(re.search(rb"/Filter\s*/FlateDecode", d) for d in streams)
        assert b"ASCIIHex" not in pdf
        reader = PdfReader(io.BytesIO(pdf), strict=True)
        for page in reader.pages:
            assert b" Tf" in page.get_contents().get_data()  # inflates to text operators
        path = tmp_path / f"{doc.invoice_id}.pdf"
        path.write_bytes(pdf)
        read = subprocess.run(
            ["pdftotext", "-enc", "UTF-8", str(path), "-"], capture_output=True, check=True
        )
        assert read.stderr == b""
        assert doc.document_id in read.stdout.decode()


def test_the_cut_refuses_streams_it_cannot_read_and_decodes_hex_to_the_letter():
    assert _unhex(b"4 1\n42>ignored") == b"AB"  # whitespace skipped, `>` ends the data
    assert _unhex(b"414") == b"A@"  # an odd last digit is followed by 0
    with pytest.raises(SplitError):
        _unhex(b"4g")
    with pytest.raises(SplitError, match="direct /Length"):
        _packed(b"<</Length 12 0 R>>\nstream\nabc\nendstream")
    with pytest.raises(SplitError, match="does not end at endstream"):
        _packed(b"<</Length 2>>\nstream\nabc\nendstream")
    packed = _packed(b"<</Length 3>>\nstream\nabc\nendstream")
    head, data = packed.split(b"stream\n", 1)
    assert b"/FlateDecode" in head and zlib.decompress(data.removesuffix(b"\nendstream")) == b"abc"


def test_template_data_is_plain_json_with_formatted_money():
    data = template_data(sample_invoice(3, language="en"))
    assert data["lang"] == "en"
    assert data["document"]["total"].startswith("€")
    assert all(isinstance(b["share"], float) for c in data["charts"] for b in c["bars"])


@pytest.mark.slow
def test_the_pool_renders_what_one_process_renders(tmp_path):
    docs = [sample_invoice(n) for n in range(140)]
    pooled = render_invoices(docs, tmp_path / "pool", workers=2)
    assert [p.invoice_id for p in pooled] == [d.invoice_id for d in docs]
    single = InvoiceRenderer()
    for doc, pdf in list(zip(docs, pooled, strict=True))[::35]:
        assert pdf_text(pdf.path) == pdf_text(single.render(doc))
        assert Path(pdf.path).stat().st_size == pdf.size_bytes


def test_the_summary_adds_up_to_the_total(issued):
    for doc in issued:
        by_group = {
            g: sum((li.amount for li in doc.lines if li.group == g), Decimal(0))
            for g in ("energy", "network", "system", "excise", "other")
        }
        expected = [
            by_group["energy"],
            by_group["network"],
            by_group["system"],
            by_group["excise"] + doc.vat_total,
            by_group["other"],
        ]
        assert sum(expected) == doc.total, doc.invoice_id
        labels = Labels(doc.customer.language)
        summary = template_data(doc)["summary"]
        assert [row["amount"] for row in summary] == [labels.money(x) for x in expected]
