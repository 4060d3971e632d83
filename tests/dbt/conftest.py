"""Fixtures that parse and build the dbt project against a temporary DuckDB warehouse."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import duckdb
import pytest
from dbt_invocation import dbt_cli_args, failures, invoke_dbt
from raw_fixture import create_raw_schema, insert_sample


@pytest.fixture(scope="session")
def parsed_manifest(tmp_path_factory: pytest.TempPathFactory) -> Any:
    """`dbt parse` once per session (a fixture, never at import time): the Manifest object."""
    work_dir = tmp_path_factory.mktemp("dbt_parse")
    result = invoke_dbt(dbt_cli_args("parse", work_dir), work_dir / "unused.duckdb")
    assert result.success, failures(result)
    return result.result


@pytest.fixture(scope="session")
def built_warehouse(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """A temporary warehouse with the sample raw rows and a successful `dbt build` over them.

    Returns (warehouse file, dbt work dir).
    """
    work_dir = tmp_path_factory.mktemp("dbt_build")
    warehouse = work_dir / "warehouse.duckdb"
    with duckdb.connect(str(warehouse)) as con:
        create_raw_schema(con)
        insert_sample(con)
    result = invoke_dbt(dbt_cli_args("build", work_dir), warehouse)
    assert result.success, failures(result)
    return warehouse, work_dir


@pytest.fixture
def warehouse(built_warehouse: tuple[Path, Path]) -> Iterator[duckdb.DuckDBPyConnection]:
    """A connection to the built warehouse, closed after the test."""
    with duckdb.connect(str(built_warehouse[0])) as con:
        yield con
