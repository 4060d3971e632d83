"""Fixtures for the dashboard tests: a temporary data home that ENERGIA_DATA_HOME points to,
with or without a published snapshot, its operational store with one user per role, and the
Dash app with its pages."""

from __future__ import annotations

import importlib
from pathlib import Path
from types import SimpleNamespace

import pytest
from dashboard_fixtures import switch_current, write_snapshot
from portal_fixtures import build_store, copy_store, write_invoice_pdfs, write_portal_tables

from access.directory import Directory
from energia.store import create_store_engine


@pytest.fixture
def data_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An empty data home: nothing published yet."""
    home = tmp_path / "data"
    (home / "serving").mkdir(parents=True)
    monkeypatch.setenv("ENERGIA_DATA_HOME", str(home))
    monkeypatch.setenv("ENERGIA_DEFAULT_LOCALE", "it")
    monkeypatch.delenv("ENERGIA_OPERATIONAL_STORE_URL", raising=False)
    return home


@pytest.fixture
def serving_dir(data_home: Path) -> Path:
    """A data home with one published snapshot, `s1`."""
    serving = data_home / "serving"
    write_snapshot(serving, "s1")
    switch_current(serving, "s1")
    return serving


@pytest.fixture(scope="session")
def store_template(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, int]]:
    """The operational store with one user per role, built once (argon2 hashing is slow on
    purpose); each test gets a copy."""
    path = tmp_path_factory.mktemp("store") / "operational.sqlite"
    return path, build_store(path)


@pytest.fixture
def portal(data_home: Path, store_template) -> SimpleNamespace:
    """A data home with the full snapshot `s1`, invoice PDFs under out/, and the store; the
    principals of every test user, as the server would load them."""
    serving = data_home / "serving"
    write_portal_tables(write_snapshot(serving, "s1"))
    switch_current(serving, "s1")
    pdfs = write_invoice_pdfs(data_home / "out")
    template, ids = store_template
    store = copy_store(template, data_home)
    engine = create_store_engine(f"sqlite:///{store}")
    directory = Directory(engine)
    principals = {name: directory.principal(user_id) for name, user_id in ids.items()}
    engine.dispose()
    return SimpleNamespace(home=data_home, ids=ids, principals=principals, pdfs=pdfs)


@pytest.fixture(scope="session")
def pages() -> SimpleNamespace:
    """The page modules. Dash only lets a page register once an app exists, so the app comes
    first; one per test session, as Dash keeps pages and callbacks in globals."""
    from dashboards.app import PAGES, create_app

    app = create_app()
    return SimpleNamespace(
        app=app, **{name: importlib.import_module(f"dashboards.pages.{name}") for name in PAGES}
    )
