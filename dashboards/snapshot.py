"""Find the Parquet snapshot the dashboards read: the one `serving/CURRENT` names."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from energia.settings import get_settings


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
    serving_dir = serving_dir or get_settings().serving_dir
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
