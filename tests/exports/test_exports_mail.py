"""Email through a real SMTP server on the loopback: what arrives, retries, bounces, tracking."""

from __future__ import annotations

import email
import email.policy
from datetime import date, timedelta
from io import BytesIO
from pathlib import Path

import duckdb
import pytest
from openpyxl import load_workbook

from energia.settings import Settings
from exports.attachments import AttachmentError, add_attachment, with_attachments
from exports.delivery import (
    OutputPaths,
    email_route,
    outbound_history,
    send_invoices,
    send_pre_invoices,
    wants_xml,
    write_fatturapa,
    write_pdfs,
)
from exports.mail import (
    MAX_ATTEMPTS,
    SmtpConfig,
    deliver_due,
    message_status,
    record_bounce,
    record_bounces_from_maildir,
    retry_delay,
    undelivered,
)
from exports.outbox import BOUNCED, FAILED, QUEUED, SENT, messages, now_utc, outbound_documents
from exports.warehouse import InvoiceSelection, load_invoice_documents, pre_invoices


def parse(raw: bytes) -> email.message.EmailMessage:
    return email.message_from_bytes(raw, policy=email.policy.default)


def attachment_names(message) -> list[str]:
    return sorted(part.get_filename() for part in message.iter_attachments())


@pytest.fixture
def files(issued, store, tmp_path):
    paths = OutputPaths(tmp_path / "out")
    return paths, write_pdfs(issued, paths, workers=1), write_fatturapa(store, issued, paths)


def test_invoices_arrive_with_their_attachments(issued, store, files, smtp_server):
    paths, pdfs, xmls = files
    queued, report = send_invoices(store, issued, pdfs, xmls, paths, smtp_server.config)
    assert report.failed == 0 and report.sent == queued
    received = {r.recipients[0]: parse(r.content) for r in smtp_server.recorder.received}
    assert len(received) == queued == len(smtp_server.recorder.received)

    by_email = [d for d in issued if email_route(d) is not None]
    assert by_email and len(by_email) < len(issued)  # the others go by post
    group = [d for d in by_email if d.customer.root_customer_id != d.customer.customer_id]
    assert len(group) == 2
    for doc in by_email:
        recipient = doc.customer.root_email if doc in group else doc.account.email
        message = received[recipient]
        assert message["From"] == smtp_server.config.sender
        names = attachment_names(message)
        assert f"{doc.file_stem}.pdf" in names
        assert (xmls[doc.invoice_id].name in names) == wants_xml(doc)
        pdf = next(
            p for p in message.iter_attachments() if p.get_filename() == f"{doc.file_stem}.pdf"
        )
        assert pdf.get_content() == pdfs[doc.invoice_id].read_bytes()
    # PR2: one mail for the whole group, with each of its invoices
    group_mail = received[group[0].customer.root_email]
    assert {f"{d.file_stem}.pdf" for d in group} <= set(attachment_names(group_mail))
    # the English-speaking customer reads English
    acme = received["billing@acme.example"]
    assert "your invoice" in acme["Subject"] or "invoices" in acme["Subject"]

    again, report = send_invoices(store, issued, pdfs, xmls, paths, smtp_server.config)
    assert again == 0 and report.sent == 0  # a re-run never mails a document twice


def test_attachments_travel_with_invoice_mails(issued, store, files, smtp_server, tmp_path):
    paths, pdfs, xmls = files
    terms = tmp_path / "Condizioni generali.pdf"
    terms.write_bytes(pdfs[issued[0].invoice_id].read_bytes())
    notice = tmp_path / "avviso-arera.txt"
    notice.write_text("Comunicazione ARERA", encoding="utf-8")
    doc = next(d for d in issued if d.account.billing_account_id == "C01-BA1")
    add_attachment(
        store,
        tmp_path / "files",
        company_id="C01",
        scope="billing_account",
        target_id="C01-BA1",
        title="Condizioni generali",
        source=terms,
    )
    add_attachment(
        store,
        tmp_path / "files",
        company_id="C01",
        scope="company",
        target_id="C01",
        title="Avviso ARERA",
        source=notice,
        valid_to=date(2020, 1, 1),
    )
    with_files = with_attachments(store, issued)
    mine = next(d for d in with_files if d.invoice_id == doc.invoice_id)
    assert [a.title for a in mine.attachments] == ["Condizioni generali"]  # the notice expired
    assert all(not d.attachments for d in with_files if d.account.billing_account_id != "C01-BA1")

    send_invoices(store, with_files, pdfs, xmls, paths, smtp_server.config)
    message = next(
        parse(r.content)
        for r in smtp_server.recorder.received
        if r.recipients == [doc.account.email]
    )
    assert "Condizioni generali.pdf" in attachment_names(message)
    with pytest.raises(AttachmentError, match="^scope: "):
        add_attachment(
            store,
            tmp_path,
            company_id="C01",
            scope="nobody",
            target_id="x",
            title="x",
            source=terms,
        )


def test_refused_recipient_is_failed_then_retried_and_sent(issued, store, files, smtp_server):
    paths, pdfs, xmls = files
    doc = next(d for d in issued if d.account.billing_account_id == "C01-BA1")
    smtp_server.recorder.refuse.add(doc.account.email)
    at = now_utc()
    queued, report = send_invoices(store, [doc], pdfs, xmls, paths, smtp_server.config)
    assert queued == 1 and report.failed == 1 and not smtp_server.recorder.received
    with store.connect() as con:
        row = con.execute(messages.select()).one()
    assert row.status == FAILED and row.attempts == 1 and "550" in row.last_error
    assert row.next_attempt_at is not None
    assert [r.message_id for r in undelivered(store)] == [row.message_id]

    # not due yet: nothing is tried
    assert deliver_due(store, smtp_server.config, at + timedelta(minutes=1)).failed == 0
    smtp_server.recorder.refuse.clear()
    later = at + retry_delay(1) + timedelta(seconds=5)
    assert deliver_due(store, smtp_server.config, later).sent == 1
    row = message_status(store, row.message_id)
    assert row.status == SENT and row.attempts == 2 and row.last_error is None
    assert [r.recipients for r in smtp_server.recorder.received] == [[doc.account.email]]
    history = outbound_history(store, doc.customer.customer_id)
    assert {h["status"] for h in history} == {SENT}


def test_a_server_that_is_down_loses_nothing(issued, store, files, smtp_server):
    paths, pdfs, xmls = files
    from dataclasses import replace

    down = replace(smtp_server.config, port=1)  # nothing listens there
    queued, report = send_invoices(store, issued, pdfs, xmls, paths, down)
    assert queued > 0 and report.failed == queued and report.sent == 0
    with store.connect() as con:
        statuses = {r.status for r in con.execute(messages.select())}
        tracked = {r.status for r in con.execute(outbound_documents.select())}
    assert statuses == {FAILED} and tracked == {FAILED}
    report = deliver_due(store, smtp_server.config, now_utc() + timedelta(hours=1))
    assert report.sent == queued and len(smtp_server.recorder.received) == queued


def test_retries_stop_after_the_last_attempt_and_stay_listed(issued, store, files, smtp_server):
    paths, pdfs, xmls = files
    from dataclasses import replace

    down = replace(smtp_server.config, port=1)
    doc = next(d for d in issued if d.account.billing_account_id == "C01-BA1")
    send_invoices(store, [doc], pdfs, xmls, paths, down)
    at = now_utc()
    for attempt in range(2, MAX_ATTEMPTS + 1):
        at += retry_delay(attempt - 1)
        assert deliver_due(store, down, at).failed == 1
    (row,) = undelivered(store)
    assert row.status == FAILED and row.attempts == MAX_ATTEMPTS and row.next_attempt_at is None
    assert deliver_due(store, smtp_server.config, at + timedelta(days=30)).sent == 0
    assert retry_delay(1) < retry_delay(2) < retry_delay(MAX_ATTEMPTS) == retry_delay(99)


def dsn_for(message_ref: str, recipient: str) -> bytes:
    """A delivery status notification as mail servers write it (RFC 3464)."""
    return (
        "From: MAILER-DAEMON@mx.example\r\n"
        "To: fatture@energia.test\r\n"
        "Subject: Undelivered Mail Returned to Sender\r\n"
        "MIME-Version: 1.0\r\n"
        'Content-Type: multipart/report; report-type=delivery-status; boundary="B"\r\n\r\n'
        "--B\r\nContent-Type: text/plain\r\n\r\nThe mail could not be delivered.\r\n"
        "--B\r\nContent-Type: message/delivery-status\r\n\r\n"
        "Reporting-MTA: dns; mx.example\r\n\r\n"
        f"Final-Recipient: rfc822; {recipient}\r\nAction: failed\r\nStatus: 5.2.2\r\n"
        "Diagnostic-Code: smtp; 552 5.2.2 mailbox full\r\n"
        "--B\r\nContent-Type: text/rfc822-headers\r\n\r\n"
        f"Message-ID: {message_ref}\r\nTo: {recipient}\r\n"
        "--B--\r\n"
    ).encode()


def test_bounces_are_recorded_and_retried(issued, store, files, smtp_server, tmp_path):
    paths, pdfs, xmls = files
    doc = next(d for d in issued if d.account.billing_account_id == "C01-BA1")
    send_invoices(store, [doc], pdfs, xmls, paths, smtp_server.config)
    with store.connect() as con:
        row = con.execute(messages.select()).one()
    assert row.status == SENT

    maildir = tmp_path / "bounces"
    import mailbox

    box = mailbox.Maildir(maildir, create=True)
    box.add(dsn_for(row.message_ref, row.recipient))
    box.add(b"Subject: not a bounce\r\n\r\nhello\r\n")
    assert record_bounces_from_maildir(store, maildir) == 1
    assert len(mailbox.Maildir(maildir, create=False)) == 0
    bounced = message_status(store, row.message_id)
    assert bounced.status == BOUNCED and "mailbox full" in bounced.last_error
    assert {h["status"] for h in outbound_history(store, doc.customer.customer_id)} == {BOUNCED}

    resent = deliver_due(store, smtp_server.config, now_utc() + timedelta(hours=1))
    assert resent.sent == 1 and len(smtp_server.recorder.received) == 2
    assert record_bounce(store, b"Subject: nothing\r\n\r\n") is None


def test_pre_invoices_are_mailed_as_workbooks(warehouse, store, smtp_server, tmp_path):
    from invoicing.preinvoice import write_pre_invoices

    con = duckdb.connect(str(warehouse[0]))
    try:
        drafts = load_invoice_documents(con, pre_invoices(InvoiceSelection()))
        written = write_pre_invoices(con, [d.invoice_id for d in drafts], tmp_path / "xlsx")
    finally:
        con.close()
    assert drafts and all(d.status in ("checked", "approved") for d in drafts)
    paths = OutputPaths(tmp_path / "out")
    workbooks = {d.invoice_id: p for d, p in zip(drafts, written, strict=True)}
    queued, report = send_pre_invoices(store, drafts, workbooks, paths, smtp_server.config)
    assert queued == report.sent == len(drafts)
    for doc in drafts:
        message = next(
            parse(r.content)
            for r in smtp_server.recorder.received
            if r.recipients == [doc.account.email]
        )
        (xlsx,) = list(message.iter_attachments())
        assert xlsx.get_filename().endswith(f"{doc.invoice_id}.xlsx")
        book = load_workbook(BytesIO(xlsx.get_content()), data_only=True)
        values = {c.value for ws in book for row in ws.iter_rows() for c in row}
        assert float(doc.total) in values
    again, _ = send_pre_invoices(store, drafts, workbooks, paths, smtp_server.config)
    assert again == 0


def test_tracking_lists_every_document_per_customer(issued, store, files, smtp_server):
    paths, pdfs, xmls = files
    before = now_utc()
    send_invoices(store, issued, pdfs, xmls, paths, smtp_server.config)
    acme = next(d for d in issued if d.account.billing_account_id == "C01-BA2")
    history = outbound_history(store, acme.customer.customer_id)
    acme_docs = {
        d.invoice_id for d in issued if d.customer.customer_id == acme.customer.customer_id
    }
    assert {h["document_id"] for h in history} == acme_docs
    assert {h["document_kind"] for h in history} == {"invoice_pdf", "fatturapa_xml"}
    assert all(h["channel"] == "email" and h["status"] == SENT for h in history)
    assert all(h["recipient"] == acme.account.email for h in history)
    assert all(before <= h["created_at"] <= h["updated_at"] <= now_utc() for h in history)


def test_nothing_is_queued_without_documents(store, smtp_server, tmp_path):
    queued, report = send_invoices(store, [], {}, {}, OutputPaths(tmp_path), smtp_server.config)
    assert queued == 0 and report.sent == report.failed == 0
    assert QUEUED not in {r.status for r in undelivered(store)}


def test_the_mail_files_are_kept(issued, store, files, smtp_server):
    paths, pdfs, xmls = files
    send_invoices(store, issued, pdfs, xmls, paths, smtp_server.config)
    with store.connect() as con:
        kept = [Path(r.eml_path) for r in con.execute(messages.select())]
    assert kept and all(p.is_file() and p.parent == paths.mail for p in kept)


def test_the_platform_settings_choose_the_mail_server(
    issued, store, files, smtp_server, monkeypatch
):
    """Without a config the outbox sends through ENERGIA_SMTP_* (energia.settings)."""
    paths, pdfs, xmls = files
    monkeypatch.setenv("ENERGIA_SMTP_HOST", smtp_server.config.host)
    monkeypatch.setenv("ENERGIA_SMTP_PORT", str(smtp_server.config.port))
    monkeypatch.setenv("ENERGIA_SMTP_SENDER", "bollette@energia.test")
    monkeypatch.setenv("ENERGIA_SMTP_PASSWORD", "not-in-the-logs")
    config = SmtpConfig.from_settings()
    assert config.password == "not-in-the-logs"
    assert "not-in-the-logs" not in repr(config) + repr(Settings())
    queued, report = send_invoices(store, issued, pdfs, xmls, paths)
    assert queued and report.sent == queued and report.failed == 0
    assert {parse(r.content)["From"] for r in smtp_server.recorder.received} == {
        "bollette@energia.test"
    }


def test_the_default_mail_server_is_the_loopback_test_port(monkeypatch):
    for name in ("HOST", "PORT", "STARTTLS", "USERNAME", "PASSWORD", "TIMEOUT_SECONDS"):
        monkeypatch.delenv(f"ENERGIA_SMTP_{name}", raising=False)
    config = SmtpConfig.from_settings(Settings())
    assert (config.host, config.port, config.starttls) == ("127.0.0.1", 8025, False)
    assert (config.username, config.password, config.timeout_seconds) == (None, None, 30.0)
