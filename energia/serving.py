"""Publish report tables as an immutable Parquet snapshot that Dash reads (DESIGN.md decision 2)."""

from __future__ import annotations

import datetime as dt
import os
import shutil
import uuid
from dataclasses import dataclass
from pathlib import Path

import duckdb

PUBLISHED_SCHEMAS = ("reports", "billing")
KEEP_SNAPSHOTS = 2  # a page mid-query on the previous snapshot keeps its files


@dataclass(frozen=True)
class Snapshot:
    snapshot_id: str
    path: Path
    tables: dict[str, int]  # table -> rows


def current_snapshot_id(serving_dir: Path) -> str | None:
    pointer = serving_dir / "CURRENT"
    return pointer.read_text().strip() if pointer.exists() else None


def publish_snapshot(con: duckdb.DuckDBPyConnection, serving_dir: Path) -> Snapshot:
    """Write every published table to a new snapshot folder, then switch CURRENT atomically."""
    snapshot_id = f"{dt.datetime.now(dt.UTC):%Y%m%dT%H%M%S}Z-{uuid.uuid4().hex[:6]}"
    snapshots = serving_dir / "snapshots"
    target = snapshots / snapshot_id
    staging = snapshots / f".{snapshot_id}.tmp"
    staging.mkdir(parents=True)
    tables = con.execute(
        "SELECT table_schema, table_name FROM information_schema.tables "
        f"WHERE table_schema IN ({', '.join('?' * len(PUBLISHED_SCHEMAS))}) "
        "AND (table_schema <> 'reports' OR table_name LIKE 'rpt\\_%' ESCAPE '\\') "
        "ORDER BY 1, 2",
        list(PUBLISHED_SCHEMAS),
    ).fetchall()
    counts = {}
    for schema, name in tables:
        out = staging / f"{name}.parquet"
        con.execute(f'COPY "{schema}"."{name}" TO \'{out}\' (FORMAT parquet, COMPRESSION zstd)')
        counts[name] = con.execute(f'SELECT count(*) FROM "{schema}"."{name}"').fetchone()[0]
    staging.rename(target)
    pointer_tmp = serving_dir / f".CURRENT.{snapshot_id}"
    pointer_tmp.write_text(snapshot_id + "\n")
    os.replace(pointer_tmp, serving_dir / "CURRENT")
    _prune(snapshots, keep=KEEP_SNAPSHOTS)
    return Snapshot(snapshot_id, target, counts)


def _prune(snapshots: Path, keep: int) -> None:
    done = sorted(p for p in snapshots.iterdir() if p.is_dir() and not p.name.startswith("."))
    for old in done[:-keep]:
        shutil.rmtree(old, ignore_errors=True)
