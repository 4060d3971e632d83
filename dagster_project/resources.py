"""Resources shared by every asset: the warehouse connection and the dbt CLI."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import dagster as dg
import duckdb

from energia.settings import get_settings


class Warehouse(dg.ConfigurableResource):
    """The DuckDB warehouse; only Dagster runs write it, one at a time (DESIGN.md decision 2)."""

    data_home: str

    @property
    def path(self) -> Path:
        return Path(self.data_home).resolve() / "warehouse.duckdb"

    @property
    def landing_dir(self) -> Path:
        return Path(self.data_home).resolve() / "landing"

    @property
    def serving_dir(self) -> Path:
        return Path(self.data_home).resolve() / "serving"

    @contextmanager
    def connect(self) -> Iterator[duckdb.DuckDBPyConnection]:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        con = duckdb.connect(str(self.path))
        try:
            yield con
        finally:
            con.close()

    def export_for_dbt(self) -> None:
        """dbt reads the warehouse path from the environment of the process that starts it."""
        os.environ["ENERGIA_WAREHOUSE"] = str(self.path)


def default_warehouse() -> Warehouse:
    return Warehouse(data_home=str(get_settings().data_home))
