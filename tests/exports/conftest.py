"""Fixtures of the export tests: a contract-shaped warehouse, a store, a real SMTP server."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import pytest
from aiosmtpd.controller import Controller
from exports_fixtures import build_warehouse

from exports.documents import InvoiceDocument
from exports.mail import SmtpConfig
from exports.outbox import outbox_engine
from exports.warehouse import load_invoice_documents

ROOT = Path(__file__).resolve().parents[2]
# the official schemas live beside the repository, read in place (../shared/schemas)
SCHEMA_DIR = ROOT.parent / "shared" / "schemas" / "fatturapa"


@pytest.fixture(scope="session")
def schema_dir() -> Path:
    assert (SCHEMA_DIR / "Schema_del_file_xml_FatturaPA_v1.2.2.xsd").is_file()
    return SCHEMA_DIR


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory) -> tuple[Path, list]:
    path = tmp_path_factory.mktemp("warehouse") / "warehouse.duckdb"
    return path, build_warehouse(path)


@pytest.fixture(scope="module")
def issued(warehouse) -> list[InvoiceDocument]:
    path, _ = warehouse
    con = duckdb.connect(str(path), read_only=True)
    try:
        return load_invoice_documents(con)
    finally:
        con.close()


@pytest.fixture
def store(tmp_path):
    engine = outbox_engine(f"sqlite:///{tmp_path / 'operational.sqlite'}")
    yield engine
    engine.dispose()


@dataclass
class Received:
    mail_from: str
    recipients: list[str]
    content: bytes


@dataclass
class Recorder:
    """An aiosmtpd handler (hooks named by aiosmtpd) that keeps every message and can refuse
    chosen recipients."""

    received: list[Received] = field(default_factory=list)
    refuse: set[str] = field(default_factory=set)

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address in self.refuse:
            return f"550 5.1.1 <{address}>: mailbox unavailable"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        self.received.append(
            Received(envelope.mail_from, list(envelope.rcpt_tos), envelope.content)
        )
        return "250 Message accepted for delivery"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class SmtpServer:
    recorder: Recorder
    config: SmtpConfig


@pytest.fixture
def smtp_server() -> Iterator[SmtpServer]:
    """A real SMTP server on the loopback, on a free port."""
    recorder = Recorder()
    port = free_port()
    controller = Controller(recorder, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield SmtpServer(recorder, SmtpConfig("127.0.0.1", port, "fatture@energia.test"))
    finally:
        controller.stop()
