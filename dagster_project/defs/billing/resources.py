"""The operational store as a Dagster resource: numbering, approvals and cases live there."""

from pathlib import Path

import dagster as dg
from pydantic import PrivateAttr
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from energia.settings import get_settings
from energia.store import create_store_engine, migrate_store, store_sessions


class OperationalStore(dg.ConfigurableResource):
    """The store at `url`, or the SQLite file `operational.sqlite` in `data_home`; brought to
    the latest migration when a run starts (the embedded setup has no separate deploy step)."""

    data_home: str
    url: str | None = None
    _engine: Engine | None = PrivateAttr(default=None)

    @property
    def store_url(self) -> str:
        return self.url or f"sqlite:///{Path(self.data_home).resolve() / 'operational.sqlite'}"

    def setup_for_execution(self, context: dg.InitResourceContext) -> None:
        migrate_store(self.store_url)
        self._engine = create_store_engine(self.store_url)

    def teardown_after_execution(self, context: dg.InitResourceContext) -> None:
        if self._engine is not None:
            self._engine.dispose()

    def sessions(self) -> sessionmaker[Session]:
        if self._engine is None:
            raise RuntimeError("the operational store is used outside a run")
        return store_sessions(self._engine)


def default_store() -> OperationalStore:
    settings = get_settings()
    return OperationalStore(data_home=str(settings.data_home), url=settings.operational_store_url)
