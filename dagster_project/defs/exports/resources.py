"""The exports' resource: the operational store, the mail server and the FatturaPA schema."""

from pathlib import Path

import dagster as dg
from sqlalchemy import Engine

from energia.settings import get_settings
from exports.delivery import OutputPaths
from exports.fatturapa import default_schema_dir
from exports.mail import SmtpConfig
from exports.outbox import outbox_engine


class Exports(dg.ConfigurableResource):
    """Where documents are written and how they are sent.

    Files go under the warehouse's data home (`out/`); the store defaults to the operational
    store beside it, so a run on another data home never touches this one's outbox.
    """

    store_url: str | None = None
    smtp_host: str = "127.0.0.1"
    smtp_port: int = 8025
    smtp_sender: str = "fatture@localhost"
    smtp_starttls: bool = False
    smtp_username: str | None = None
    smtp_password: str | None = None
    smtp_timeout_seconds: float = 30.0
    schema_dir: str | None = None
    pdf_workers: int | None = None

    def engine(self, data_home: str) -> Engine:
        url = self.store_url or f"sqlite:///{Path(data_home).resolve() / 'operational.sqlite'}"
        return outbox_engine(url)

    def paths(self, data_home: str) -> OutputPaths:
        return OutputPaths(Path(data_home).resolve() / "out")

    def smtp(self) -> SmtpConfig:
        return SmtpConfig(
            self.smtp_host,
            self.smtp_port,
            self.smtp_sender,
            self.smtp_starttls,
            self.smtp_username,
            self.smtp_password,
            self.smtp_timeout_seconds,
        )

    def fatturapa_schema_dir(self) -> Path | None:
        """The XSD folder to validate against; None when the schema is not installed here."""
        folder = Path(self.schema_dir) if self.schema_dir else default_schema_dir()
        return folder if folder.is_dir() else None


def default_exports() -> Exports:
    s = get_settings()
    return Exports(
        store_url=s.operational_store_url,
        smtp_host=s.smtp_host,
        smtp_port=s.smtp_port,
        smtp_sender=s.smtp_sender,
        smtp_starttls=s.smtp_starttls,
        smtp_username=s.smtp_username,
        smtp_password=s.smtp_password,
        smtp_timeout_seconds=s.smtp_timeout_seconds,
    )
