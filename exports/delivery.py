"""Where each document goes: files on disk, email (single or per group), post; and what was sent."""

from __future__ import annotations

import hashlib
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from sqlalchemy import Engine, insert, select

from exports.documents import CREDIT_NOTE, PERSON, InvoiceDocument
from exports.fatturapa import build_fatturapa, file_name, validation_errors
from exports.i18n import Labels
from exports.mail import (
    DeliveryReport,
    Envelope,
    OutgoingFile,
    SmtpConfig,
    TrackedDocument,
    deliver_due,
    enqueue,
)
from exports.outbox import (
    EMAIL,
    PEC,
    POST,
    SENT,
    as_utc,
    fatturapa_files,
    now_utc,
    outbound_documents,
)
from exports.pdf import render_files
from exports.postal import Letter, PostalBatch, PostalError, build_postal_batch

INVOICE_PDF = "invoice_pdf"
FATTURAPA_XML = "fatturapa_xml"
PRE_INVOICE_XLSX = "pre_invoice_xlsx"
ATTACHMENT = "attachment"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@dataclass(frozen=True)
class OutputPaths:
    """Where the exports write under the data home's `out/`; documents by the month their
    period ends in, as invoicing's runs group them."""

    out_dir: Path

    def pdfs(self, doc: InvoiceDocument) -> Path:
        return self.out_dir / "invoices" / doc.company_id / f"{doc.period_end:%Y-%m}"

    def fatturapa(self, doc: InvoiceDocument) -> Path:
        return self.out_dir / "fatturapa" / doc.company_id / f"{doc.period_end:%Y-%m}"

    @property
    def pre_invoices(self) -> Path:
        """Where invoicing writes the pre-invoice workbooks, `<invoice_id>.xlsx` in sub-folders."""
        return self.out_dir / "pre_invoices"

    @property
    def mail(self) -> Path:
        return self.out_dir / "mail"

    @property
    def bounces(self) -> Path:
        """A Maildir the mail server delivers bounces to."""
        return self.out_dir / "mail" / "bounces"

    @property
    def postal(self) -> Path:
        return self.out_dir / "postal"


# ---------------------------------------------------------------- files


def pdf_path(doc: InvoiceDocument, paths: OutputPaths) -> Path:
    return paths.pdfs(doc) / f"{doc.file_stem}.pdf"


def existing_pdfs(docs: Sequence[InvoiceDocument], paths: OutputPaths) -> dict[str, Path]:
    """The PDFs already written for these documents."""
    found = {d.invoice_id: pdf_path(d, paths) for d in docs}
    return {invoice_id: path for invoice_id, path in found.items() if path.exists()}


def write_pdfs(
    docs: Sequence[InvoiceDocument], paths: OutputPaths, workers: int | None = None
) -> dict[str, Path]:
    """The PDF of each document; an issued document's existing PDF is never rewritten."""
    done = {d.invoice_id: pdf_path(d, paths) for d in docs if d.is_issued}
    done = {invoice_id: path for invoice_id, path in done.items() if path.exists()}
    jobs = [(d, pdf_path(d, paths)) for d in docs if d.invoice_id not in done]
    rendered = render_files(jobs, workers=workers)
    return done | {r.invoice_id: r.path for r in rendered}


def _progressives(engine: Engine, docs: Sequence[InvoiceDocument]) -> dict[str, int]:
    """The SdI progressive of each document: assigned on first export, the same ever after."""
    ids = [d.invoice_id for d in docs]
    with engine.begin() as con:
        known = dict(
            con.execute(
                select(fatturapa_files.c.invoice_id, fatturapa_files.c.sequence).where(
                    fatturapa_files.c.invoice_id.in_(ids)
                )
            ).all()
        )
        for doc in docs:
            if doc.invoice_id not in known:
                known[doc.invoice_id] = con.execute(
                    insert(fatturapa_files).values(
                        company_id=doc.company_id, invoice_id=doc.invoice_id, created_at=now_utc()
                    )
                ).inserted_primary_key[0]
    return known


def existing_fatturapa(
    engine: Engine, docs: Sequence[InvoiceDocument], paths: OutputPaths
) -> dict[str, Path]:
    """The FatturaPA files already written for these documents."""
    by_id = {d.invoice_id: d for d in docs}
    with engine.connect() as con:
        rows = con.execute(
            select(fatturapa_files.c.invoice_id, fatturapa_files.c.sequence).where(
                fatturapa_files.c.invoice_id.in_(list(by_id))
            )
        ).all()
    found = {
        invoice_id: paths.fatturapa(by_id[invoice_id])
        / file_name(by_id[invoice_id].seller.vat_number, sequence)
        for invoice_id, sequence in rows
    }
    return {invoice_id: path for invoice_id, path in found.items() if path.exists()}


class InvalidFatturaPA(ValueError):
    """A generated XML broke the official schema: nothing is written for that run."""


def write_fatturapa(
    engine: Engine,
    docs: Sequence[InvoiceDocument],
    paths: OutputPaths,
    schema_dir: Path | None = None,
) -> dict[str, Path]:
    """The FatturaPA XML of each issued document, checked against the XSD when it is at hand."""
    issued = [d for d in docs if d.is_issued]
    progressives = _progressives(engine, issued)
    files = [(doc, build_fatturapa(doc, progressives[doc.invoice_id])) for doc in issued]
    if schema_dir is not None:
        for doc, fattura in files:
            errors = validation_errors(fattura.xml, schema_dir)
            if errors:
                raise InvalidFatturaPA(f"{doc.invoice_id}: {errors[0]}")
    result = {}
    for doc, fattura in files:
        path = paths.fatturapa(doc) / fattura.file_name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(fattura.xml)
        result[doc.invoice_id] = path
    return result


# ---------------------------------------------------------------- email


def email_route(doc: InvoiceDocument) -> tuple[str, str] | None:
    """(channel, address) for a document delivered by email; None means it goes by post."""
    if doc.account.delivery != EMAIL:
        return None
    for address, channel in (
        (doc.account.email, EMAIL),
        (doc.customer.email, EMAIL),
        (doc.account.pec, PEC),
    ):
        if address and address.strip():
            return channel, address.strip()
    return None


def wants_xml(doc: InvoiceDocument) -> bool:
    """Businesses book the XML in their accounts: a copy travels with their PDF."""
    return doc.customer.kind != PERSON


def _already_sent(engine: Engine, ids: Iterable[str], channels: Sequence[str], kind: str) -> set:
    ids = list(ids)
    if not ids:
        return set()
    with engine.connect() as con:
        return set(
            con.execute(
                select(outbound_documents.c.document_id)
                .where(outbound_documents.c.document_id.in_(ids))
                .where(outbound_documents.c.channel.in_(list(channels)))
                .where(outbound_documents.c.document_kind == kind)
            ).scalars()
        )


def _tracked(doc: InvoiceDocument, pdf: Path, xml: Path | None) -> TrackedDocument:
    files = [OutgoingFile(f"{doc.file_stem}.pdf", pdf.read_bytes(), "application/pdf", INVOICE_PDF)]
    if xml is not None and wants_xml(doc):
        files.append(OutgoingFile(xml.name, xml.read_bytes(), "application/xml", FATTURAPA_XML))
    files += [
        OutgoingFile(a.file_name, a.path.read_bytes(), a.media_type, ATTACHMENT)
        for a in doc.attachments
    ]
    return TrackedDocument(
        doc.company_id,
        doc.customer.customer_id,
        doc.account.billing_account_id,
        doc.invoice_id,
        doc.document_id,
        tuple(files),
    )


def _title(doc: InvoiceDocument, labels: Labels) -> str:
    return labels("credit note") if doc.document_type == CREDIT_NOTE else labels("invoice")


def invoice_envelopes(
    docs: Sequence[InvoiceDocument], pdfs: dict[str, Path], xmls: dict[str, Path]
) -> list[Envelope]:
    """One mail per recipient within a customer group (PR2), one per document otherwise (PR3)."""
    groups: dict[tuple[str, str, str, str], list[InvoiceDocument]] = defaultdict(list)
    for doc in docs:
        route = email_route(doc)
        if route is None or doc.invoice_id not in pdfs:
            continue
        channel, address = route
        customer = doc.customer
        # a group's invoices go to the group's address when it has one
        if customer.root_customer_id != customer.customer_id and customer.root_email:
            channel, address = EMAIL, customer.root_email.strip()
        groups[(doc.company_id, customer.root_customer_id, channel, address)].append(doc)

    envelopes = []
    for (company_id, _root, channel, address), group in groups.items():
        group.sort(key=lambda d: d.invoice_id)
        first = group[0]
        labels = Labels(first.customer.language)
        tracked = tuple(_tracked(d, pdfs[d.invoice_id], xmls.get(d.invoice_id)) for d in group)
        seller = first.seller.name
        if len(group) == 1:
            subject = labels(
                "{seller}: your {title} {number}",
                seller=seller,
                title=_title(first, labels),
                number=first.document_id,
            )
            body = labels(
                "Dear {name},\n\nattached is your {title} {number} of {date} for {total}, "
                "due on {due_date}.\n\nKind regards,\n{seller}",
                name=first.customer.name,
                title=_title(first, labels),
                number=first.document_id,
                date=labels.date(first.issue_date),
                total=labels.money(first.total),
                due_date=labels.date(first.due_date),
                seller=seller,
            )
            kind = "invoice"
        else:
            subject = labels("{seller}: {count} invoices", seller=seller, count=len(group))
            listing = "\n".join(
                f"- {_title(d, labels)} {d.document_id}, {d.customer.name}, "
                f"{labels.money(d.total)}, {labels('due')} {labels.date(d.due_date)}"
                for d in group
            )
            body = labels(
                "Dear customer,\n\nattached are the documents of your group:\n{listing}\n\n"
                "Kind regards,\n{seller}",
                listing=listing,
                seller=seller,
            )
            kind = "invoices"
        envelopes.append(
            Envelope(
                dedupe_key=f"{kind}:{_digest(address, *(d.invoice_id for d in group))}",
                company_id=company_id,
                kind=kind,
                channel=channel,
                recipient=address,
                subject=subject,
                body=body,
                documents=tracked,
            )
        )
    return envelopes


def send_invoices(
    engine: Engine,
    docs: Sequence[InvoiceDocument],
    pdfs: dict[str, Path],
    xmls: dict[str, Path],
    paths: OutputPaths,
    config: SmtpConfig | None = None,
) -> tuple[int, DeliveryReport]:
    """Queue the mails of documents never emailed before, then send everything due.

    `config` defaults to the platform's SMTP settings (ENERGIA_SMTP_*).
    """
    config = config or SmtpConfig.from_settings()
    done = _already_sent(engine, (d.invoice_id for d in docs), (EMAIL, PEC), INVOICE_PDF)
    fresh = [d for d in docs if d.is_issued and d.invoice_id not in done]
    queued = [
        enqueue(engine, e, paths.mail, config.sender) for e in invoice_envelopes(fresh, pdfs, xmls)
    ]
    return sum(1 for q in queued if q is not None), deliver_due(engine, config)


def _digest(*parts: str) -> str:
    return hashlib.sha256("\n".join(parts).encode()).hexdigest()[:40]


def fingerprint(doc: InvoiceDocument) -> str:
    """Changes whenever a figure of a simulation changes: a re-run mails it again only then."""
    return _digest(
        doc.invoice_id,
        str(doc.total),
        str(doc.due_date),
        *(
            f"{li.supply_point_id}|{li.component}|{li.band}|{li.quantity}|{li.unit_price}|"
            f"{li.amount}"
            for li in doc.lines
        ),
    )


def pre_invoice_workbooks(paths: OutputPaths, docs: Sequence[InvoiceDocument]) -> dict[str, Path]:
    """The newest workbook invoicing wrote for each simulation, wherever its run put it."""
    wanted = {d.invoice_id for d in docs}
    found: dict[str, Path] = {}
    for path in paths.pre_invoices.rglob("*.xlsx") if paths.pre_invoices.is_dir() else ():
        known = found.get(path.stem)
        if path.stem in wanted and (known is None or path.stat().st_mtime > known.stat().st_mtime):
            found[path.stem] = path
    return found


def pre_invoice_route(doc: InvoiceDocument) -> tuple[str, str] | None:
    """A simulation goes to the account's or customer's email even when invoices go on paper."""
    route = email_route(doc)
    if route is not None:
        return route
    address = doc.account.email or doc.customer.email
    return (EMAIL, address.strip()) if address and address.strip() else None


def send_pre_invoices(
    engine: Engine,
    docs: Sequence[InvoiceDocument],
    workbooks: dict[str, Path],
    paths: OutputPaths,
    config: SmtpConfig | None = None,
) -> tuple[int, DeliveryReport]:
    """Mail each simulation's workbook to the customer for checking (PR1) when it changed."""
    config = config or SmtpConfig.from_settings()
    queued = 0
    for doc in docs:
        route = pre_invoice_route(doc)
        if route is None or doc.invoice_id not in workbooks:
            continue
        channel, address = route
        labels = Labels(doc.customer.language)
        workbook = workbooks[doc.invoice_id]
        period = labels.period(doc.period_start, doc.period_end)
        envelope = Envelope(
            dedupe_key=f"pre_invoice:{_digest(doc.invoice_id, fingerprint(doc))}",
            company_id=doc.company_id,
            kind="pre_invoice",
            channel=channel,
            recipient=address,
            subject=labels(
                "{seller}: pre-invoice for {period}", seller=doc.seller.name, period=period
            ),
            body=labels(
                "Dear {name},\n\nattached is the simulation of your next invoice, for you to "
                "check: {total} for {period}. It is not valid for tax purposes.\n\n"
                "Kind regards,\n{seller}",
                name=doc.customer.name,
                total=labels.money(doc.total),
                period=period,
                seller=doc.seller.name,
            ),
            documents=(
                TrackedDocument(
                    doc.company_id,
                    doc.customer.customer_id,
                    doc.account.billing_account_id,
                    doc.invoice_id,
                    None,
                    (
                        OutgoingFile(
                            f"{labels('pre-invoice')}_{workbook.name}",
                            workbook.read_bytes(),
                            XLSX,
                            PRE_INVOICE_XLSX,
                        ),
                    ),
                ),
            ),
        )
        if enqueue(engine, envelope, paths.mail, config.sender) is not None:
            queued += 1
    return queued, deliver_due(engine, config)


# ---------------------------------------------------------------- post


@dataclass(frozen=True)
class PostalRun:
    batches: tuple[PostalBatch, ...]
    rejected: tuple[str, ...]  # one line per letter that could not go, with the reason


def post_invoices(
    engine: Engine,
    docs: Sequence[InvoiceDocument],
    pdfs: dict[str, Path],
    paths: OutputPaths,
    run_key: str,
    at: datetime | None = None,
) -> PostalRun:
    """One batch per company for the documents that go on paper and were never posted."""
    at = at or now_utc()
    done = _already_sent(engine, (d.invoice_id for d in docs), (POST,), INVOICE_PDF)
    by_company: dict[str, list[tuple[InvoiceDocument, Letter]]] = defaultdict(list)
    rejected = []
    for doc in docs:
        if not doc.is_issued or doc.invoice_id in done or doc.invoice_id not in pdfs:
            continue
        if email_route(doc) is not None:
            continue
        try:
            letter = Letter.of(doc, pdfs[doc.invoice_id])
        except PostalError as error:
            rejected.append(str(error))  # not recorded as posted: the next run tries again
            continue
        by_company[doc.company_id].append((doc, letter))
    batches = []
    for company_id, items in sorted(by_company.items()):
        batch_id = f"POST_{company_id}_{run_key}_{at:%Y%m%dT%H%M%S}"
        batch = build_postal_batch([letter for _, letter in items], paths.postal, batch_id)
        rows = [
            {
                "company_id": doc.company_id,
                "customer_id": doc.customer.customer_id,
                "billing_account_id": doc.account.billing_account_id,
                "document_id": doc.invoice_id,
                "document_number": doc.document_id,
                "document_kind": kind,
                "file_name": name,
                "channel": POST,
                "recipient": (
                    f"{doc.customer.name}, {letter.address}, {letter.postcode} {letter.city} "
                    f"({letter.province})"
                ),
                "batch_id": batch.batch_id,
                # handed over in the provider's batch: the provider's receipts are not read yet
                "status": SENT,
                "created_at": at,
                "updated_at": at,
            }
            for doc, letter in items
            for kind, name in [(INVOICE_PDF, letter.pdf.name)]
            + [(ATTACHMENT, a.file_name) for a in doc.attachments]
        ]
        with engine.begin() as con:
            con.execute(insert(outbound_documents), rows)
        batches.append(batch)
    return PostalRun(tuple(batches), tuple(rejected))


# ---------------------------------------------------------------- tracking (CM14)


def outbound_history(engine: Engine, customer_id: str) -> list[dict]:
    """Every document sent to a customer, newest first: channel, time, status, recipient."""
    with engine.connect() as con:
        rows = con.execute(
            select(outbound_documents)
            .where(outbound_documents.c.customer_id == customer_id)
            .order_by(outbound_documents.c.created_at.desc(), outbound_documents.c.id.desc())
        ).mappings()
        return [
            {**r, "created_at": as_utc(r["created_at"]), "updated_at": as_utc(r["updated_at"])}
            for r in rows
        ]
