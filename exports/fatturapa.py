"""FatturaPA XML (v1.2.2) for issued invoices and credit notes, validated offline on the XSD."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from functools import cache
from pathlib import Path

from lxml import etree

from exports.documents import CREDIT_NOTE, DOCUMENT_TYPES, PERSON, InvoiceDocument, Line
from exports.i18n import Labels

NAMESPACE = "http://ivaservizi.agenziaentrate.gov.it/docs/xsd/fatture/v1.2"
XMLDSIG_NAMESPACE = "http://www.w3.org/2000/09/xmldsig#"
SCHEMA_FILE = "Schema_del_file_xml_FatturaPA_v1.2.2.xsd"
XMLDSIG_FILE = "xmldsig-core-schema.xsd"
PRIVATE = "FPR12"
PUBLIC_ADMINISTRATION = "FPA12"
NO_CODE = "0000000"  # consumers and customers without an SdI code: the invoice waits in their area
REGIME = "RF01"  # ordinary VAT regime
# zero-rated lines on an energy bill are out of VAT's scope (the TV licence): "non soggette"
ZERO_RATE_NATURE = "N2.2"
ZERO_RATE_REFERENCE = "Operazione non soggetta (art. 2 DPR 633/72)"
PAYMENT_MODES = {"BANK_TRANSFER": "MP05", "POSTAL_SLIP": "MP18", "SDD": "MP19"}
QUANTITY_QUANTUM = Decimal("0.00000001")  # Quantita carries at most 8 decimals
PROGRESSIVE_ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"
PROGRESSIVE_WIDTH = 5  # the file name's progressive: 5 characters, 36^5 files per sender
SDI_CODE = re.compile(r"^[A-Z0-9]{6,7}$")


class FatturaPAError(ValueError):
    """Data that cannot make a valid FatturaPA; the message names the invoice and the field."""


@dataclass(frozen=True)
class FatturaPA:
    invoice_id: str
    file_name: str  # IT<VAT number>_<progressive>.xml, as SdI requires
    xml: bytes


def progressive_code(sequence: int) -> str:
    """The sender's n-th transmission as 5 base-36 characters (`00001`, `0000A`...)."""
    if not 0 < sequence < len(PROGRESSIVE_ALPHABET) ** PROGRESSIVE_WIDTH:
        raise FatturaPAError(f"progressive: {sequence} is out of range")
    digits = []
    while sequence:
        sequence, digit = divmod(sequence, len(PROGRESSIVE_ALPHABET))
        digits.append(PROGRESSIVE_ALPHABET[digit])
    return "".join(reversed(digits)).rjust(PROGRESSIVE_WIDTH, "0")


def file_name(vat_number: str, sequence: int) -> str:
    """The name SdI requires: IT<sender's VAT number>_<progressive>.xml."""
    return f"IT{vat_number}_{progressive_code(sequence)}.xml"


def _latin(text: str, limit: int) -> str:
    """SdI accepts Latin-1 text only: other characters are folded to their plain letters."""
    folded = "".join(
        ch
        if ord(ch) < 256
        else unicodedata.normalize("NFKD", ch).encode("ascii", "ignore").decode()
        for ch in text.replace("–", "-").replace("’", "'")
    )
    return " ".join(folded.split())[:limit] or "-"


def _amount(value: Decimal) -> str:
    return f"{value:.2f}"


def _rate(vat_rate: Decimal) -> str:
    """A fraction (0.1000) as the percent SdI wants, with 2 decimals (10.00)."""
    return f"{vat_rate * 100:.2f}"


def _quantity(value: Decimal) -> str:
    text = f"{value.quantize(QUANTITY_QUANTUM, rounding=ROUND_HALF_UP):f}"
    whole, _, decimals = text.partition(".")
    return f"{whole}.{decimals.rstrip('0').ljust(2, '0')}"


def _price(value: Decimal) -> str:
    return f"{value:.6f}" if value == value.quantize(Decimal("0.000001")) else f"{value:.8f}"


def _sub(parent: etree._Element, tag: str, text: str | None = None) -> etree._Element:
    element = etree.SubElement(parent, tag)
    if text is not None:
        element.text = text
    return element


def _address(parent: etree._Element, tag: str, address, where: str) -> None:
    if not re.fullmatch(r"\d{5}", address.postcode or ""):
        raise FatturaPAError(f"{where}: postcode {address.postcode!r} is not 5 digits")
    sede = _sub(parent, tag)
    _sub(sede, "Indirizzo", _latin(address.street, 60))
    _sub(sede, "CAP", address.postcode)
    _sub(sede, "Comune", _latin(address.city, 60))
    if re.fullmatch(r"[A-Z]{2}", address.province or ""):
        _sub(sede, "Provincia", address.province)
    _sub(sede, "Nazione", address.country)


def _recipient_code(doc: InvoiceDocument) -> tuple[str, str, str | None]:
    """(format, CodiceDestinatario, PECDestinatario) from the billing account's channel."""
    code = (doc.account.sdi_code or "").strip().upper()
    if code:
        if not SDI_CODE.match(code):
            raise FatturaPAError(
                f"{doc.invoice_id}: billing account {doc.account.billing_account_id} sdi_code "
                f"{code!r} is not 6 or 7 letters and digits"
            )
        # a 6-character code is a public administration's office (Codice Ufficio)
        return (PUBLIC_ADMINISTRATION if len(code) == 6 else PRIVATE), code, None
    return PRIVATE, NO_CODE, (doc.account.pec or None)


def _signed(doc: InvoiceDocument) -> int:
    """A credit note states positive amounts in FatturaPA, whatever sign the warehouse keeps."""
    return -1 if doc.document_type == CREDIT_NOTE and doc.total < 0 else 1


def _line(
    body: etree._Element, number: int, line: Line, doc: InvoiceDocument, sign: int, labels: Labels
) -> None:
    description = labels.coded("component", line.component)
    if line.band and line.band != "ALL":
        description += f" {line.band}"
    if line.tier is not None:
        description += " " + labels("tier {tier}", tier=line.tier)
    description += f" - {line.supply_point_id}"
    quantity, unit_price, amount = line.quantity, line.unit_price * sign, line.amount * sign
    if quantity < 0:  # Quantita is never negative: the sign moves to the price
        quantity, unit_price = -quantity, -unit_price
    detail = _sub(body, "DettaglioLinee")
    _sub(detail, "NumeroLinea", str(number))
    _sub(detail, "Descrizione", _latin(description, 1000))
    if quantity:
        _sub(detail, "Quantita", _quantity(quantity))
    _sub(detail, "DataInizioPeriodo", doc.period_start.isoformat())
    _sub(detail, "DataFinePeriodo", doc.period_end.isoformat())
    _sub(detail, "PrezzoUnitario", _price(unit_price) if quantity else _amount(amount))
    _sub(detail, "PrezzoTotale", _amount(amount))
    _sub(detail, "AliquotaIVA", _rate(line.vat_rate))
    if line.vat_rate == 0:
        _sub(detail, "Natura", ZERO_RATE_NATURE)


def build_fatturapa(doc: InvoiceDocument, progressive: int) -> FatturaPA:
    """The FatturaPA of an issued document; `progressive` numbers the company's transmissions."""
    where = doc.invoice_id
    if not doc.is_issued or doc.issue_date is None:
        raise FatturaPAError(f"{where}: only issued documents with a number and date go to SdI")
    if doc.document_type not in DOCUMENT_TYPES:
        raise FatturaPAError(f"{where}: document_type {doc.document_type!r} is not TD01 or TD04")
    seller, customer = doc.seller, doc.customer
    if not re.fullmatch(r"\d{11}", seller.vat_number or ""):
        raise FatturaPAError(f"{where}: company {seller.company_id} vat_number is not 11 digits")
    labels = Labels("it")  # the legal document is in Italian whatever the customer reads
    transmission_format, code, pec = _recipient_code(doc)
    progressive_text = progressive_code(progressive)
    sign = _signed(doc)

    root = etree.Element(
        f"{{{NAMESPACE}}}FatturaElettronica",
        nsmap={"p": NAMESPACE, "ds": XMLDSIG_NAMESPACE},
        versione=transmission_format,
    )
    header = _sub(root, "FatturaElettronicaHeader")
    transmission = _sub(header, "DatiTrasmissione")
    sender = _sub(transmission, "IdTrasmittente")
    _sub(sender, "IdPaese", "IT")
    _sub(sender, "IdCodice", seller.vat_number)
    _sub(transmission, "ProgressivoInvio", progressive_text)
    _sub(transmission, "FormatoTrasmissione", transmission_format)
    _sub(transmission, "CodiceDestinatario", code)
    if pec:
        _sub(transmission, "PECDestinatario", pec)

    supplier = _sub(header, "CedentePrestatore")
    registry = _sub(supplier, "DatiAnagrafici")
    vat_id = _sub(registry, "IdFiscaleIVA")
    _sub(vat_id, "IdPaese", "IT")
    _sub(vat_id, "IdCodice", seller.vat_number)
    if seller.tax_code and re.fullmatch(r"[A-Z0-9]{11,16}", seller.tax_code):
        _sub(registry, "CodiceFiscale", seller.tax_code)
    _sub(_sub(registry, "Anagrafica"), "Denominazione", _latin(seller.name, 80))
    _sub(registry, "RegimeFiscale", REGIME)
    _address(supplier, "Sede", seller.address, f"{where}: company {seller.company_id}")

    buyer = _sub(header, "CessionarioCommittente")
    registry = _sub(buyer, "DatiAnagrafici")
    tax_code = (customer.tax_code or "").strip().upper()
    vat_number = (customer.vat_number or "").strip()
    if customer.kind == PERSON:
        if not re.fullmatch(r"[A-Z0-9]{16}", tax_code):
            raise FatturaPAError(
                f"{where}: customer {customer.customer_id} tax_code is missing or not 16 characters"
            )
        _sub(registry, "CodiceFiscale", tax_code)
        name = _sub(registry, "Anagrafica")
        _sub(name, "Nome", _latin(customer.first_name or "", 60))
        _sub(name, "Cognome", _latin(customer.last_name_or_company, 60))
    else:
        if not vat_number and not tax_code:
            raise FatturaPAError(
                f"{where}: customer {customer.customer_id} has neither vat_number nor tax_code"
            )
        if vat_number:
            if not re.fullmatch(r"\d{11}", vat_number):
                raise FatturaPAError(
                    f"{where}: customer {customer.customer_id} vat_number is not 11 digits"
                )
            vat_id = _sub(registry, "IdFiscaleIVA")
            _sub(vat_id, "IdPaese", "IT")
            _sub(vat_id, "IdCodice", vat_number)
        if re.fullmatch(r"[A-Z0-9]{11,16}", tax_code):
            _sub(registry, "CodiceFiscale", tax_code)
        _sub(_sub(registry, "Anagrafica"), "Denominazione", _latin(customer.name, 80))
    _address(buyer, "Sede", doc.account.address, f"{where}: billing account")

    body = _sub(root, "FatturaElettronicaBody")
    general = _sub(body, "DatiGenerali")
    document = _sub(general, "DatiGeneraliDocumento")
    _sub(document, "TipoDocumento", doc.document_type)
    _sub(document, "Divisa", "EUR")
    _sub(document, "Data", doc.issue_date.isoformat())
    _sub(document, "Numero", _latin(doc.document_id, 20))
    _sub(document, "ImportoTotaleDocumento", _amount(doc.total * sign))
    period = f"{doc.period_start:%d/%m/%Y} - {doc.period_end:%d/%m/%Y}"
    _sub(document, "Causale", _latin(f"Fornitura {period}", 200))
    if doc.document_type == CREDIT_NOTE and doc.related_number:
        related = _sub(general, "DatiFattureCollegate")
        _sub(related, "IdDocumento", _latin(doc.related_number, 20))
        if doc.related_issue_date:
            _sub(related, "Data", doc.related_issue_date.isoformat())

    goods = _sub(body, "DatiBeniServizi")
    if not doc.lines:
        raise FatturaPAError(f"{where}: the document has no lines")
    for number, line in enumerate(doc.lines, start=1):
        _line(goods, number, line, doc, sign, labels)
    for vat in doc.vat:
        summary = _sub(goods, "DatiRiepilogo")
        _sub(summary, "AliquotaIVA", _rate(vat.vat_rate))
        if vat.vat_rate == 0:
            _sub(summary, "Natura", ZERO_RATE_NATURE)
        _sub(summary, "ImponibileImporto", _amount(vat.taxable * sign))
        _sub(summary, "Imposta", _amount(vat.vat * sign))
        if vat.vat_rate == 0:
            _sub(summary, "RiferimentoNormativo", ZERO_RATE_REFERENCE)
        else:
            _sub(summary, "EsigibilitaIVA", "I")

    if doc.document_type != CREDIT_NOTE:
        _payment(body, doc)

    xml = etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True)
    return FatturaPA(doc.invoice_id, file_name(seller.vat_number, progressive), xml)


def _payment(body: etree._Element, doc: InvoiceDocument) -> None:
    mode = PAYMENT_MODES.get(doc.account.payment_method)
    if mode is None:
        raise FatturaPAError(
            f"{doc.invoice_id}: payment_method {doc.account.payment_method!r} has no FatturaPA code"
        )
    payment = _sub(body, "DatiPagamento")
    # TP01: in instalments, TP02: in full
    _sub(payment, "CondizioniPagamento", "TP01" if doc.instalments else "TP02")
    parts = [(i.due_date, i.amount) for i in doc.instalments] or [(doc.due_date, doc.total)]
    for due_date, amount in parts:
        detail = _sub(payment, "DettaglioPagamento")
        _sub(detail, "ModalitaPagamento", mode)
        if due_date is not None:
            _sub(detail, "DataScadenzaPagamento", due_date.isoformat())
        _sub(detail, "ImportoPagamento", _amount(amount))
        if mode == "MP05" and doc.seller.iban:
            _sub(detail, "IBAN", doc.seller.iban.replace(" ", ""))


def default_schema_dir() -> Path:
    """The official schemas beside the repository (../shared/schemas/fatturapa)."""
    return Path(__file__).resolve().parents[2] / "shared" / "schemas" / "fatturapa"


@cache
def _schema(schema_dir: Path):
    import xmlschema  # 2-3 s to import: only where XML is validated

    schema_file = schema_dir / SCHEMA_FILE
    if not schema_file.is_file():
        raise FileNotFoundError(f"FatturaPA schema not found: {schema_file}")
    # the schema imports the signature schema from w3.org: resolved to the local copy, and the
    # "local" forbids any remote fetch, so validation never reaches the network
    return xmlschema.XMLSchema(
        str(schema_file),
        locations={XMLDSIG_NAMESPACE: str(schema_dir / XMLDSIG_FILE)},
        allow="local",
    )


def validation_errors(xml: bytes, schema_dir: Path | None = None) -> list[str]:
    """Every reason the XML breaks the official schema; empty when it is valid."""
    schema = _schema((schema_dir or default_schema_dir()).resolve())
    tree = etree.fromstring(xml)
    return [f"{e.path}: {e.reason}" for e in schema.iter_errors(tree)]
