"""Attachments (PR6): files registered once that travel with invoices, by email and by post."""

from __future__ import annotations

import hashlib
import mimetypes
import shutil
from collections.abc import Iterable
from dataclasses import replace
from datetime import date
from pathlib import Path

from sqlalchemy import Engine, insert, select, update

from exports.documents import Attachment, InvoiceDocument
from exports.outbox import attachments, now_utc

SCOPES = ("invoice", "billing_account", "company")


class AttachmentError(ValueError):
    """A bad attachment request; the message names the field."""


def add_attachment(
    engine: Engine,
    store_dir: Path,
    *,
    company_id: str,
    scope: str,
    target_id: str,
    title: str,
    source: Path,
    valid_from: date | None = None,
    valid_to: date | None = None,
) -> int:
    """Copy `source` into the store's files (named by content) and attach it; returns its id."""
    if scope not in SCOPES:
        raise AttachmentError(f"scope: {scope!r} is not one of {', '.join(SCOPES)}")
    if not title.strip():
        raise AttachmentError("title: must not be empty")
    if not source.is_file():
        raise AttachmentError(f"source: {source} is not a file")
    if valid_from and valid_to and valid_to < valid_from:
        raise AttachmentError("valid_to: before valid_from")
    content = source.read_bytes()
    digest = hashlib.sha256(content).hexdigest()
    stored = store_dir / f"{digest}{source.suffix.lower()}"
    if not stored.exists():
        stored.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(source, stored)
    media_type = mimetypes.guess_type(source.name)[0] or "application/octet-stream"
    with engine.begin() as con:
        return con.execute(
            insert(attachments).values(
                company_id=company_id,
                scope=scope,
                target_id=target_id,
                title=title.strip(),
                file_name=source.name,
                path=str(stored),
                media_type=media_type,
                sha256=digest,
                valid_from=valid_from,
                valid_to=valid_to,
                active=True,
                created_at=now_utc(),
            )
        ).inserted_primary_key[0]


def withdraw_attachment(engine: Engine, attachment_id: int) -> None:
    """Stop sending it with new documents; what was already sent stays recorded."""
    with engine.begin() as con:
        con.execute(
            update(attachments)
            .where(attachments.c.attachment_id == attachment_id)
            .values(active=False)
        )


def with_attachments(engine: Engine, docs: Iterable[InvoiceDocument]) -> list[InvoiceDocument]:
    """Each document with the active attachments of its invoice, account and company."""
    docs = list(docs)
    if not docs:
        return docs
    # attachments are few (terms, notices): read the companies' active ones and match here
    query = (
        select(attachments)
        .where(attachments.c.active.is_(True))
        .where(attachments.c.company_id.in_(sorted({d.company_id for d in docs})))
        .order_by(attachments.c.attachment_id)
    )
    with engine.connect() as con:
        rows = con.execute(query).mappings().all()
    result = []
    for doc in docs:
        day = doc.issue_date or doc.period_end
        keys = {
            ("invoice", doc.invoice_id),
            ("billing_account", doc.account.billing_account_id),
            ("company", doc.company_id),
        }
        found = tuple(
            Attachment(
                r["attachment_id"], r["title"], r["file_name"], Path(r["path"]), r["media_type"]
            )
            for r in rows
            if (r["scope"], r["target_id"]) in keys
            and r["company_id"] == doc.company_id
            and (r["valid_from"] is None or r["valid_from"] <= day)
            and (r["valid_to"] is None or day <= r["valid_to"])
        )
        result.append(replace(doc, attachments=found))
    return result
