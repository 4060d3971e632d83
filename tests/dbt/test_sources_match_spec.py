"""The dbt sources declare exactly the raw tables of landing/sources.py and contracts.md."""

from __future__ import annotations

import re
from pathlib import Path

import duckdb
import pytest
import yaml
from raw_fixture import BOOKKEEPING_TABLES, create_raw_schema, raw_tables

from landing.sources import SOURCES

STAGING_DIR = Path(__file__).resolve().parents[2] / "dbt" / "models" / "staging"

# which dbt source groups the raw tables (the top folder of the landing source)
SOURCE_GROUP = {s.name: s.folder.split("/")[0] for s in SOURCES} | {
    "quarantine": "landing",
    "landing_files": "landing",
    "public_holidays": "calendar",
    "ele_interval_segments": "metering",
}


def _normalise(type_: str) -> str:
    return re.sub(r"\s+", "", type_.lower())


def _declared_sources() -> dict[str, dict]:
    """raw table -> {"group": source name, "schema": ..., "columns": {column: data_type}}."""
    declared: dict[str, dict] = {}
    for path in sorted(STAGING_DIR.glob("*/_*__sources.yml")):
        for source in yaml.safe_load(path.read_text())["sources"]:
            assert path.name == f"_{source['name']}__sources.yml", path
            assert path.parent.name == source["name"], path
            for table in source["tables"]:
                assert table["name"] not in declared, f"{table['name']} declared twice"
                declared[table["name"]] = {
                    "group": source["name"],
                    "schema": source.get("schema"),
                    "columns": {c["name"]: c.get("data_type") for c in table.get("columns", [])},
                }
    return declared


def test_every_raw_table_is_declared_once_and_nothing_else() -> None:
    assert set(_declared_sources()) == set(raw_tables())


@pytest.mark.parametrize("table", sorted(raw_tables()))
def test_raw_table_columns_and_types_match_the_spec(table: str) -> None:
    declared = _declared_sources()[table]
    expected = {name: _normalise(type_) for name, type_ in raw_tables()[table]}
    actual = {name: _normalise(type_ or "") for name, type_ in declared["columns"].items()}
    assert actual == expected
    assert declared["schema"] == "raw"
    assert declared["group"] == SOURCE_GROUP[table]


def test_every_landing_source_keeps_lineage_columns() -> None:
    declared = _declared_sources()
    for source in SOURCES:
        assert {"_file", "_file_key", "_line", "_loaded_at"} <= set(
            declared[source.name]["columns"]
        )


def test_interval_readings_are_declared_long() -> None:
    columns = _declared_sources()["ele_interval_readings"]["columns"]
    assert columns["slot"] == "smallint"
    assert _normalise(columns["kwh"]) == "decimal(18,6)"
    assert not any(re.fullmatch(r"e\d{3}", c) for c in columns)


def test_bookkeeping_tables_are_those_of_the_contract() -> None:
    assert set(BOOKKEEPING_TABLES) == {"quarantine", "landing_files", "public_holidays"}


def test_raw_fixture_creates_what_ingestion_creates() -> None:
    """The tables these tests stand in for are the ones landing/loader.py really creates."""
    loader = pytest.importorskip("landing.loader")

    def columns(create) -> set[tuple[str, str, str]]:
        with duckdb.connect() as con:
            create(con)
            return set(
                con.execute(
                    "select table_name, column_name, data_type from information_schema.columns "
                    "where table_schema = 'raw'"
                ).fetchall()
            )

    assert columns(create_raw_schema) == columns(loader.ensure_raw_schema)
