"""Email through the outbox: queue a message once, send it over SMTP, retry failures and bounces."""

from __future__ import annotations

import email.policy
import mailbox
import smtplib
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from email.message import EmailMessage
from email.parser import BytesParser
from email.utils import format_datetime, make_msgid
from pathlib import Path

from sqlalchemy import Engine, insert, select, update

from energia.settings import Settings, get_settings
from exports.outbox import (
    BOUNCED,
    FAILED,
    QUEUED,
    SENT,
    messages,
    now_utc,
    outbound_documents,
)

# waits between attempts: 5 min, 10, 20... capped at 6 h; after MAX_ATTEMPTS a message stays
# failed with no next attempt, on the operator's list, never dropped
RETRY_BASE = timedelta(minutes=5)
RETRY_CAP = timedelta(hours=6)
MAX_ATTEMPTS = 8
MESSAGE_DOMAIN = "energia.invalid"


@dataclass(frozen=True)
class SmtpConfig:
    host: str
    port: int
    sender: str
    starttls: bool = False
    username: str | None = None
    password: str | None = field(default=None, repr=False)
    timeout_seconds: float = 30.0

    @classmethod
    def from_settings(cls, settings: Settings | None = None) -> SmtpConfig:
        """The mail server of the platform settings (ENERGIA_SMTP_* in the environment)."""
        s = settings or get_settings()
        return cls(
            s.smtp_host,
            s.smtp_port,
            s.smtp_sender,
            s.smtp_starttls,
            s.smtp_username,
            s.smtp_password,
            s.smtp_timeout_seconds,
        )


@dataclass(frozen=True)
class OutgoingFile:
    """A file attached to a message, and what the outbound record says about it."""

    file_name: str
    content: bytes
    media_type: str
    document_kind: str  # invoice_pdf, fatturapa_xml, pre_invoice_xlsx, attachment


@dataclass(frozen=True)
class TrackedDocument:
    """Who a message's document belongs to, for the outbound record (CM14)."""

    company_id: str
    customer_id: str
    billing_account_id: str
    document_id: str
    document_number: str | None
    files: tuple[OutgoingFile, ...]


@dataclass(frozen=True)
class Envelope:
    dedupe_key: str
    company_id: str
    kind: str
    channel: str
    recipient: str
    subject: str
    body: str
    documents: tuple[TrackedDocument, ...]


@dataclass
class DeliveryReport:
    sent: int = 0
    failed: int = 0
    errors: list[str] = field(default_factory=list)


def retry_delay(attempts: int) -> timedelta:
    return min(RETRY_BASE * 2 ** min(max(attempts - 1, 0), 16), RETRY_CAP)


def compose(envelope: Envelope, sender: str, message_ref: str, at: datetime) -> EmailMessage:
    message = EmailMessage(policy=email.policy.SMTP)
    message["From"] = sender
    message["To"] = envelope.recipient
    message["Subject"] = envelope.subject
    message["Date"] = format_datetime(at)
    message["Message-ID"] = message_ref
    message.set_content(envelope.body)
    seen: set[tuple[str, int]] = set()
    for document in envelope.documents:
        for f in document.files:
            # an attachment shared by several invoices of one mail travels once
            if (f.file_name, len(f.content)) in seen:
                continue
            seen.add((f.file_name, len(f.content)))
            maintype, _, subtype = f.media_type.partition("/")
            message.add_attachment(
                f.content, maintype=maintype, subtype=subtype, filename=f.file_name
            )
    return message


def enqueue(engine: Engine, envelope: Envelope, mail_dir: Path, sender: str) -> int | None:
    """Queue the message and record its documents as queued; None if it was queued before."""
    with engine.connect() as con:
        known = con.execute(
            select(messages.c.message_id).where(messages.c.dedupe_key == envelope.dedupe_key)
        ).first()
    if known:
        return None
    at = now_utc()
    message_ref = make_msgid(idstring=uuid.uuid4().hex[:12], domain=MESSAGE_DOMAIN)
    message = compose(envelope, sender, message_ref, at)
    eml_path = mail_dir / f"{message_ref.strip('<>').replace('@', '_')}.eml"
    mail_dir.mkdir(parents=True, exist_ok=True)
    eml_path.write_bytes(message.as_bytes())
    with engine.begin() as con:
        message_id = con.execute(
            insert(messages).values(
                dedupe_key=envelope.dedupe_key,
                message_ref=message_ref,
                company_id=envelope.company_id,
                kind=envelope.kind,
                channel=envelope.channel,
                recipient=envelope.recipient,
                subject=envelope.subject,
                eml_path=str(eml_path),
                status=QUEUED,
                attempts=0,
                next_attempt_at=at,
                created_at=at,
            )
        ).inserted_primary_key[0]
        rows = [
            {
                "company_id": d.company_id,
                "customer_id": d.customer_id,
                "billing_account_id": d.billing_account_id,
                "document_id": d.document_id,
                "document_number": d.document_number,
                "document_kind": f.document_kind,
                "file_name": f.file_name,
                "channel": envelope.channel,
                "recipient": envelope.recipient,
                "message_id": message_id,
                "status": QUEUED,
                "created_at": at,
                "updated_at": at,
            }
            for d in envelope.documents
            for f in d.files
        ]
        if rows:
            con.execute(insert(outbound_documents), rows)
    return message_id


def _set_status(con, message_id: int, at: datetime, **values) -> None:
    con.execute(update(messages).where(messages.c.message_id == message_id).values(**values))
    con.execute(
        update(outbound_documents)
        .where(outbound_documents.c.message_id == message_id)
        .values(status=values["status"], updated_at=at)
    )


def _failure(con, row, at: datetime, error: str, status: str = FAILED) -> None:
    attempts = row.attempts + (0 if status == BOUNCED else 1)
    next_attempt = at + retry_delay(attempts) if attempts < MAX_ATTEMPTS else None
    _set_status(
        con,
        row.message_id,
        at,
        status=status,
        attempts=attempts,
        last_error=error[:2000],
        next_attempt_at=next_attempt,
    )


def _connect(config: SmtpConfig) -> smtplib.SMTP:
    smtp = smtplib.SMTP(config.host, config.port, timeout=config.timeout_seconds)
    if config.starttls:
        smtp.starttls()
    if config.username:
        smtp.login(config.username, config.password or "")
    return smtp


def _error_text(error: Exception) -> str:
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        return "; ".join(
            f"{rcpt}: {code} {msg.decode(errors='replace') if isinstance(msg, bytes) else msg}"
            for rcpt, (code, msg) in error.recipients.items()
        )
    if isinstance(error, smtplib.SMTPResponseException):
        message = error.smtp_error
        text = message.decode(errors="replace") if isinstance(message, bytes) else str(message)
        return f"{error.smtp_code} {text}"
    return f"{type(error).__name__}: {error}"


def deliver_due(
    engine: Engine,
    config: SmtpConfig | None = None,
    at: datetime | None = None,
    message_ids: Sequence[int] | None = None,
) -> DeliveryReport:
    """Send every message whose next attempt is due; failures are recorded and rescheduled.

    `config` defaults to the platform's SMTP settings (ENERGIA_SMTP_*).
    """
    config = config or SmtpConfig.from_settings()
    at = at or now_utc()
    query = (
        select(messages)
        .where(messages.c.status.in_((QUEUED, FAILED, BOUNCED)))
        .where(messages.c.next_attempt_at.is_not(None))
        .where(messages.c.next_attempt_at <= at)
        .order_by(messages.c.message_id)
    )
    if message_ids is not None:
        query = query.where(messages.c.message_id.in_(list(message_ids)))
    with engine.connect() as con:
        due = con.execute(query).all()
    report = DeliveryReport()
    if not due:
        return report
    smtp: smtplib.SMTP | None = None
    try:
        for row in due:
            try:
                if smtp is None:
                    smtp = _connect(config)
                raw = Path(row.eml_path).read_bytes()
                smtp.sendmail(config.sender, [row.recipient], raw)
            except (smtplib.SMTPException, OSError) as error:
                text = _error_text(error)
                report.failed += 1
                report.errors.append(f"{row.recipient}: {text}")
                with engine.begin() as con:
                    _failure(con, row, at, text)
                if isinstance(error, smtplib.SMTPServerDisconnected | OSError):
                    smtp = None  # the connection is gone: the next message opens a new one
                continue
            report.sent += 1
            with engine.begin() as con:
                _set_status(
                    con,
                    row.message_id,
                    at,
                    status=SENT,
                    attempts=row.attempts + 1,
                    last_error=None,
                    next_attempt_at=None,
                    sent_at=at,
                )
    finally:
        if smtp is not None:
            try:
                smtp.quit()
            except (smtplib.SMTPException, OSError):
                smtp.close()
    return report


def _original_message_ref(dsn: EmailMessage) -> str | None:
    """The Message-ID of the message a delivery status notification reports on."""
    for part in dsn.walk():
        content_type = part.get_content_type()
        if content_type == "message/rfc822":
            payload = part.get_payload()
            inner = payload[0] if isinstance(payload, list) else payload
            if inner.get("Message-ID"):
                return inner["Message-ID"].strip()
        if content_type == "text/rfc822-headers":
            headers = BytesParser(policy=email.policy.default).parsebytes(
                part.get_payload(decode=True), headersonly=True
            )
            if headers.get("Message-ID"):
                return headers["Message-ID"].strip()
    return None


def _diagnostic(dsn: EmailMessage) -> str:
    for part in dsn.walk():
        if part.get_content_type() == "message/delivery-status":
            for block in part.get_payload():
                code = block.get("Diagnostic-Code") or block.get("Status")
                if code:
                    return str(code).strip()
    return str(dsn.get("Subject", "bounced")).strip()


def record_bounce(engine: Engine, raw: bytes, at: datetime | None = None) -> int | None:
    """Mark the message a bounce reports on as bounced and schedule its retry; its id or None."""
    at = at or now_utc()
    dsn = BytesParser(policy=email.policy.default).parsebytes(raw)
    message_ref = _original_message_ref(dsn)
    if message_ref is None:
        return None
    with engine.begin() as con:
        row = con.execute(select(messages).where(messages.c.message_ref == message_ref)).first()
        if row is None:
            return None
        _failure(con, row, at, f"bounced: {_diagnostic(dsn)}", status=BOUNCED)
    return row.message_id


def record_bounces_from_maildir(engine: Engine, maildir: Path, at: datetime | None = None) -> int:
    """Read the bounce mailbox the mail server delivers to; each processed mail is removed."""
    if not maildir.is_dir():
        return 0
    box = mailbox.Maildir(maildir, create=False)
    recorded = 0
    for key in list(box.keys()):
        with box.get_file(key) as handle:
            raw = handle.read()
        if record_bounce(engine, raw, at) is not None:
            recorded += 1
        box.remove(key)
    return recorded


def message_status(engine: Engine, message_id: int):
    with engine.connect() as con:
        return con.execute(select(messages).where(messages.c.message_id == message_id)).one()


def undelivered(engine: Engine) -> list:
    """Messages not sent yet, for the operator: queued, failed or bounced."""
    with engine.connect() as con:
        return con.execute(
            select(messages).where(messages.c.status != SENT).order_by(messages.c.message_id)
        ).all()
