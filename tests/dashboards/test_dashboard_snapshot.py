"""Locating the live snapshot: CURRENT read per call, bad or missing snapshots refused."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from dashboard_fixtures import POD_CURVE, SUPPLY_POINTS, switch_current, write_snapshot
from portal_fixtures import EVERYTHING

from dashboards import data
from dashboards.snapshot import MissingTable, NoSnapshot, current_snapshot


def test_nothing_published_yet(data_home: Path) -> None:
    with pytest.raises(NoSnapshot):
        current_snapshot()
    with pytest.raises(NoSnapshot):
        data.summary(EVERYTHING)


@pytest.mark.parametrize("content", ["", "\n", "../../etc", "a/b", ".hidden", "missing"])
def test_current_must_name_a_snapshot_folder(data_home: Path, content: str) -> None:
    write_snapshot(data_home / "serving", "s1")
    (data_home / "serving" / "CURRENT").write_text(content, encoding="utf-8")
    with pytest.raises(NoSnapshot):
        current_snapshot()


def test_current_snapshot(serving_dir: Path) -> None:
    snapshot = current_snapshot()
    assert snapshot.snapshot_id == "s1"
    expected = serving_dir / "snapshots" / "s1" / "rpt_supply_points.parquet"
    assert snapshot.table("rpt_supply_points") == expected


def test_a_missing_table_is_named(data_home: Path) -> None:
    serving = data_home / "serving"
    write_snapshot(serving, "s1", tables=("rpt_supply_points",))
    switch_current(serving, "s1")
    assert data.interval_supply_points(EVERYTHING)
    with pytest.raises(MissingTable) as raised:
        data.load_curve_months(EVERYTHING, POD_CURVE)
    assert raised.value.table == "rpt_load_curve"


def test_switching_current_shows_the_new_snapshot_on_the_next_query(serving_dir: Path) -> None:
    march = date(2025, 3, 1)
    before = {row["band"]: row["kwh"] for row in data.band_totals(EVERYTHING, POD_CURVE, march)}
    extra = (("IT009E00000009", *SUPPLY_POINTS[0][1:]),)
    write_snapshot(serving_dir, "s2", scale=Decimal(2), extra_supply_points=extra)
    assert data.snapshot_id() == "s1"  # written but not switched: still the old one

    switch_current(serving_dir, "s2")

    assert data.snapshot_id() == "s2"
    after = {row["band"]: row["kwh"] for row in data.band_totals(EVERYTHING, POD_CURVE, march)}
    assert after == {band: 2 * kwh for band, kwh in before.items()}
    assert len(data.supply_points(EVERYTHING)) == len(SUPPLY_POINTS) + 1
