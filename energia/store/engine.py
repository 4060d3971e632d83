"""Connections to the operational store: SQLite in WAL mode by default, PostgreSQL by URL."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker

from energia.settings import get_settings

ROOT = Path(__file__).resolve().parents[2]
MIGRATIONS = ROOT / "migrations"
# how long a writer waits for another one to finish before giving up
SQLITE_BUSY_TIMEOUT_MS = 30_000


def create_store_engine(url: str | None = None) -> Engine:
    """An engine on the store at `url` (default: the settings' store URL)."""
    url = url or get_settings().store_url
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite":
        return create_engine(url, pool_pre_ping=True)
    if parsed.database and parsed.database != ":memory:":
        Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
    engine = create_engine(url, connect_args={"timeout": SQLITE_BUSY_TIMEOUT_MS / 1000})
    event.listen(engine, "connect", _configure_sqlite)
    event.listen(engine, "begin", _begin_immediate)
    return engine


def _configure_sqlite(dbapi_connection, _record) -> None:
    # The driver's own transaction handling starts transactions lazily, after reads; SQLite then
    # refuses to upgrade a reader that raced a writer. SQLAlchemy's "begin" event takes over.
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()


def _begin_immediate(connection) -> None:
    # every transaction takes the write lock up front: a counter read then written by two
    # issue runs at once is serialised instead of one of them failing mid-way
    connection.exec_driver_sql("BEGIN IMMEDIATE")


def store_sessions(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(engine, expire_on_commit=False)


def alembic_config(url: str | None = None) -> Config:
    """The Alembic configuration of alembic.ini, pointed at `url` (default: the settings')."""
    config = Config(str(ROOT / "alembic.ini"))
    config.set_main_option("script_location", str(MIGRATIONS))
    # the ini file interpolates %, which a password in a URL may contain
    config.set_main_option("sqlalchemy.url", (url or get_settings().store_url).replace("%", "%%"))
    return config


def migrate_store(url: str | None = None, revision: str = "head") -> None:
    """Bring the store at `url` to `revision` (creating the SQLite file if needed)."""
    url = url or get_settings().store_url
    engine = create_store_engine(url)
    try:
        with engine.begin() as connection:
            config = alembic_config(url)
            config.attributes["connection"] = connection
            command.upgrade(config, revision)
    finally:
        engine.dispose()
