"""The print-and-mail batch: its manifest matches its PDFs, its checksums match its files."""

from __future__ import annotations

import csv
import hashlib
import io
import zipfile
from dataclasses import replace

import pytest
from pypdf import PdfReader

from exports.attachments import add_attachment, with_attachments
from exports.delivery import OutputPaths, email_route, outbound_history, post_invoices, write_pdfs
from exports.postal import (
    CHECKSUMS,
    MANIFEST,
    MANIFEST_COLUMNS,
    Letter,
    PostalError,
    build_postal_batch,
)


@pytest.fixture
def posted(issued, store, tmp_path):
    paths = OutputPaths(tmp_path / "out")
    pdfs = write_pdfs(issued, paths, workers=1)
    return paths, pdfs


def read_manifest(archive: zipfile.ZipFile) -> list[dict[str, str]]:
    text = archive.read(MANIFEST).decode("utf-8")
    return list(csv.DictReader(io.StringIO(text), delimiter=";"))


def test_batch_manifest_matches_its_pdfs(issued, store, posted):
    paths, pdfs = posted
    run = post_invoices(store, issued, pdfs, paths, "2025-03")
    on_paper = [d for d in issued if email_route(d) is None]
    assert on_paper and not run.rejected
    (batch,) = run.batches
    assert sorted(batch.letters) == sorted(d.invoice_id for d in on_paper)

    with zipfile.ZipFile(batch.zip_path) as archive:
        rows = read_manifest(archive)
        assert tuple(rows[0]) == MANIFEST_COLUMNS
        assert len(rows) == len(on_paper)
        by_id = {d.invoice_id: d for d in on_paper}
        for row in rows:
            doc = by_id[row["document_id"]]
            content = archive.read(row["file"])
            assert content == pdfs[doc.invoice_id].read_bytes()
            assert int(row["pages"]) == len(PdfReader(io.BytesIO(content)).pages)
            address = doc.account.address
            assert (
                row["recipient"],
                row["address"],
                row["postcode"],
                row["city"],
                row["province"],
            ) == (
                doc.customer.name,
                address.street,
                address.postcode,
                address.city,
                address.province,
            )
        assert batch.pages == sum(int(r["pages"]) for r in rows)
        sums = dict(
            reversed(line.split("  ", 1)) for line in archive.read(CHECKSUMS).decode().splitlines()
        )
        assert set(sums) == {MANIFEST, *(r["file"] for r in rows)}
        for name, digest in sums.items():
            assert hashlib.sha256(archive.read(name)).hexdigest() == digest
    digest, name = batch.checksum_path.read_text().split()
    assert name == batch.zip_path.name
    assert digest == hashlib.sha256(batch.zip_path.read_bytes()).hexdigest() == batch.sha256

    for doc in on_paper:
        (record,) = outbound_history(store, doc.customer.customer_id)
        assert record["channel"] == "post" and record["batch_id"] == batch.batch_id

    again = post_invoices(store, issued, pdfs, paths, "2025-03")
    assert again.batches == () and again.rejected == ()  # each letter is posted once


def test_enclosures_are_printed_after_the_invoice(issued, store, posted, tmp_path):
    paths, pdfs = posted
    doc = next(d for d in issued if d.account.delivery == "post")
    leaflet = tmp_path / "leaflet.pdf"
    leaflet.write_bytes(next(iter(pdfs.values())).read_bytes())
    add_attachment(
        store,
        tmp_path / "files",
        company_id="C01",
        scope="invoice",
        target_id=doc.invoice_id,
        title="Leaflet",
        source=leaflet,
    )
    docs = with_attachments(store, issued)
    (batch,) = post_invoices(store, docs, pdfs, paths, "2025-03").batches
    with zipfile.ZipFile(batch.zip_path) as archive:
        row = next(r for r in read_manifest(archive) if r["document_id"] == doc.invoice_id)
    invoice_pages = len(PdfReader(pdfs[doc.invoice_id]).pages)
    leaflet_pages = len(PdfReader(leaflet).pages)
    assert int(row["pages"]) == invoice_pages + leaflet_pages
    kinds = {h["document_kind"] for h in outbound_history(store, doc.customer.customer_id)}
    assert kinds == {"invoice_pdf", "attachment"}


def test_a_letter_without_a_valid_address_is_rejected_not_lost(issued, store, posted):
    paths, pdfs = posted
    doc = next(d for d in issued if d.account.delivery == "post")
    broken = replace(
        doc, account=replace(doc.account, address=replace(doc.account.address, province="Roma"))
    )
    run = post_invoices(store, [broken], pdfs, paths, "2025-03")
    assert run.batches == ()
    assert run.rejected == (f"{doc.invoice_id}: province 'Roma' is not 2 capital letters",)


def test_batch_needs_letters_and_a_safe_name(tmp_path):
    with pytest.raises(PostalError, match="at least one letter"):
        build_postal_batch([], tmp_path, "B1")
    letter = Letter("X", "Rossi", "Via Po 1", "10121", "Torino", "TO", tmp_path / "x.pdf")
    with pytest.raises(PostalError, match="^batch_id: "):
        build_postal_batch([letter], tmp_path, "../escape")
