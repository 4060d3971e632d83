"""Fixtures for the dashboard tests: a temporary data home that ENERGIA_DATA_HOME points to,
with or without a published snapshot, and the Dash app with its pages."""

from __future__ import annotations

import importlib
from pathlib import Path
from types import SimpleNamespace

import pytest
from dashboard_fixtures import switch_current, write_snapshot


@pytest.fixture
def data_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An empty data home: nothing published yet."""
    home = tmp_path / "data"
    (home / "serving").mkdir(parents=True)
    monkeypatch.setenv("ENERGIA_DATA_HOME", str(home))
    monkeypatch.setenv("ENERGIA_DEFAULT_LOCALE", "it")
    return home


@pytest.fixture
def serving_dir(data_home: Path) -> Path:
    """A data home with one published snapshot, `s1`."""
    serving = data_home / "serving"
    write_snapshot(serving, "s1")
    switch_current(serving, "s1")
    return serving


@pytest.fixture(scope="session")
def pages() -> SimpleNamespace:
    """The page modules. Dash only lets a page register once an app exists, so the app comes
    first; one per test session, as Dash keeps pages and callbacks in globals."""
    from dashboards.app import PAGES, create_app

    app = create_app()
    return SimpleNamespace(
        app=app, **{name: importlib.import_module(f"dashboards.pages.{name}") for name in PAGES}
    )
