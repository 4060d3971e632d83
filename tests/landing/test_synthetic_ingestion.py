"""A synthetic delivery with defects: each defect is caught, every line accounted for."""

from __future__ import annotations

from collections import Counter

import duckdb
import pytest

from landing.loader import ensure_raw_schema, load_source
from landing.sources import SOURCES
from synthetic import generate

# the loader's reasons for each kind of defect the generator injects (curves and registers)
REASON_OF_KIND = {
    "duplicate": ("duplicate of line",),
    "negative": ("negative value in", "negative reading"),
    "impossible": ("value above the physical cap",),
    "wrong_field_count": ("expected ",),
    "bad_number": ("not a valid number",),
    "bad_date": ("is not a valid date",),
    "unknown_supply_point": ("unknown supply point",),
}


@pytest.fixture(scope="module")
def loaded(tmp_path_factory):
    landing = tmp_path_factory.mktemp("landing")
    summary = generate(
        landing, seed=11, companies=2, customers=16, months=2, start="2025-10", defect_rate=0.03
    )
    con = duckdb.connect()
    ensure_raw_schema(con)
    results = [r for s in SOURCES for r in load_source(con, landing, s)]
    yield summary, results, con
    con.close()


def test_every_line_is_loaded_or_quarantined(loaded):
    summary, results, con = loaded
    by_file = {r.file: r for r in results}
    assert set(by_file) == set(summary.files)
    for file, lines in summary.files.items():
        r = by_file[file]
        if r.status == "superseded":
            continue
        assert r.status == "loaded", (file, r.reason)
        assert r.lines_in == lines
        assert r.lines_loaded + r.lines_quarantined == r.lines_in, file


def test_each_injected_defect_is_quarantined_with_its_reason(loaded):
    summary, results, con = loaded
    superseded = {r.file for r in results if r.status == "superseded"}
    assert superseded == set(summary.defects.superseded_files)
    quarantine = {
        (f, line): reason
        for f, line, reason in con.execute(
            "SELECT _file, _line, reason FROM raw.quarantine"
        ).fetchall()
    }
    expected = [
        d for d in summary.defects.defects if d.kind in REASON_OF_KIND and d.file not in superseded
    ]
    assert expected, "the generator injected no line defects"
    for d in expected:
        reason = quarantine[(d.file, d.line)]
        assert any(r in reason for r in REASON_OF_KIND[d.kind]), (d, reason)
    # nothing else is quarantined than what was injected
    assert len(quarantine) == len(expected)
    kinds = Counter(d.kind for d in expected)
    assert set(kinds) == set(REASON_OF_KIND)


def test_gaps_load_as_missing_quarter_hours(loaded):
    summary, results, con = loaded
    gaps = [
        d
        for d in summary.defects.defects
        if d.kind == "gap" and d.file not in summary.defects.superseded_files
    ]
    assert gaps
    d = gaps[0]
    present = con.execute(
        "SELECT count(*) FROM raw.ele_interval_readings WHERE _file = ? AND _line = ?",
        [d.file, d.line],
    ).fetchone()[0]
    assert 0 < present < 100
