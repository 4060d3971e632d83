"""Find the Parquet snapshot the dashboards read: the one `serving/CURRENT` names."""

from __future__ import annotations

import os
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from energia.settings import Settings, get_settings


def current_settings() -> Settings:
    """The settings, read again only when an ENERGIA_ variable changed: building them costs
    milliseconds, and every query of every request needs them."""
    return _settings(
        tuple(sorted((k, v) for k, v in os.environ.items() if k.startswith("ENERGIA_")))
    )


@lru_cache(maxsize=8)
def _settings(_environment: tuple[tuple[str, str], ...]) -> Settings:
    return get_settings()


class DataUnavailable(LookupError):
    """What a page needs has not been published; pages say so instead of failing."""


class NoSnapshot(DataUnavailable):
    pass


class MissingTable(DataUnavailable):
    def __init__(self, snapshot_id: str, table: str) -> None:
        super().__init__(f"snapshot {snapshot_id} has no table {table}")
        self.table = table


@dataclass(frozen=True)
class Snapshot:
    snapshot_id: str
    path: Path

    def table(self, name: str) -> Path:
        parquet = self.path / f"{name}.parquet"
        if not parquet.is_file():
            raise MissingTable(self.snapshot_id, name)
        return parquet


def current_snapshot(serving_dir: Path | None = None) -> Snapshot:
    """The live snapshot. Read on every call: a run publishes by rewriting CURRENT, not by
    telling the dashboards, and the read is one small file."""
    serving_dir = serving_dir or current_settings().serving_dir
    try:
        snapshot_id = (serving_dir / "CURRENT").read_text(encoding="utf-8").strip()
    except FileNotFoundError:
        raise NoSnapshot(f"no snapshot published in {serving_dir}") from None
    # a snapshot id is a folder name; anything that could climb out of snapshots/ is refused
    if not snapshot_id or snapshot_id.startswith(".") or Path(snapshot_id).name != snapshot_id:
        raise NoSnapshot(f"CURRENT in {serving_dir} holds no usable snapshot id")
    path = serving_dir / "snapshots" / snapshot_id
    if not path.is_dir():
        raise NoSnapshot(f"CURRENT names snapshot {snapshot_id}, which is not in {path.parent}")
    return Snapshot(snapshot_id, path)
