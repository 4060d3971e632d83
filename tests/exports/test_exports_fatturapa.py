"""FatturaPA XML: valid against the official XSD (offline), with the right recipient channel."""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal

import pytest
from lxml import etree

from exports.fatturapa import (
    NO_CODE,
    FatturaPAError,
    build_fatturapa,
    progressive_code,
    validation_errors,
)
from exports.samples import sample_invoice

NS = {"p": "http://ivaservizi.agenziaentrate.gov.it/docs/xsd/fatture/v1.2"}


def parsed(xml: bytes) -> etree._Element:
    return etree.fromstring(xml)


def text(root: etree._Element, path: str) -> str | None:
    found = root.find(path, NS)
    return None if found is None else found.text


def test_every_issued_document_validates(issued, schema_dir):
    assert {d.document_type for d in issued} == {"TD01", "TD04"}
    for n, doc in enumerate(issued, start=1):
        fattura = build_fatturapa(doc, n)
        assert validation_errors(fattura.xml, schema_dir) == [], doc.invoice_id
        root = parsed(fattura.xml)
        assert root.get("versione") == "FPR12"
        assert text(root, ".//DatiGeneraliDocumento/TipoDocumento") == doc.document_type
        assert text(root, ".//DatiGeneraliDocumento/Numero") == doc.document_id
        assert Decimal(text(root, ".//ImportoTotaleDocumento")) == doc.total
        assert fattura.file_name == f"IT{doc.seller.vat_number}_{progressive_code(n)}.xml"


def test_lines_and_vat_summary_match_the_invoice(issued):
    doc = next(d for d in issued if len(d.vat) > 1)
    root = parsed(build_fatturapa(doc, 1).xml)
    lines = root.findall(".//DettaglioLinee")
    assert len(lines) == len(doc.lines)
    for element, line in zip(lines, doc.lines, strict=True):
        assert Decimal(element.findtext("PrezzoTotale")) == line.amount
        assert element.findtext("AliquotaIVA") == f"{line.vat_rate * 100:.2f}"
        quantity = element.findtext("Quantita")
        assert quantity is None or abs(
            Decimal(quantity) * Decimal(element.findtext("PrezzoUnitario")) - line.amount
        ) <= Decimal("0.01")
    summaries = {
        e.findtext("AliquotaIVA"): (
            Decimal(e.findtext("ImponibileImporto")),
            Decimal(e.findtext("Imposta")),
        )
        for e in root.findall(".//DatiRiepilogo")
    }
    assert summaries == {f"{v.vat_rate * 100:.2f}": (v.taxable, v.vat) for v in doc.vat}
    assert "0.00" in summaries  # the TV licence: out of VAT's scope, with its nature
    assert root.find(".//DatiRiepilogo[AliquotaIVA='0.00']/Natura") is not None


def test_recipient_code_pec_or_zeros(issued):
    by_account = {d.account.billing_account_id: d for d in issued}
    consumer = parsed(build_fatturapa(by_account["C01-BA1"], 1).xml)
    assert text(consumer, ".//CodiceDestinatario") == NO_CODE
    assert consumer.find(".//PECDestinatario") is None
    assert text(consumer, ".//CessionarioCommittente//CodiceFiscale") == "BNCMRA80A41L219X"
    assert text(consumer, ".//CessionarioCommittente//Nome") == "Maria"

    with_code = parsed(build_fatturapa(by_account["C01-BA5"], 2).xml)
    assert text(with_code, ".//CodiceDestinatario") == "XYZ9876"
    assert text(with_code, ".//CessionarioCommittente/DatiAnagrafici/IdFiscaleIVA/IdCodice") == (
        by_account["C01-BA5"].customer.vat_number
    )

    with_pec = parsed(build_fatturapa(by_account["C01-BA3"], 3).xml)
    assert text(with_pec, ".//CodiceDestinatario") == NO_CODE
    assert text(with_pec, ".//PECDestinatario") == "ferri@pec.example.it"


def test_credit_note_names_the_invoice_it_cancels(issued, schema_dir):
    note = next(d for d in issued if d.document_type == "TD04")
    root = parsed(build_fatturapa(note, 9).xml)
    assert text(root, ".//DatiFattureCollegate/IdDocumento") == note.related_number
    assert root.find(".//DatiPagamento") is None


def test_negative_amounts_keep_the_schema(schema_dir):
    doc = sample_invoice(49)  # a credit note
    assert doc.document_type == "TD04"
    negated = replace(
        doc,
        total=-doc.total,
        taxable=-doc.taxable,
        vat_total=-doc.vat_total,
        lines=tuple(replace(li, amount=-li.amount, quantity=-li.quantity) for li in doc.lines),
        vat=tuple(replace(v, taxable=-v.taxable, vat=-v.vat) for v in doc.vat),
    )
    fattura = build_fatturapa(negated, 1)
    assert validation_errors(fattura.xml, schema_dir) == []
    root = parsed(fattura.xml)
    assert Decimal(text(root, ".//ImportoTotaleDocumento")) == doc.total  # stated positive

    true_up = sample_invoice(2)
    line = true_up.lines[0]
    returned = replace(line, quantity=-line.quantity, amount=-line.amount)
    fattura = build_fatturapa(replace(true_up, lines=(returned, *true_up.lines[1:])), 2)
    assert validation_errors(fattura.xml, schema_dir) == []
    first = parsed(fattura.xml).find(".//DettaglioLinee")
    assert Decimal(first.findtext("Quantita")) > 0 > Decimal(first.findtext("PrezzoUnitario"))


def test_text_outside_latin1_is_folded(schema_dir):
    doc = sample_invoice(3)
    customer = replace(doc.customer, name="Œuvre – Łódź “Energia” S.r.l.")
    fattura = build_fatturapa(replace(doc, customer=customer), 1)
    assert validation_errors(fattura.xml, schema_dir) == []


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda d: replace(d, customer=replace(d.customer, tax_code=None)), "tax_code"),
        (lambda d: replace(d, account=replace(d.account, sdi_code="AB-12")), "sdi_code"),
        (lambda d: replace(d, status="draft", number=None), "only issued"),
        (
            lambda d: replace(
                d, account=replace(d.account, address=replace(d.account.address, postcode="123"))
            ),
            "postcode",
        ),
    ],
)
def test_bad_data_is_a_one_line_error(change, message):
    doc = sample_invoice(1)  # a person
    with pytest.raises(FatturaPAError, match=message) as error:
        build_fatturapa(change(doc), 1)
    assert "\n" not in str(error.value) and doc.invoice_id in str(error.value)


def test_the_validator_catches_a_broken_document(issued, schema_dir):
    root = parsed(build_fatturapa(issued[0], 1).xml)
    code = root.find(".//CodiceDestinatario")
    code.getparent().remove(code)
    assert validation_errors(etree.tostring(root), schema_dir)


def test_progressive_codes():
    assert progressive_code(1) == "00001"
    assert progressive_code(36) == "00010"
    with pytest.raises(FatturaPAError):
        progressive_code(0)
