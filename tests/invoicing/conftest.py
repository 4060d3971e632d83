"""Fixtures of the invoicing tests: a fresh warehouse and operational store per test."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from invoicing_fixtures import migrated_store_file, open_store


@pytest.fixture(scope="session")
def store_template(tmp_path_factory) -> Path:
    """The store migrated once; each test gets a copy (migrating takes a few hundred ms)."""
    return migrated_store_file(tmp_path_factory.mktemp("store_template"))


@pytest.fixture
def store(tmp_path, store_template):
    path = tmp_path / "operational.sqlite"
    shutil.copyfile(store_template, path)
    sessions = open_store(path)
    yield sessions
    sessions.kw["bind"].dispose()
