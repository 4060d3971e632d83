"""One settings object for the whole platform, read from ENERGIA_* environment variables."""

from __future__ import annotations

from functools import cached_property
from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    """Embedded defaults (DuckDB, SQLite, local folders); every path can be pointed elsewhere."""

    model_config = SettingsConfigDict(env_prefix="ENERGIA_", extra="ignore")

    data_home: Path = Field(default=Path("data"), description="holds landing/, serving/, out/")
    operational_store_url: str | None = Field(
        default=None, description="SQLAlchemy URL; default a SQLite file in the data home"
    )
    # outgoing mail (invoices, pre-invoices); the defaults reach a test server on the loopback
    smtp_host: str = "127.0.0.1"
    smtp_port: int = 8025
    smtp_starttls: bool = False
    smtp_username: str | None = None
    smtp_password: str | None = Field(
        default=None, repr=False, description="ENERGIA_SMTP_PASSWORD; kept out of reprs and logs"
    )
    smtp_sender: str = "fatture@localhost"
    smtp_timeout_seconds: float = Field(
        default=30.0, gt=0, description="connect and per-command socket timeout"
    )
    default_locale: str = "it"
    # synthetic data scale, used by the demo and the generator's defaults
    seed: int = 20250101
    companies: int = 2
    customers: int = 60
    months: int = 3
    start_month: str = "2025-01"
    defect_rate: float = Field(default=0.01, ge=0, le=0.5)

    @cached_property
    def root(self) -> Path:
        return self.data_home.resolve()

    @property
    def landing_dir(self) -> Path:
        return self.root / "landing"

    @property
    def warehouse_path(self) -> Path:
        return self.root / "warehouse.duckdb"

    @property
    def serving_dir(self) -> Path:
        return self.root / "serving"

    @property
    def out_dir(self) -> Path:
        return self.root / "out"

    @property
    def store_url(self) -> str:
        return self.operational_store_url or f"sqlite:///{self.root / 'operational.sqlite'}"


def get_settings() -> Settings:
    return Settings()
