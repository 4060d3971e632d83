"""Fixtures for the access tests: a migrated SQLite operational store in a temporary folder."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine

from access.directory import Directory
from energia.store import create_store_engine, migrate_store


@pytest.fixture(scope="session")
def migrated_store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Migrated once per session; each test gets its own copy."""
    path = tmp_path_factory.mktemp("store") / "operational.sqlite"
    migrate_store(f"sqlite:///{path}")
    return path


@pytest.fixture
def engine(tmp_path: Path, migrated_store: Path) -> Iterator[Engine]:
    path = tmp_path / "operational.sqlite"
    shutil.copyfile(migrated_store, path)
    engine = create_store_engine(f"sqlite:///{path}")
    yield engine
    engine.dispose()


@pytest.fixture
def directory(engine: Engine) -> Directory:
    return Directory(engine)
