"""The operational store: migrations match the models, SQLite in WAL mode, exact decimals."""

from __future__ import annotations

import subprocess
import sys
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect, text
from sqlalchemy.exc import StatementError

from energia.store import (
    Base,
    Instalment,
    InstalmentPlan,
    create_store_engine,
    migrate_store,
    store_sessions,
)
from energia.store.engine import alembic_config

ROOT = Path(__file__).resolve().parents[2]


def test_the_migrations_build_exactly_the_models(tmp_path) -> None:
    url = f"sqlite:///{tmp_path / 'store.sqlite'}"
    migrate_store(url)
    engine = create_store_engine(url)
    with engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        assert compare_metadata(context, Base.metadata) == []
        assert connection.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert connection.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
    engine.dispose()


def test_migrations_go_down_and_up_again(tmp_path) -> None:
    url = f"sqlite:///{tmp_path / 'store.sqlite'}"
    migrate_store(url)
    command.downgrade(alembic_config(url), "base")
    engine = create_store_engine(url)
    assert set(inspect(engine).get_table_names()) == {"alembic_version"}
    engine.dispose()
    migrate_store(url)
    engine = create_store_engine(url)
    assert set(Base.metadata.tables) <= set(inspect(engine).get_table_names())
    engine.dispose()


@pytest.mark.slow
def test_the_alembic_command_line_uses_the_settings(tmp_path) -> None:
    home = tmp_path / "home"
    subprocess.run(
        [
            Path(sys.executable).parent / "alembic",
            "-c",
            str(ROOT / "alembic.ini"),
            "upgrade",
            "head",
        ],
        check=True,
        cwd=tmp_path,
        env={"ENERGIA_DATA_HOME": str(home), "PATH": ""},
        capture_output=True,
    )
    engine = create_store_engine(f"sqlite:///{home / 'operational.sqlite'}")
    with engine.connect() as connection:
        assert connection.execute(text("SELECT version_num FROM alembic_version")).scalar()
    engine.dispose()


@pytest.mark.slow
def test_postgresql_gets_numeric_columns(tmp_path) -> None:
    result = subprocess.run(
        [
            Path(sys.executable).parent / "alembic",
            "-c",
            str(ROOT / "alembic.ini"),
            "upgrade",
            "head",
            "--sql",
        ],
        check=True,
        cwd=tmp_path,
        env={"ENERGIA_OPERATIONAL_STORE_URL": "postgresql://energia@localhost/energia", "PATH": ""},
        capture_output=True,
        text=True,
    )
    assert "principal NUMERIC(14, 2) NOT NULL" in result.stdout
    assert "annual_rate NUMERIC(9, 6) NOT NULL" in result.stdout


def test_amounts_round_trip_exactly_and_never_lose_a_digit(store) -> None:
    amount = Decimal("123456789012.34")
    with store.begin() as session:
        plan = InstalmentPlan(
            invoice_id="I1",
            company_id="C01",
            principal=amount,
            annual_rate=Decimal("0.123456"),
            created_at=datetime.now(UTC),
            instalments=[
                Instalment(
                    sequence=1,
                    due_date=date(2025, 1, 1),
                    principal=amount,
                    interest=Decimal("0.10"),
                    amount=amount + Decimal("0.10"),
                )
            ],
        )
        session.add(plan)
    with store() as session:
        (stored,) = session.query(InstalmentPlan).all()
        assert stored.principal == amount and isinstance(stored.principal, Decimal)
        assert stored.instalments[0].amount == Decimal("123456789012.44")
    with pytest.raises(StatementError, match="more than 2 decimals"), store.begin() as session:
        session.add(
            InstalmentPlan(
                invoice_id="I2",
                company_id="C01",
                principal=Decimal("1.001"),
                annual_rate=Decimal(0),
                created_at=datetime.now(UTC),
            )
        )


def test_the_default_store_is_a_sqlite_file_in_the_data_home(tmp_path, monkeypatch) -> None:
    monkeypatch.setenv("ENERGIA_DATA_HOME", str(tmp_path))
    monkeypatch.delenv("ENERGIA_OPERATIONAL_STORE_URL", raising=False)
    engine = create_store_engine()
    assert engine.url.database == str(tmp_path.resolve() / "operational.sqlite")
    assert store_sessions(engine).kw["bind"] is engine
    engine.dispose()
