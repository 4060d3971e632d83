"""The exports' tables in the operational store: outbox, outbound documents, attachments, SdI files.

They have their own SQLAlchemy `MetaData` and are created with `create_all` until the store's
Alembic migrations take them over; every name starts with `export_` so none can collide.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import (
    Boolean,
    Column,
    Date,
    DateTime,
    Engine,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    create_engine,
    event,
)

QUEUED = "queued"
SENT = "sent"
FAILED = "failed"
BOUNCED = "bounced"
MESSAGE_STATUSES = (QUEUED, SENT, FAILED, BOUNCED)
EMAIL = "email"
PEC = "pec"
POST = "post"
CHANNELS = (EMAIL, PEC, POST)

metadata = MetaData()

# one outgoing email; the MIME message is kept on disk exactly as first built, so every retry
# sends the same bytes
messages = Table(
    "export_messages",
    metadata,
    Column("message_id", Integer, primary_key=True, autoincrement=True),
    Column("dedupe_key", String(200), nullable=False, unique=True),
    Column("message_ref", String(200), nullable=False, unique=True),  # the Message-ID header
    Column("company_id", String(40), nullable=False),
    Column("kind", String(20), nullable=False),  # invoice, invoices, pre_invoice
    Column("channel", String(10), nullable=False),  # email, pec
    Column("recipient", String(320), nullable=False),
    Column("subject", String(500), nullable=False),
    Column("eml_path", String(1000), nullable=False),
    Column("status", String(10), nullable=False),
    Column("attempts", Integer, nullable=False, default=0),
    Column("last_error", Text),
    Column("next_attempt_at", DateTime(timezone=True)),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("sent_at", DateTime(timezone=True)),
    Index("ix_export_messages_due", "status", "next_attempt_at"),
)

# CM14: every document that left for a customer, by which channel, when, and how it went
outbound_documents = Table(
    "export_outbound_documents",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("company_id", String(40), nullable=False),
    Column("customer_id", String(40), nullable=False),
    Column("billing_account_id", String(40), nullable=False),
    Column("document_id", String(80), nullable=False),  # the invoice id
    Column("document_number", String(80)),
    Column("document_kind", String(30), nullable=False),  # invoice_pdf, fatturapa_xml, ...
    Column("file_name", String(300), nullable=False),
    Column("channel", String(10), nullable=False),
    Column("recipient", String(320), nullable=False),
    Column("message_id", Integer, ForeignKey("export_messages.message_id")),
    Column("batch_id", String(120)),  # the postal batch a letter went in
    Column("status", String(10), nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False),
    Index("ix_export_outbound_customer", "customer_id", "created_at"),
    Index("ix_export_outbound_document", "document_id", "channel"),
)

# PR6: files that travel with invoices; scope says which: one invoice, every invoice of a
# billing account, or every invoice of a company (a regulator's notice)
attachments = Table(
    "export_attachments",
    metadata,
    Column("attachment_id", Integer, primary_key=True, autoincrement=True),
    Column("company_id", String(40), nullable=False),
    Column("scope", String(20), nullable=False),  # invoice, billing_account, company
    Column("target_id", String(80), nullable=False),
    Column("title", String(200), nullable=False),
    Column("file_name", String(300), nullable=False),
    Column("path", String(1000), nullable=False),
    Column("media_type", String(100), nullable=False),
    Column("sha256", String(64), nullable=False),
    Column("valid_from", Date),
    Column("valid_to", Date),
    Column("active", Boolean, nullable=False, default=True),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Index("ix_export_attachments_target", "scope", "target_id"),
)

# the SdI file progressive: assigned once per document and never reused
fatturapa_files = Table(
    "export_fatturapa_files",
    metadata,
    Column("sequence", Integer, primary_key=True, autoincrement=True),
    Column("company_id", String(40), nullable=False),
    Column("invoice_id", String(80), nullable=False, unique=True),
    Column("created_at", DateTime(timezone=True), nullable=False),
)


def now_utc() -> datetime:
    return datetime.now(UTC)


def as_utc(moment: datetime | None) -> datetime | None:
    """SQLite hands timestamps back without a zone; they are always stored in UTC."""
    if moment is None or moment.tzinfo is not None:
        return moment
    return moment.replace(tzinfo=UTC)


def _sqlite_pragmas(dbapi_connection, _record) -> None:
    cursor = dbapi_connection.cursor()
    # WAL lets Dash read while a Dagster run writes; the timeout waits out a concurrent writer
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA busy_timeout=10000")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()


def outbox_engine(url: str) -> Engine:
    """An engine on the operational store with the exports' tables created."""
    engine = create_engine(url)
    if engine.dialect.name == "sqlite":
        if engine.url.database and engine.url.database != ":memory:":
            Path(engine.url.database).parent.mkdir(parents=True, exist_ok=True)
        event.listen(engine, "connect", _sqlite_pragmas)
    metadata.create_all(engine)
    return engine
