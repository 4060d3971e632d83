"""The set-based engine against the reference rules, and its draft-invoice bookkeeping."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from datetime import date
from decimal import Decimal
from pathlib import Path

import duckdb
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from rating_fixtures import (
    OWN_CASES,
    SHARED_CASES,
    PointSpec,
    assert_same_invoice,
    assert_same_lines,
    case_reference_rows,
    clear_reports,
    engine_invoice,
    engine_lines,
    insert_points,
    new_warehouse,
    reference_case,
)

from rating.case import invoice_json, load_case
from rating.engine import create_billing_tables, rate_month
from rating.rules import ELECTRICITY_BANDS, USES, VOLTAGES, invoice, price

D = Decimal
MARCH = date(2025, 3, 1)
BAND_PRICES = {"F1": D("0.125400"), "F2": D("0.118900"), "F3": D("0.102300")}


def point(
    number: int, account: str, use: str = "domestic_resident", voltage: str = "LV", **changes
) -> PointSpec:
    spec = PointSpec(
        supply_point_id=f"IT001E{number:08d}",
        billing_account_id=account,
        use=use,
        voltage=voltage,
        power_kw=D("3.0"),
        consumption={"F1": D("95.5"), "F2": D("80.25"), "F3": D("140")},
        band_prices=BAND_PRICES,
        price_single=None,
        fee_month=D("7.50"),
    )
    return replace(spec, **changes)


MIXED = [
    point(1, "BA01"),
    point(2, "BA01", power_kw=D("4.5"), consumption={"F1": D("0"), "F2": D("60"), "F3": D("1")}),
    point(3, "BA02", use="domestic_nonresident", band_prices=None, price_single=D("0.139")),
    point(
        4,
        "BA03",
        use="non_domestic",
        voltage="MV",
        power_kw=D("450"),
        consumption={"F1": D("118400"), "F2": D("71250.5"), "F3": D("65320.25")},
    ),
    point(
        5,
        "BA03",
        use="non_domestic",
        voltage="HV",
        power_kw=D("2500"),
        consumption={"F1": D("1500000.123456"), "F2": D("0"), "F3": D("0.000001")},
    ),
    point(
        6,
        "BA04",
        use="non_domestic",
        voltage="LV",
        power_kw=D("15"),
        band_prices=None,
        price_single=D("0.2"),
        consumption={"ALL": D("1234.5")},
    ),
    point(7, "BA04", consumption={"F1": D("40"), "F2": D("30"), "F3": D("20")}),
]


@pytest.fixture
def warehouse() -> Iterator[duckdb.DuckDBPyConnection]:
    connection = new_warehouse()
    yield connection
    connection.close()


def assert_engine_matches_reference(
    connection: duckdb.DuckDBPyConnection, month: date, points: list[PointSpec]
) -> None:
    """Each point's lines, and each account's invoice, equal what the reference rules give."""
    by_account: dict[str, list] = {}
    for spec in points:
        expected = price(reference_case(connection, spec, month))
        got = engine_lines(connection, spec.supply_point_id)
        assert_same_lines(got, invoice_json(expected)["lines"], zero_lines_optional=False)
        assert [(line["component"], line["band"], line["tier"]) for line in got] == [
            (line.component, line.band, line.tier) for line in expected.lines
        ]
        by_account.setdefault(spec.billing_account_id, []).extend(expected.lines)
    invoices = connection.execute(
        "SELECT billing_account_id, taxable, vat_total, total FROM billing.invoices"
        " WHERE period_start = ?",
        [month],
    ).fetchall()
    assert {account for account, *_ in invoices} == set(by_account)
    for account, taxable, vat_total, total in invoices:
        expected = invoice(by_account[account])
        assert (taxable, vat_total, total) == (expected.taxable, expected.vat_total, expected.total)


def test_engine_lines_equal_the_reference_per_supply_point(
    warehouse: duckdb.DuckDBPyConnection,
) -> None:
    insert_points(warehouse, MARCH, MIXED)
    summary = rate_month(warehouse, MARCH)
    assert (summary.invoices, summary.skipped) == (4, {})
    assert (
        summary.lines
        == warehouse.execute("SELECT count(*) FROM billing.invoice_lines").fetchone()[0]
    )
    assert_engine_matches_reference(warehouse, MARCH, MIXED)


def test_invoice_totals_add_up(warehouse: duckdb.DuckDBPyConnection) -> None:
    insert_points(warehouse, MARCH, MIXED)
    rate_month(warehouse, MARCH)
    mismatches = warehouse.execute(
        """
        WITH by_rate AS (
            SELECT invoice_id, vat_rate, sum(amount) AS taxable,
                round(vat_rate * sum(amount), 2) AS vat
            FROM billing.invoice_lines GROUP BY invoice_id, vat_rate
        ),
        sums AS (
            SELECT invoice_id, sum(taxable) AS taxable, sum(vat) AS vat
            FROM by_rate GROUP BY invoice_id
        )
        SELECT invoice_id
        FROM billing.invoices FULL JOIN sums USING (invoice_id)
        WHERE invoices.taxable IS DISTINCT FROM sums.taxable
            OR vat_total IS DISTINCT FROM sums.vat
            OR total <> invoices.taxable + vat_total
        """
    ).fetchall()
    assert mismatches == []
    line_numbers = warehouse.execute(
        "SELECT invoice_id, count(*), min(line_no), max(line_no), count(DISTINCT line_no)"
        " FROM billing.invoice_lines GROUP BY invoice_id"
    ).fetchall()
    assert all(n == last == distinct and first == 1 for _, n, first, last, distinct in line_numbers)
    assert warehouse.execute(
        "SELECT invoice_id, company_id, customer_id, period_end, status FROM billing.invoices"
        " WHERE billing_account_id = 'BA01'"
    ).fetchone() == ("BA01-202503", "C01", "CU-BA01", date(2025, 3, 31), "draft")


def test_rerun_replaces_the_months_drafts(warehouse: duckdb.DuckDBPyConnection) -> None:
    insert_points(warehouse, MARCH, MIXED)
    insert_points(warehouse, date(2025, 4, 1), [replace(MIXED[0], supply_point_id="IT001E99")])
    rate_month(warehouse, date(2025, 4, 1))
    first = rate_month(warehouse, MARCH)
    warehouse.execute(
        "UPDATE reports.rpt_monthly_consumption SET quantity = quantity * 2"
        " WHERE supply_point_id = ? AND month = ?",
        [MIXED[0].supply_point_id, MARCH],
    )
    second = rate_month(warehouse, MARCH)
    assert (second.invoices, second.lines) == (first.invoices, first.lines)
    counts = warehouse.execute(
        "SELECT period_start, count(*), count(DISTINCT invoice_id) FROM billing.invoices"
        " GROUP BY period_start ORDER BY period_start"
    ).fetchall()
    assert counts == [(MARCH, 4, 4), (date(2025, 4, 1), 1, 1)]
    assert warehouse.execute("SELECT count(*) FROM billing.invoice_lines").fetchone()[0] == (
        second.lines + 10
    )
    doubled = replace(MIXED[0], consumption={b: q * 2 for b, q in MIXED[0].consumption.items()})
    assert_engine_matches_reference(warehouse, MARCH, [doubled, *MIXED[1:]])


def test_rerun_leaves_issued_invoices_alone(warehouse: duckdb.DuckDBPyConnection) -> None:
    insert_points(warehouse, MARCH, MIXED)
    rate_month(warehouse, MARCH)
    warehouse.execute(
        "UPDATE billing.invoices SET status = 'issued' WHERE invoice_id = 'BA01-202503'"
    )
    issued = warehouse.execute(
        "SELECT * FROM billing.invoice_lines WHERE invoice_id = 'BA01-202503' ORDER BY line_no"
    ).fetchall()
    summary = rate_month(warehouse, MARCH)
    assert summary.skipped == {"period_already_invoiced": 2}
    assert summary.invoices == 3
    assert (
        issued
        == warehouse.execute(
            "SELECT * FROM billing.invoice_lines WHERE invoice_id = 'BA01-202503' ORDER BY line_no"
        ).fetchall()
    )
    assert warehouse.execute(
        "SELECT status, count(*) FROM billing.invoices GROUP BY status ORDER BY status"
    ).fetchall() == [("draft", 3), ("issued", 1)]


def test_a_lot_touches_only_its_companies(warehouse: duckdb.DuckDBPyConnection) -> None:
    insert_points(warehouse, MARCH, MIXED[:3])
    insert_points(warehouse, MARCH, [replace(p, company_id="C02") for p in MIXED[3:]])
    assert rate_month(warehouse, MARCH, ["C02"]).invoices == 2
    assert rate_month(warehouse, MARCH, ["C01"]).invoices == 2
    assert rate_month(warehouse, MARCH, ["C01"]).invoices == 2
    assert warehouse.execute(
        "SELECT company_id, count(*) FROM billing.invoices GROUP BY company_id ORDER BY 1"
    ).fetchall() == [("C01", 2), ("C02", 2)]
    assert rate_month(warehouse, MARCH, []).invoices == 0
    assert warehouse.execute("SELECT count(*) FROM billing.invoices").fetchone()[0] == 4


def test_points_it_cannot_price_yet_are_skipped_with_a_reason(
    warehouse: duckdb.DuckDBPyConnection,
) -> None:
    insert_points(
        warehouse,
        MARCH,
        [
            point(1, "BA01"),
            point(2, "BA01", commodity="GAS", consumption={"ALL": D("100")}),
            point(3, "BA02", kind="indexed"),
            point(4, "BA03", band_prices={"F1": D("0.1")}),
            point(5, "BA04", fee_month=None),
        ],
    )
    warehouse.execute("DELETE FROM reports.rpt_offers WHERE offer_id = 'O-IT001E00000005'")
    summary = rate_month(warehouse, MARCH)
    assert summary.invoices == 1
    assert summary.skipped == {
        "gas_not_rated_yet": 1,
        "indexed_offer_not_rated_yet": 1,
        "offer_price_missing": 1,
        "offer_missing": 1,
    }


def test_regulated_prices_must_cover_the_whole_month(
    warehouse: duckdb.DuckDBPyConnection,
) -> None:
    insert_points(warehouse, MARCH, [point(1, "BA01"), point(2, "BA02", use="non_domestic")])
    warehouse.execute(
        "INSERT INTO reference.ref_regulated_tariffs VALUES (DATE '2025-03-15', NULL, 'ELE',"
        " 'non_domestic', 'LV', 'network_energy', 'per_kwh', NULL, NULL, 0.009)"
    )
    assert rate_month(warehouse, MARCH).skipped == {"tariff_not_valid_for_whole_month": 1}


def test_a_month_without_reference_prices_skips_every_point(
    warehouse: duckdb.DuckDBPyConnection,
) -> None:
    january_2027 = date(2027, 1, 1)
    insert_points(warehouse, january_2027, [point(1, "BA01")])
    assert rate_month(warehouse, january_2027).skipped == {"losses_tariff_missing": 1}


ENGINE_CASES = [
    SHARED_CASES / "ele_domestic_fixed.yaml",
    OWN_CASES / "ele_domestic_nonresident.yaml",
    OWN_CASES / "ele_non_domestic_excise_tiers.yaml",
]


@pytest.mark.parametrize("path", ENGINE_CASES, ids=lambda path: path.stem)
def test_a_case_through_the_warehouse_gives_the_case_invoice(path: Path) -> None:
    """A billing case loaded as reports and reference rows prices as `python -m rating.case`."""
    case = load_case(path)
    connection = new_warehouse(load_seeds=False)
    tariff_rows, tax_rows = case_reference_rows(case)
    connection.executemany(
        "INSERT INTO reference.ref_regulated_tariffs VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        tariff_rows,
    )
    connection.executemany(
        "INSERT INTO reference.ref_tax_rates VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", tax_rows
    )
    prices = case.offer.energy_price
    spec = PointSpec(
        supply_point_id="IT001E00000001",
        billing_account_id="BA01",
        use=case.supply_point.use,
        voltage=case.supply_point.voltage,
        power_kw=case.supply_point.power_kw,
        consumption=case.consumption,
        band_prices=None if "ALL" in prices else prices,
        price_single=prices.get("ALL"),
        fee_month=case.offer.fee_month,
    )
    insert_points(connection, case.period.start, [spec])
    assert rate_month(connection, case.period.start).invoices == 1
    from_engine = engine_invoice(connection, f"BA01-{case.period.start:%Y%m}")
    assert_same_invoice(from_engine, invoice_json(price(case)))


MONTHS = [date(year, month, 1) for year in (2024, 2025, 2026) for month in range(1, 13)]
quantities = st.one_of(
    st.just(D(0)),
    st.decimals(min_value=0, max_value=500, places=3, allow_nan=False, allow_infinity=False),
    st.decimals(min_value=0, max_value=5_000_000, places=6, allow_nan=False, allow_infinity=False),
)
unit_prices = st.decimals(
    min_value=D("0.01"), max_value=D("0.6"), places=6, allow_nan=False, allow_infinity=False
)
powers = st.one_of(
    st.sampled_from([D("3"), D("3.001"), D("2.999"), D("1.5"), D("6")]),
    st.decimals(
        min_value=D("0.5"), max_value=D("5000"), places=3, allow_nan=False, allow_infinity=False
    ),
)


@st.composite
def electricity_points(draw: st.DrawFn, number: int) -> PointSpec:
    banded = draw(st.booleans())
    single_price = not banded or draw(st.booleans())
    if banded:
        consumption = {band: draw(quantities) for band in ELECTRICITY_BANDS}
    else:
        consumption = {"ALL": draw(quantities)}
    return PointSpec(
        supply_point_id=f"IT001E{number:08d}",
        billing_account_id=draw(st.sampled_from(["BA01", "BA02"])),
        use=draw(st.sampled_from(USES)),
        voltage=draw(st.sampled_from(VOLTAGES)),
        power_kw=draw(powers),
        consumption=consumption,
        band_prices=None if single_price else {b: draw(unit_prices) for b in ELECTRICITY_BANDS},
        price_single=draw(unit_prices) if single_price else None,
        fee_month=draw(
            st.decimals(min_value=0, max_value=200, places=2, allow_nan=False, allow_infinity=False)
        ),
    )


@st.composite
def scenarios(draw: st.DrawFn) -> tuple[date, list[PointSpec]]:
    month = draw(
        st.one_of(st.sampled_from([date(2024, 2, 1), date(2025, 2, 1)]), st.sampled_from(MONTHS))
    )
    count = draw(st.integers(min_value=1, max_value=4))
    return month, [draw(electricity_points(number)) for number in range(1, count + 1)]


@pytest.fixture(scope="module")
def shared_warehouse() -> Iterator[duckdb.DuckDBPyConnection]:
    connection = new_warehouse()
    create_billing_tables(connection)
    yield connection
    connection.close()


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(scenario=scenarios())
def test_engine_equals_reference_on_random_fixed_electricity(
    shared_warehouse: duckdb.DuckDBPyConnection, scenario: tuple[date, list[PointSpec]]
) -> None:
    month, points = scenario
    clear_reports(shared_warehouse)
    shared_warehouse.execute("DELETE FROM billing.invoice_lines")
    shared_warehouse.execute("DELETE FROM billing.invoices")
    insert_points(shared_warehouse, month, points)
    summary = rate_month(shared_warehouse, month)
    assert summary.skipped == {}
    assert_engine_matches_reference(shared_warehouse, month, points)


def test_amounts_come_from_exact_quantities(warehouse: duckdb.DuckDBPyConnection) -> None:
    # 753.776662 × 1.102 = 830.661881524 kWh; × 0.1254 = 104.1649999431 -> 104.16, whereas the
    # quantity rounded to 6 decimals first (830.661882) would give 104.1650000028 -> 104.17
    exact = point(1, "BA01", consumption={"F1": D("753.776662"), "F2": D(0), "F3": D(0)})
    insert_points(warehouse, MARCH, [exact])
    rate_month(warehouse, MARCH)
    assert warehouse.execute(
        "SELECT quantity, amount FROM billing.invoice_lines WHERE component = 'energy'"
    ).fetchall() == [(D("830.661882"), D("104.16"))]
