"""`dbt build` over synthetic landing files loaded by ingestion, and what the determinants say.

The generator writes a small portfolio (with defects, re-deliveries, a meter replacement,
register roll-overs, DSO estimates, self-readings and forecasts), landing/loader.py loads it,
dbt builds it; the figures checked here come from the landing files and the generator's own
account of what it wrote.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from decimal import Decimal
from pathlib import Path

import duckdb
import pytest
from dbt_invocation import dbt_cli_args, failures, invoke_dbt

from landing.loader import load_public_holidays, load_source
from landing.sources import SOURCES, SOURCES_BY_NAME
from synthetic import Summary, generate

pytestmark = pytest.mark.slow

PORTFOLIO = {"companies": 2, "customers": 16, "months": 3, "start": "2025-01"}


@pytest.fixture(scope="module")
def synthetic_warehouse(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Summary, Path]:
    """(warehouse, generator summary, landing folder) after ingestion and `dbt build`."""
    home = tmp_path_factory.mktemp("synthetic")
    landing = home / "landing"
    summary = generate(landing, seed=5, defect_rate=0.02, **PORTFOLIO)
    warehouse = home / "warehouse.duckdb"
    with duckdb.connect(str(warehouse)) as con:
        load_public_holidays(con, range(2024, 2028))
        for source in SOURCES:
            load_source(con, landing, source)
    result = invoke_dbt(dbt_cli_args("build", home), warehouse)
    assert result.success, failures(result)
    return warehouse, summary, landing


@pytest.fixture
def con(synthetic_warehouse):
    with duckdb.connect(str(synthetic_warehouse[0])) as connection:
        yield connection


def _records(landing: Path, name: str) -> list[dict[str, str]]:
    """The data lines of a source's current files (a re-delivery replaces its first version)."""
    source = SOURCES_BY_NAME[name]
    names = [c.name for c in source.columns]
    paths = sorted((landing / source.folder).rglob("*.csv"))
    redelivered = {p.with_name(p.name.replace("__v2", "")) for p in paths if "__v2" in p.name}
    return [
        dict(zip(names, line.split(";"), strict=False))
        for path in paths
        if path not in redelivered
        for line in path.read_text(encoding="utf-8").splitlines()[1:]
    ]


def _day(text: str) -> dt.date:
    return dt.datetime.strptime(text, "%d/%m/%Y").date()


def test_every_implausible_self_reading_is_rejected_and_the_right_ones_used(
    synthetic_warehouse, con
) -> None:
    _, summary, _ = synthetic_warehouse
    verdicts = {
        (point, day.isoformat()): status
        for point, day, status in con.execute(
            "select supply_point_id, reading_date, status from marts.fct_self_readings_validated"
        ).fetchall()
    }
    events = summary.events["self_readings"]
    assert events and {e["flaw"] for e in events} > {""}
    for e in events:
        status = verdicts[(e["supply_point_id"], e["reading_date"])]
        if e["flaw"]:
            assert status == "rejected", e
        else:
            assert status in ("accepted", "superseded"), e


def test_every_register_point_has_determinants_for_every_month(synthetic_warehouse, con) -> None:
    months = {
        (point, month)
        for point, month in con.execute(
            "select supply_point_id, billing_month from reports.rpt_billing_determinants "
            "where not is_true_up and interval_count is null"
        ).fetchall()
    }
    # a point's billing starts after its first trusted reading (a defect can take the opening)
    first_readings = dict(
        con.execute(
            "select supply_point_id, min(reading_date) "
            "from intermediate.int_register_readings_chained group by 1"
        ).fetchall()
    )
    first = dt.date.fromisoformat(f"{PORTFOLIO['start']}-01")
    period = [dt.date(first.year, first.month + i, 1) for i in range(PORTFOLIO["months"])]
    supplied = {
        point
        for (point,) in con.execute(
            "select supply_point_id from marts.fct_contract_versions where version_end_date is null"
        ).fetchall()
    }
    checked = 0
    for point, first_reading in first_readings.items():
        if point in supplied:
            billed = {(point, m) for m in period if m > first_reading}
            assert billed <= months, point
            checked += len(billed)
    assert checked


def test_dso_estimates_are_billed_as_estimates_and_trued_up(con) -> None:
    rows = con.execute(
        "select provenance, is_true_up, count(*) from reports.rpt_billing_determinants "
        "where interval_count is null group by all"
    ).fetchall()
    kinds = {(provenance, true_up) for provenance, true_up, _ in rows}
    assert {("actual", False), ("estimate", False), ("actual", True)} <= kinds
    # a true-up restates exactly the estimated periods of earlier bills
    uncovered = con.execute(
        """
        select t.determinant_id
        from reports.rpt_billing_determinants as t
        left join reports.rpt_billing_determinants as e
            on e.supply_point_id = t.supply_point_id and e.band = t.band
            and e.provenance = 'estimate' and e.billing_month < t.billing_month
            and e.period_start >= t.period_start and e.period_end <= t.period_end
        where t.is_true_up
        group by t.determinant_id, t.period_start, t.period_end
        having coalesce(sum(e.period_end - e.period_start + 1), 0)
            <> t.period_end - t.period_start + 1
        """
    ).fetchall()
    assert uncovered == []


def test_the_meter_replacement_counts_both_meters(synthetic_warehouse, con) -> None:
    _, summary, landing = synthetic_warehouse
    [change] = summary.events["meter_replacements"]
    point, day = change["supply_point_id"], dt.date.fromisoformat(change["day"])
    readings = {
        (_day(r["reading_date"]), r["meter_serial"]): Decimal(r["reading_m3"])
        for r in _records(landing, "gas_register_readings")
        if r["pdr"] == point
    }
    old, new = change["old_meter_serial"], change["new_meter_serial"]
    month_start = day.replace(day=1)
    previous = readings[(month_start - dt.timedelta(days=1), old)]
    month_end = max(d for d, meter in readings if meter == new and d.month == day.month)
    expected = (readings[(day, old)] - previous) + (
        readings[(month_end, new)] - readings[(day, new)]
    )
    quantity = con.execute(
        "select sum(quantity_m3) from reports.rpt_billing_determinants "
        "where supply_point_id = ? and billing_month = ? and not is_true_up",
        [point, month_start],
    ).fetchone()[0]
    assert quantity == expected


def test_roll_overs_count_past_the_meters_digits(synthetic_warehouse, con) -> None:
    _, summary, _ = synthetic_warehouse
    rollovers = summary.events["register_rollovers"]
    assert rollovers
    digits = dict(
        con.execute("select supply_point_id, meter_digits from marts.dim_supply_point").fetchall()
    )
    band_of = {"reading_f1": "F1", "reading_f2": "F2", "reading_f3": "F3", "reading_m3": "ALL"}
    for r in rollovers:
        day = dt.date.fromisoformat(r["reading_date"])
        rolled = 10 ** digits[r["supply_point_id"]] - int(r["previous"]) + int(r["reading"])
        quantity = con.execute(
            "select quantity from intermediate.int_register_readings_chained "
            "where supply_point_id = ? and reading_date = ? and band = ?",
            [r["supply_point_id"], day, band_of[r["register"]]],
        ).fetchone()[0]
        assert quantity == rolled, r


def test_interval_determinants_add_up_to_the_load_curve(con) -> None:
    """A complete curve is billed as measured; a curve with gaps is billed as an estimate,
    above what arrived by the quarter hours that did not."""
    by_point = defaultdict(Decimal)
    for point, kwh in con.execute(
        """
        select curve.supply_point_id, sum(curve.kwh)
        from reports.rpt_load_curve as curve
        inner join intermediate.int_contract_periods_split as periods
            on curve.supply_point_id = periods.supply_point_id
            and curve.local_date between periods.period_start and periods.period_end
        group by 1
        """
    ).fetchall():
        by_point[point] = kwh
    rows = con.execute(
        "select supply_point_id, sum(quantity), bool_and(completeness = 1), "
        "bool_and((completeness = 1) = (provenance = 'actual')) "
        "from reports.rpt_billing_determinants where interval_count is not null group by 1"
    ).fetchall()
    assert rows
    complete = {p: q for p, q, whole, _ in rows if whole}
    estimated = {p: q for p, q, whole, _ in rows if not whole}
    assert complete and estimated
    assert complete == {p: by_point.get(p, Decimal(0)) for p in complete}
    assert all(q > by_point.get(p, Decimal(0)) for p, q in estimated.items()), estimated
    assert all(labelled for *_, labelled in rows)
    incomplete = con.execute(
        "select count(*) from reports.rpt_billing_determinants "
        "where completeness < 1 and interval_count > 0"
    ).fetchone()[0]
    assert incomplete > 0  # the gaps the generator put in the curves show
