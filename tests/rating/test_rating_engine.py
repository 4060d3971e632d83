"""The set-based engine: billing cases through the warehouse, invoices per billing account,
index prices, acconto and conguaglio, lots, holds, skipped points and draft bookkeeping."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import duckdb
import pytest
from rating_fixtures import (
    OWN_CASES,
    SHARED_CASES,
    Determinant,
    Market,
    PointSpec,
    PsvDay,
    PunHour,
    ReferenceTables,
    as_row,
    assert_same_invoice,
    band_of,
    case_point,
    engine_invoice,
    engine_rows,
    insert_determinants,
    insert_hourly,
    insert_market,
    insert_offers,
    insert_points,
    load_case_into,
    new_warehouse,
    random_market,
    reference_case,
)

from rating.case import invoice_json, load_case
from rating.engine import rate_all_months, rate_month
from rating.rules import (
    CONSUMPTION_COMPONENTS,
    Period,
    case_lines,
    contract_versions_lines,
    invoice,
    true_up_lines,
)
from rating.schema import create_billing_tables

D = Decimal
MARCH = date(2025, 3, 1)
BAND_PRICES = {"F1": D("0.125400"), "F2": D("0.118900"), "F3": D("0.102300")}
CONSUMPTION = {"F1": D("95.5"), "F2": D("80.25"), "F3": D("140")}


@pytest.fixture
def warehouse() -> Iterator[duckdb.DuckDBPyConnection]:
    connection = new_warehouse()
    yield connection
    connection.close()


def electricity(number: int, account: str, **changes) -> PointSpec:
    point = PointSpec(f"IT001E{number:08d}", account, band_prices=BAND_PRICES)
    return replace(point, **changes)


def gas(number: int, account: str, **changes) -> PointSpec:
    point = PointSpec(
        f"{number:014d}",
        account,
        commodity="GAS",
        voltage=None,
        power_kw=None,
        meter_type="register",
        price_single=D("0.652"),
    )
    return replace(point, **changes)


def bill(
    connection: duckdb.DuckDBPyConnection,
    point: PointSpec,
    month: date,
    consumption: dict[str, Decimal],
    provenance: str = "actual",
) -> None:
    insert_determinants(
        connection, point, [Determinant(month, b, q, provenance) for b, q in consumption.items()]
    )


def scalar(connection: duckdb.DuckDBPyConnection, sql: str, *parameters):
    return connection.execute(sql, list(parameters)).fetchone()[0]


CASES = sorted(SHARED_CASES.glob("*.yaml")) + sorted(OWN_CASES.glob("*.yaml"))


@pytest.mark.parametrize("path", CASES, ids=lambda path: path.stem)
def test_a_case_through_the_warehouse_gives_the_case_invoice(path: Path) -> None:
    """A billing case loaded as reports and reference rows prices as `python -m rating.case`.

    A case longer than a month is loaded as a true-up of its span with nothing billed before:
    the warehouse then bills the case's consumption lines (its days were billed month by
    month), priced over the whole span as the case prices them.
    """
    case = load_case(path)
    connection = new_warehouse(load_seeds=False)
    month = load_case_into(connection, case, case_point(case, "POINT1", "BA01"))

    summary = rate_month(connection, month)

    assert (summary.invoices, summary.skipped) == (1, {})
    lines = case_lines(case)
    if case.period.months > 1:
        lines = true_up_lines(lines, [])
    expected = invoice_json(invoice(lines))
    got = engine_invoice(connection, f"BA01-{month:%Y%m}")
    assert [(line["component"], line["band"]) for line in got["lines"]] == [
        (line["component"], line["band"]) for line in expected["lines"]
    ]
    assert_same_invoice(got, expected)


def test_one_invoice_per_account_covers_all_its_points(
    warehouse: duckdb.DuckDBPyConnection,
) -> None:
    points = [
        electricity(1, "BA01"),
        gas(2, "BA01"),
        electricity(3, "BA01", use="non_domestic", voltage="MV", power_kw=D("450")),
        gas(4, "BA02", use="non_domestic"),
    ]
    insert_points(warehouse, points)
    for point in points:
        quantity = CONSUMPTION if point.commodity == "ELE" else {"ALL": D("310")}
        bill(warehouse, point, MARCH, quantity)

    summary = rate_month(warehouse, MARCH)

    assert (summary.invoices, summary.kinds, summary.skipped) == (2, {"regular": 2}, {})
    assert warehouse.execute(
        "SELECT invoice_id, count(DISTINCT supply_point_id), document_type, kind, status,"
        " period_start, period_end, customer_id, number FROM billing.invoices"
        " JOIN billing.invoice_lines USING (invoice_id) GROUP BY ALL ORDER BY 1"
    ).fetchall() == [
        ("BA01-202503", 3, "TD01", "regular", "draft", MARCH, date(2025, 3, 31), "CU-BA01", None),
        ("BA02-202503", 1, "TD01", "regular", "draft", MARCH, date(2025, 3, 31), "CU-BA02", None),
    ]
    # domestic gas splits VAT 10% / 22%, electricity domestic 10%, non-domestic 22%
    assert warehouse.execute(
        "SELECT invoice_id, list(vat_rate ORDER BY vat_rate) FROM billing.invoice_vat"
        " GROUP BY 1 ORDER BY 1"
    ).fetchall() == [("BA01-202503", [D("0.1"), D("0.22")]), ("BA02-202503", [D("0.22")])]
    groups = dict(
        warehouse.execute(
            'SELECT component, any_value("group") FROM billing.invoice_lines GROUP BY 1'
        ).fetchall()
    )
    assert groups["energy"] == groups["marketing_fee"] == groups["dispatching"] == "energy"
    assert groups["network_energy"] == "network" and groups["system_power"] == "system"
    assert groups["excise"] == groups["regional_surcharge"] == "excise"


def test_invoice_totals_add_up(warehouse: duckdb.DuckDBPyConnection) -> None:
    points = [electricity(1, "BA01"), gas(2, "BA01"), electricity(3, "BA02")]
    insert_points(warehouse, points)
    for point in points:
        bill(warehouse, point, MARCH, CONSUMPTION if point.commodity == "ELE" else {"ALL": 190})
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
        UNION ALL
        SELECT invoice_id
        FROM billing.invoice_vat FULL JOIN by_rate USING (invoice_id, vat_rate)
        WHERE invoice_vat.taxable IS DISTINCT FROM by_rate.taxable
            OR invoice_vat.vat IS DISTINCT FROM by_rate.vat
        UNION ALL
        SELECT invoice_id FROM billing.invoice_lines
        WHERE amount <> round(quantity * unit_price, 2)
        """
    ).fetchall()
    assert mismatches == []
    line_numbers = warehouse.execute(
        "SELECT invoice_id, count(*), min(line_no), max(line_no), count(DISTINCT line_no)"
        " FROM billing.invoice_lines GROUP BY invoice_id"
    ).fetchall()
    assert all(n == last == distinct and first == 1 for _, n, first, last, distinct in line_numbers)


def test_amounts_come_from_exact_quantities(warehouse: duckdb.DuckDBPyConnection) -> None:
    # 753.776662 × 1.102 = 830.661881524 kWh; × 0.1254 = 104.1649999431 -> 104.16, whereas the
    # quantity rounded to 6 decimals first (830.661882) would give 104.1650000028 -> 104.17
    point = electricity(1, "BA01")
    insert_points(warehouse, [point])
    bill(warehouse, point, MARCH, {"F1": D("753.776662")})
    rate_month(warehouse, MARCH)
    assert warehouse.execute(
        "SELECT quantity, amount FROM billing.invoice_lines WHERE component = 'energy'"
    ).fetchall() == [(D("830.661881524"), D("104.16"))]


def flat_month(month: date, pun: dict[str, list[Decimal]], psv: list[Decimal]) -> Market:
    """Every hour of the month priced by its band, cycling through that band's prices by hour
    of the day; the PSV cycling through `psv` by day."""
    period = Period.of_month(month)
    market = Market()
    for number in range(period.days):
        day = period.start + timedelta(days=number)
        for hour in range(24):
            start = datetime(day.year, day.month, day.day, hour, tzinfo=UTC)
            prices = pun[band_of(start)]
            market.pun.append(PunHour(start, band_of(start), prices[hour % len(prices)]))
        market.psv.append(PsvDay(day, psv[number % len(psv)]))
    return market


def energy_prices(connection: duckdb.DuckDBPyConnection, point: PointSpec) -> dict:
    return dict(
        connection.execute(
            "SELECT coalesce(band, 'ALL'), unit_price FROM billing.invoice_lines"
            " WHERE supply_point_id = ? AND component = 'energy'",
            [point.supply_point_id],
        ).fetchall()
    )


def test_index_prices(warehouse: duckdb.DuckDBPyConnection) -> None:
    # F1 hours cost 100 before 13:00 and 200 after (per weekday 5 hours + 6 hours), F2 80,
    # F3 50; PSV 30 and 40 on alternate days of a 31-day month: 16 × 30 + 15 × 40 = 1,080
    market = flat_month(
        MARCH,
        {"F1": [D(100)] * 13 + [D(200)] * 11, "F2": [D(80)], "F3": [D(50)]},
        [D(30), D(40)],
    )
    insert_market(warehouse, market)
    spread = {"spread": D("0.010000"), "kind": "indexed", "band_prices": None}
    interval = electricity(1, "BA01", index_name="PUN", **spread)
    register = electricity(2, "BA01", index_name="PUN", meter_type="register", **spread)
    gas_point = gas(3, "BA01", index_name="PSV", price_single=None, **spread)
    insert_points(warehouse, [interval, register, gas_point])
    for point in (interval, register):
        bill(warehouse, point, MARCH, CONSUMPTION)
    bill(warehouse, gas_point, MARCH, {"ALL": D(100)})
    # the interval meter: 1 kWh in each 100 € F1 hour, 3 kWh in each 200 € one, 2 kWh in F3
    # hours and none in F2 hours
    hours = [hour for hour in market.pun if hour.band != "F2"]
    weights = {D(100): D(1), D(200): D(3), D(50): D(2)}
    insert_hourly(warehouse, interval, hours, [weights[hour.price_eur_mwh] for hour in hours])

    assert rate_month(warehouse, MARCH).skipped == {}

    # weighted, each weekday: (5 × 100 × 1 + 6 × 200 × 3) / (5 × 1 + 6 × 3) = 4,100 / 23
    # = 178.260869… €/MWh; F2, without consumption, takes the mean of its hours
    assert energy_prices(warehouse, interval) == {
        "F1": D("0.178261") + D("0.01"),
        "F2": D("0.08") + D("0.01"),
        "F3": D("0.05") + D("0.01"),
    }
    # register: the mean of the band's hours, (5 × 100 + 6 × 200) / 11 = 154.5454… €/MWh
    assert energy_prices(warehouse, register) == {
        "F1": D("0.154545") + D("0.01"),
        "F2": D("0.09"),
        "F3": D("0.06"),
    }
    # PSV: 1,080 / 31 = 34.83871 €/MWh × PCS 0.010560 MWh/Smc (2025) = 0.367897 €/Smc
    assert energy_prices(warehouse, gas_point) == {"ALL": D("0.367897") + D("0.01")}


def test_indexed_points_without_a_complete_market_are_skipped(
    warehouse: duckdb.DuckDBPyConnection,
) -> None:
    market = random_market(Period.of_month(MARCH), 7)
    unpriced = [hour for hour in market.pun if hour.price_date.day == 9]
    market.pun = [hour for hour in market.pun if hour.price_date.day != 9]
    market.psv = market.psv[:-1]
    insert_market(warehouse, market)
    indexed = {"kind": "indexed", "spread": D(0)}
    points = [
        electricity(1, "BA01", index_name="PUN", band_prices=None, **indexed),
        gas(2, "BA02", index_name="PSV", price_single=None, **indexed),
        electricity(3, "BA03"),
        # interval meters consuming in unpriced hours, with and without priced ones
        electricity(4, "BA04", index_name="PUN", band_prices=None, **indexed),
        electricity(5, "BA05", index_name="PUN", band_prices=None, **indexed),
    ]
    insert_points(warehouse, points)
    for point in points:
        bill(warehouse, point, MARCH, CONSUMPTION if point.commodity == "ELE" else {"ALL": 10})
    insert_hourly(warehouse, points[3], unpriced + market.pun, [D(1)] * len(market.pun + unpriced))
    insert_hourly(warehouse, points[4], unpriced, [D(1)] * len(unpriced))
    warehouse.execute("DELETE FROM reference.ref_gas_pcs")

    summary = rate_month(warehouse, MARCH)

    assert summary.skipped == {"market_price_missing": 3, "pcs_missing": 1}
    assert summary.invoices == 1


def test_acconto_then_conguaglio(warehouse: duckdb.DuckDBPyConnection) -> None:
    point = electricity(1, "BA01")
    insert_points(warehouse, [point])
    january, february, march = date(2025, 1, 1), date(2025, 2, 1), MARCH
    bill(warehouse, point, january, {"F1": D(100), "F2": D(100), "F3": D(100)}, "estimate")
    bill(warehouse, point, february, {"F1": D(90), "F2": D(90), "F3": D(90)}, "estimate")
    assert [s.kinds for s in rate_all_months(warehouse)] == [{"acconto": 1}, {"acconto": 1}]
    warehouse.execute("UPDATE billing.invoices SET status = 'issued'")
    insert_determinants(
        warehouse,
        point,
        [
            Determinant(march, band, quantity, "actual", True, january, date(2025, 2, 28))
            for band, quantity in {"F1": D(150), "F2": D(120), "F3": D(110)}.items()
        ]
        + [Determinant(march, band, D(50)) for band in ("F1", "F2", "F3")],
    )

    summary = rate_month(warehouse, march)

    assert summary.kinds == {"conguaglio": 1}
    invoice_id = "BA01-202503"
    assert warehouse.execute(
        "SELECT kind, period_start, period_end FROM billing.invoices WHERE invoice_id = ?",
        [invoice_id],
    ).fetchone() == ("conguaglio", march, date(2025, 3, 31))
    # every earlier consumption line comes back negated, with its own price and period; the
    # lines priced per day or per month were right and stay as billed
    earlier = warehouse.execute(
        "SELECT component, band, tier, -quantity, unit_price, -amount, billed_from"
        " FROM billing.invoice_lines WHERE invoice_id IN ('BA01-202501', 'BA01-202502')"
        " AND list_contains(?, component) ORDER BY ALL",
        [list(CONSUMPTION_COMPONENTS)],
    ).fetchall()
    assert {row[0] for row in earlier} == {
        "energy",
        "dispatching",
        "network_energy",
        "system_energy",
        "excise",
    }
    reversed_lines = warehouse.execute(
        "SELECT component, band, tier, quantity, unit_price, amount, billed_from"
        " FROM billing.invoice_lines WHERE invoice_id = ? AND is_true_up"
        " AND NOT (billed_from = ? AND billed_to = DATE '2025-02-28') ORDER BY ALL",
        [invoice_id, january],
    ).fetchall()
    assert reversed_lines == earlier
    restated_components = warehouse.execute(
        "SELECT DISTINCT component FROM billing.invoice_lines WHERE invoice_id = ?"
        " AND is_true_up AND billed_from = ? AND billed_to = DATE '2025-02-28'",
        [invoice_id, january],
    ).fetchall()
    assert {component for (component,) in restated_components} <= set(CONSUMPTION_COMPONENTS)
    # the span is priced again on the actual 380 kWh: energy at 380 × 1.102 kWh
    restated = warehouse.execute(
        "SELECT sum(quantity) FROM billing.invoice_lines WHERE invoice_id = ?"
        " AND component = 'energy' AND billed_from = ? AND billed_to = DATE '2025-02-28'",
        [invoice_id, january],
    ).fetchone()[0]
    assert restated == D(380) * D("1.102")
    # the month's own actual reading is billed as usual beside the true-up
    assert scalar(
        warehouse,
        "SELECT sum(quantity) FROM billing.invoice_lines WHERE invoice_id = ?"
        " AND component = 'energy' AND NOT is_true_up",
        invoice_id,
    ) == D(150) * D("1.102")


def test_rerun_replaces_only_the_lots_drafts(warehouse: duckdb.DuckDBPyConnection) -> None:
    points = [electricity(1, "BA01"), electricity(2, "BA02"), gas(3, "BA03")]
    insert_points(warehouse, points)
    for point in points:
        quantity = CONSUMPTION if point.commodity == "ELE" else {"ALL": D(50)}
        bill(warehouse, point, MARCH, quantity)
        bill(warehouse, point, date(2025, 4, 1), quantity)
    rate_all_months(warehouse)
    warehouse.execute(
        "UPDATE billing.invoices SET status = 'issued' WHERE invoice_id = ?", ["BA02-202503"]
    )
    before = warehouse.execute("SELECT * FROM billing.invoice_lines ORDER BY ALL").fetchall()
    warehouse.execute(
        "UPDATE reports.rpt_billing_determinants SET quantity = quantity * 2"
        " WHERE billing_month = ?",
        [MARCH],
    )
    warehouse.execute(
        "CREATE TABLE lot AS SELECT * FROM (VALUES ('BA01'), ('BA02')) AS t(billing_account_id)"
    )

    summary = rate_month(warehouse, MARCH, accounts_table="lot")

    assert (summary.invoices, summary.skipped) == (1, {"period_already_invoiced": 1})
    after = warehouse.execute("SELECT * FROM billing.invoice_lines ORDER BY ALL").fetchall()
    changed = {row[0] for row in set(before) ^ set(after)}
    assert changed == {"BA01-202503"}
    assert warehouse.execute(
        "SELECT invoice_id, status FROM billing.invoices ORDER BY 1"
    ).fetchall() == [
        ("BA01-202503", "draft"),
        ("BA01-202504", "draft"),
        ("BA02-202503", "issued"),
        ("BA02-202504", "draft"),
        ("BA03-202503", "draft"),
        ("BA03-202504", "draft"),
    ]
    assert warehouse.execute(
        "SELECT billing_month, supply_point_id, reason, run_id FROM billing.skipped_supply_points"
    ).fetchall() == [(MARCH, points[1].supply_point_id, "period_already_invoiced", summary.run_id)]


def test_a_lot_by_company(warehouse: duckdb.DuckDBPyConnection) -> None:
    points = [electricity(1, "BA01"), electricity(2, "BA02", company_id="C02")]
    insert_points(warehouse, points)
    for point in points:
        bill(warehouse, point, MARCH, CONSUMPTION)
    assert rate_month(warehouse, MARCH, company_ids=["C02"]).invoices == 1
    assert rate_month(warehouse, MARCH, company_ids=["C01"]).invoices == 1
    assert rate_month(warehouse, MARCH, company_ids=[]).invoices == 0
    assert warehouse.execute(
        "SELECT company_id, count(*) FROM billing.invoices GROUP BY 1 ORDER BY 1"
    ).fetchall() == [("C01", 1), ("C02", 1)]


def test_accounts_table_must_be_a_table_name(warehouse: duckdb.DuckDBPyConnection) -> None:
    with pytest.raises(ValueError, match="^accounts_table: "):
        rate_month(warehouse, MARCH, accounts_table="lot; DROP TABLE x")


def test_held_points_are_skipped_with_their_check(warehouse: duckdb.DuckDBPyConnection) -> None:
    points = [electricity(1, "BA01"), gas(2, "BA01"), electricity(3, "BA02")]
    insert_points(warehouse, points)
    for point in points:
        bill(warehouse, point, MARCH, CONSUMPTION if point.commodity == "ELE" else {"ALL": 9})
    rate_month(warehouse, MARCH)
    warehouse.execute(
        "INSERT INTO quality.supply_point_holds VALUES"
        " (?, 'C01', ?, 'consumption_out_of_range', 'ten times the usual', now(), 'q1'),"
        " (?, 'C01', ?, 'missing_readings', 'no reading', now(), 'q1'),"
        " (?, 'C01', DATE '2025-04-01', 'missing_readings', 'another month', now(), 'q1')",
        [
            points[0].supply_point_id,
            MARCH,
            points[0].supply_point_id,
            MARCH,
            points[2].supply_point_id,
        ],
    )

    summary = rate_month(warehouse, MARCH)

    assert summary.skipped == {"consumption_out_of_range, missing_readings": 1}
    assert summary.invoices == 2
    assert warehouse.execute(
        "SELECT DISTINCT supply_point_id FROM billing.invoice_lines WHERE invoice_id = ?",
        ["BA01-202503"],
    ).fetchall() == [(points[1].supply_point_id,)]


def test_points_it_cannot_price_are_skipped_with_a_reason(
    warehouse: duckdb.DuckDBPyConnection,
) -> None:
    points = [
        electricity(1, "BA01"),
        electricity(2, "BA02", band_prices={"F1": D("0.1")}),
        electricity(3, "BA03", fee_month=None),
        electricity(4, "BA04"),
        gas(5, "BA05"),
        electricity(6, "BA06", kind="indexed", index_name="PSV", spread=D(0)),
        electricity(7, "BA07", kind="mystery"),
        electricity(8, "BA08", power_kw=None),
    ]
    insert_points(warehouse, points)
    for point in points:
        bill(warehouse, point, MARCH, CONSUMPTION if point.commodity == "ELE" else {"ALL": 9})
    warehouse.execute("DELETE FROM reports.rpt_offers WHERE offer_id = ?", [points[3].offer_id])
    bill(warehouse, gas(5, "BA05"), MARCH, {"F1": D(1)})
    unregistered = electricity(9, "BA09")
    bill(warehouse, unregistered, MARCH, CONSUMPTION)
    two_accounts = electricity(10, "BA10")
    insert_points(warehouse, [two_accounts])
    bill(warehouse, two_accounts, MARCH, CONSUMPTION)
    bill(warehouse, replace(two_accounts, billing_account_id="BA11"), MARCH, {"F1": D(1)})
    no_account = electricity(11, "BA12")
    insert_points(warehouse, [no_account])
    bill(warehouse, replace(no_account, billing_account_id=None), MARCH, CONSUMPTION)

    summary = rate_month(warehouse, MARCH)

    assert summary.invoices == 1
    assert summary.skipped == {
        "offer_price_missing": 2,
        "offer_missing": 1,
        "determinant_band_invalid": 1,
        "offer_index_mismatch": 1,
        "offer_kind_unknown": 1,
        "supply_point_data_missing": 1,
        "supply_point_not_in_registry": 1,
        "several_billing_accounts": 1,
        "billing_account_missing": 1,
    }
    assert scalar(warehouse, "SELECT count(*) FROM billing.skipped_supply_points") == 10


def test_regulated_prices_must_cover_the_whole_month(
    warehouse: duckdb.DuckDBPyConnection,
) -> None:
    points = [electricity(1, "BA01"), electricity(2, "BA02", use="non_domestic"), gas(3, "BA03")]
    insert_points(warehouse, points)
    for point in points:
        bill(warehouse, point, MARCH, CONSUMPTION if point.commodity == "ELE" else {"ALL": 9})
    warehouse.execute(
        "INSERT INTO reference.ref_regulated_tariffs VALUES (DATE '2025-03-15', NULL, 'ELE',"
        " 'non_domestic', 'LV', 'network_energy', 'per_kwh', NULL, NULL, 0.009)"
    )
    warehouse.execute(
        "UPDATE reference.ref_tax_rates SET valid_to = DATE '2025-03-20'"
        " WHERE commodity = 'GAS' AND tax = 'vat' AND valid_from <= DATE '2025-03-01'"
    )
    assert rate_month(warehouse, MARCH).skipped == {
        "tariff_not_valid_for_whole_period": 1,
        "tax_not_valid_for_whole_period": 1,
    }


def test_a_month_without_reference_prices_skips_every_point(
    warehouse: duckdb.DuckDBPyConnection,
) -> None:
    january_2027 = date(2027, 1, 1)
    points = [electricity(1, "BA01"), gas(2, "BA02")]
    insert_points(warehouse, points)
    bill(warehouse, points[0], january_2027, CONSUMPTION)
    bill(warehouse, points[1], january_2027, {"ALL": D(1)})
    assert rate_month(warehouse, january_2027).skipped == {"tariff_missing": 2}


def test_billing_tables_of_an_earlier_release_are_brought_up_to_the_contract(
    warehouse: duckdb.DuckDBPyConnection,
) -> None:
    warehouse.execute("CREATE SCHEMA billing")
    warehouse.execute(
        "CREATE TABLE billing.invoice_lines (invoice_id VARCHAR NOT NULL, line_no INTEGER,"
        " supply_point_id VARCHAR, component VARCHAR, band VARCHAR, tier INTEGER,"
        " quantity DECIMAL(18, 6), unit_price DECIMAL(18, 6), amount DECIMAL(14, 2),"
        " vat_rate DECIMAL(5, 4))"
    )
    warehouse.execute(
        "INSERT INTO billing.invoice_lines VALUES"
        " ('OLD', 1, 'P', 'energy', 'F1', NULL, 1.5, 0.1, 0.15, 0.1)"
    )
    create_billing_tables(warehouse)
    columns = dict(
        warehouse.execute(
            "SELECT column_name, data_type FROM information_schema.columns"
            " WHERE table_schema = 'billing' AND table_name = 'invoice_lines'"
        ).fetchall()
    )
    assert columns["quantity"] == "DECIMAL(24,12)"
    assert {"group", "provenance", "is_true_up", "billed_from"} <= set(columns)
    assert scalar(warehouse, "SELECT quantity FROM billing.invoice_lines") == D("1.5")


def test_a_supply_starting_mid_month_pays_its_fixed_parts_pro_rata(
    warehouse: duckdb.DuckDBPyConnection,
) -> None:
    """Supplied from 11 March: 21 of 31 days. The per-year parts are priced on 21/365 of a
    year, the marketing fee on 21/31 of a month, the consumption as read."""
    point = electricity(1, "BA01")
    insert_points(warehouse, [point])
    start = date(2025, 3, 11)
    insert_determinants(
        warehouse,
        point,
        [Determinant(MARCH, band, q, "actual", False, start) for band, q in CONSUMPTION.items()],
    )

    assert rate_month(warehouse, MARCH).skipped == {}

    quantities = dict(
        warehouse.execute(
            "SELECT component, quantity FROM billing.invoice_lines"
            " WHERE component IN ('marketing_fee', 'network_fixed', 'network_power')"
        ).fetchall()
    )
    assert quantities == {
        "marketing_fee": D("0.677419"),  # 21 / 31
        "network_fixed": D("0.057534"),  # 21 / 365
        "network_power": D(3) * D("0.057534"),
    }
    assert Period(start, date(2025, 3, 31)).month_share == D("0.677419")


def test_an_offer_not_valid_for_the_whole_month_is_not_priced(
    warehouse: duckdb.DuckDBPyConnection,
) -> None:
    """An offer that expires on 20 March prices no day of March: the point is left out with
    the reason, for the consistency checks to hold its account's invoice."""
    expiring, valid = electricity(1, "BA01"), electricity(2, "BA01")
    insert_points(warehouse, [expiring, valid])
    warehouse.execute(
        "UPDATE reports.rpt_offers SET valid_to = DATE '2025-03-20' WHERE offer_id = ?",
        [expiring.offer_id],
    )
    bill(warehouse, expiring, MARCH, CONSUMPTION)
    bill(warehouse, valid, MARCH, CONSUMPTION)

    summary = rate_month(warehouse, MARCH)

    assert summary.skipped == {"offer_not_valid_for_whole_period": 1}
    assert warehouse.execute(
        "SELECT supply_point_id, reason FROM billing.skipped_supply_points"
    ).fetchall() == [(expiring.supply_point_id, "offer_not_valid_for_whole_period")]
    assert (
        scalar(warehouse, "SELECT count(DISTINCT supply_point_id) FROM billing.invoice_lines") == 1
    )


def _estimated_then_true_up(
    connection: duckdb.DuckDBPyConnection, estimate: Decimal, actual: Decimal
) -> PointSpec:
    """January billed on an estimate of `estimate` kWh a band; March restates January with
    `actual` kWh a band and reads nothing for March itself."""
    point = electricity(1, "BA01")
    insert_points(connection, [point])
    january = date(2025, 1, 1)
    bill(connection, point, january, {band: estimate for band in BAND_PRICES}, "estimate")
    assert rate_month(connection, january).kinds == {"acconto": 1}
    insert_determinants(
        connection,
        point,
        [
            Determinant(MARCH, band, actual, "actual", True, january, date(2025, 1, 31))
            for band in BAND_PRICES
        ],
    )
    return point


def test_a_true_up_takes_back_only_issued_invoices(warehouse: duckdb.DuckDBPyConnection) -> None:
    """January's acconto is still a draft (it can be replaced): the March true-up does not
    take its lines back; once it is issued, it does."""
    _estimated_then_true_up(warehouse, D(100), D(120))

    rate_month(warehouse, MARCH)
    assert (
        scalar(
            warehouse,
            "SELECT count(*) FROM billing.invoice_lines WHERE invoice_id = 'BA01-202503'"
            " AND quantity < 0",
        )
        == 0
    )

    warehouse.execute(
        "UPDATE billing.invoices SET status = 'issued' WHERE invoice_id = ?", ["BA01-202501"]
    )
    rate_month(warehouse, MARCH)
    taken_back = warehouse.execute(
        "SELECT sum(-amount) FROM billing.invoice_lines WHERE invoice_id = 'BA01-202503'"
        " AND quantity < 0"
    ).fetchone()[0]
    january_consumption = warehouse.execute(
        "SELECT sum(amount) FROM billing.invoice_lines WHERE invoice_id = 'BA01-202501'"
        " AND list_contains(?, component)",
        [list(CONSUMPTION_COMPONENTS)],
    ).fetchone()[0]
    assert taken_back == january_consumption > 0


def test_a_true_up_refunding_more_than_it_charges_is_a_credit_note(
    warehouse: duckdb.DuckDBPyConnection,
) -> None:
    """January was estimated at 300 kWh a band and used 10: the March true-up refunds the
    difference, a credit note (TD04) of kind conguaglio, never a TD01 with a negative total."""
    _estimated_then_true_up(warehouse, D(300), D(10))
    warehouse.execute("UPDATE billing.invoices SET status = 'issued'")

    assert rate_month(warehouse, MARCH).kinds == {"conguaglio": 1}

    document_type, kind, total = warehouse.execute(
        "SELECT document_type, kind, total FROM billing.invoices WHERE invoice_id = 'BA01-202503'"
    ).fetchone()
    assert (document_type, kind) == ("TD04", "conguaglio")
    assert total < 0
    # a re-run replaces the credit draft like any draft
    rate_month(warehouse, MARCH)
    assert scalar(warehouse, "SELECT count(*) FROM billing.invoices") == 2


def test_an_offer_change_mid_month_prices_each_part_with_its_offer(
    warehouse: duckdb.DuckDBPyConnection,
) -> None:
    """The contract changes offer on 15 March: 1-14 March is priced with the old offer (which
    expires on the 14th) and its 14 days, 15-31 March with the new one and its 17 days, on one
    invoice whose VAT is computed on both parts together."""
    old = electricity(1, "BA01")
    new = replace(
        old, offer="O-NEW", band_prices=None, price_single=D("0.099000"), fee_month=D("12.00")
    )
    insert_points(warehouse, [new])  # the registry holds the point's current offer
    insert_offers(warehouse, [old])
    warehouse.execute(
        "UPDATE reports.rpt_offers SET valid_to = DATE '2025-03-14' WHERE offer_id = ?",
        [old.offer_id],
    )
    warehouse.execute(
        "UPDATE reports.rpt_offers SET valid_from = DATE '2025-03-15' WHERE offer_id = ?",
        [new.offer_id],
    )
    change = date(2025, 3, 15)
    before = {"F1": D("40"), "F2": D("30.5"), "F3": D("60")}
    after = {band: CONSUMPTION[band] - before[band] for band in CONSUMPTION}
    insert_determinants(
        warehouse,
        old,
        [
            Determinant(
                MARCH,
                band,
                q,
                "actual",
                False,
                MARCH,
                change - timedelta(days=1),
                offer_id=old.offer_id,
            )
            for band, q in before.items()
        ]
        + [
            Determinant(
                MARCH, band, q, "actual", False, change, date(2025, 3, 31), offer_id=new.offer_id
            )
            for band, q in after.items()
        ],
    )

    summary = rate_month(warehouse, MARCH)

    assert (summary.invoices, summary.skipped) == (1, {})
    reference = ReferenceTables(warehouse)
    expected = contract_versions_lines(
        [
            reference_case(reference, old, Period(MARCH, date(2025, 3, 14)), before),
            reference_case(reference, new, Period(change, date(2025, 3, 31)), after),
        ]
    )
    assert engine_rows(warehouse, "true", []) == [as_row(line) for line in expected]
    totals = invoice(expected)
    assert warehouse.execute(
        "SELECT taxable, vat_total, total FROM billing.invoices"
    ).fetchall() == [(totals.taxable, totals.vat_total, totals.total)]
    fees = warehouse.execute(
        "SELECT quantity, unit_price, billed_from, billed_to FROM billing.invoice_lines"
        " WHERE component = 'marketing_fee' ORDER BY billed_from"
    ).fetchall()
    assert fees == [
        (D("0.451613"), D("7.50"), MARCH, date(2025, 3, 14)),  # 14 / 31
        (D("0.548387"), D("12.00"), change, date(2025, 3, 31)),  # 17 / 31
    ]


def test_a_row_without_an_offer_takes_the_points_current_one(
    warehouse: duckdb.DuckDBPyConnection,
) -> None:
    point = electricity(1, "BA01")
    insert_points(warehouse, [point])
    bill(warehouse, point, MARCH, CONSUMPTION)

    assert rate_month(warehouse, MARCH).skipped == {}

    reference = ReferenceTables(warehouse)
    expected = case_lines(reference_case(reference, point, Period.of_month(MARCH), CONSUMPTION))
    assert engine_rows(warehouse, "true", []) == [as_row(line) for line in expected]


def test_a_supply_ending_mid_month_pays_its_fixed_parts_to_its_last_day(
    warehouse: duckdb.DuckDBPyConnection,
) -> None:
    """The contract ends on 20 March: the per-year parts are priced on 20/365 of a year, the
    marketing fee on 20/31 of a month. A register read on 20 March under an open-ended
    contract is still billed for the whole month."""
    ending, read_early = electricity(1, "BA01"), electricity(2, "BA02")
    insert_points(warehouse, [ending, read_early])
    last_day = date(2025, 3, 20)
    insert_determinants(
        warehouse,
        ending,
        [
            Determinant(
                MARCH, band, q, "actual", False, MARCH, last_day, contract_end_date=last_day
            )
            for band, q in CONSUMPTION.items()
        ],
    )
    insert_determinants(
        warehouse,
        read_early,
        [
            Determinant(MARCH, band, q, "actual", False, MARCH, last_day)
            for band, q in CONSUMPTION.items()
        ],
    )

    assert rate_month(warehouse, MARCH).skipped == {}

    quantities = warehouse.execute(
        "SELECT supply_point_id, component, quantity, billed_to FROM billing.invoice_lines"
        " WHERE component IN ('marketing_fee', 'network_fixed') ORDER BY 1, 2"
    ).fetchall()
    assert quantities == [
        (ending.supply_point_id, "marketing_fee", D("0.645161"), last_day),  # 20 / 31
        (ending.supply_point_id, "network_fixed", D("0.054795"), last_day),  # 20 / 365
        (read_early.supply_point_id, "marketing_fee", D(1), date(2025, 3, 31)),
        (read_early.supply_point_id, "network_fixed", D("0.084932"), date(2025, 3, 31)),
    ]
    reference = ReferenceTables(warehouse)
    expected = case_lines(reference_case(reference, ending, Period(MARCH, last_day), CONSUMPTION))
    assert engine_rows(warehouse, "supply_point_id = ?", [ending.supply_point_id]) == [
        as_row(line) for line in expected
    ]


def test_an_offer_that_comes_back_within_the_month_is_a_part_of_its_own(
    warehouse: duckdb.DuckDBPyConnection,
) -> None:
    """Offer A 1-9 March, B 10-19, A again from the 20th: three parts, in date order."""
    a = electricity(1, "BA01")
    b = replace(a, offer="O-B", band_prices=None, price_single=D("0.099000"), fee_month=D("3"))
    insert_points(warehouse, [a])
    insert_offers(warehouse, [b])
    parts = [
        (a, Period(MARCH, date(2025, 3, 9)), {"F1": D("10"), "F2": D("5"), "F3": D("20")}),
        (
            b,
            Period(date(2025, 3, 10), date(2025, 3, 19)),
            {"F1": D("30"), "F2": D("7.5"), "F3": D("1")},
        ),
        (
            a,
            Period(date(2025, 3, 20), date(2025, 3, 31)),
            {"F1": D("2"), "F2": D("0"), "F3": D("40.25")},
        ),
    ]
    insert_determinants(
        warehouse,
        a,
        [
            Determinant(
                MARCH, band, q, "actual", False, days.start, days.end, offer_id=offer.offer_id
            )
            for offer, days, consumption in parts
            for band, q in consumption.items()
        ],
    )

    assert rate_month(warehouse, MARCH).skipped == {}

    reference = ReferenceTables(warehouse)
    expected = contract_versions_lines(
        [reference_case(reference, offer, days, consumption) for offer, days, consumption in parts]
    )
    assert engine_rows(warehouse, "true", []) == [as_row(line) for line in expected]


def test_determinants_built_before_the_contract_columns_take_the_points_offer(
    warehouse: duckdb.DuckDBPyConnection,
) -> None:
    """A warehouse whose determinants lack offer_id and contract_end_date is rated as before:
    every row under the point's current offer, the month to its end."""
    point = electricity(1, "BA01")
    insert_points(warehouse, [point])
    bill(warehouse, point, MARCH, CONSUMPTION)
    warehouse.execute("ALTER TABLE reports.rpt_billing_determinants DROP COLUMN offer_id")
    warehouse.execute("ALTER TABLE reports.rpt_billing_determinants DROP COLUMN contract_end_date")

    assert rate_month(warehouse, MARCH).skipped == {}

    reference = ReferenceTables(warehouse)
    expected = case_lines(reference_case(reference, point, Period.of_month(MARCH), CONSUMPTION))
    assert engine_rows(warehouse, "true", []) == [as_row(line) for line in expected]


APRIL, MAY = date(2025, 4, 1), date(2025, 5, 1)
# quarter hours in March 2025 (the 30th has 23 hours) and April 2025
MARCH_INTERVALS, APRIL_INTERVALS = 2972, 2880


def curve(
    point: PointSpec,
    month: date,
    consumption: dict[str, Decimal],
    intervals: int,
    expected: int,
) -> list[Determinant]:
    """An interval meter's month: an estimate where the curve lacks quarter hours."""
    provenance = "actual" if intervals == expected else "estimate"
    return [
        Determinant(
            month,
            band,
            quantity,
            provenance,
            interval_count=intervals,
            expected_interval_count=expected,
        )
        for band, quantity in consumption.items()
    ]


def consumption_lines(connection: duckdb.DuckDBPyConnection, sql: str, *parameters) -> list:
    return connection.execute(
        "SELECT component, band, tier, quantity, unit_price, amount FROM billing.invoice_lines"
        f" WHERE list_contains(?, component) AND {sql} ORDER BY ALL",
        [list(CONSUMPTION_COMPONENTS), *parameters],
    ).fetchall()


def test_an_interval_month_billed_on_an_estimate_is_trued_up_once_its_curve_completes(
    warehouse: duckdb.DuckDBPyConnection,
) -> None:
    """March's curve lacked quarter hours: March was an acconto on an estimate, issued. The
    missing quarter hours arrive later: April's bill takes back March's consumption lines and
    bills them again on the complete curve, once. A month billed on a complete curve, or whose
    curve is still incomplete, is not trued up."""
    late, complete, incomplete = (electricity(n, f"BA0{n}") for n in (1, 2, 3))
    insert_points(warehouse, [late, complete, incomplete])
    estimated = {"F1": D("90.5"), "F2": D(70), "F3": D(120)}
    actual = {"F1": D("101.25"), "F2": D("74.5"), "F3": D("131.125")}
    insert_determinants(warehouse, late, curve(late, MARCH, estimated, 2700, MARCH_INTERVALS))
    insert_determinants(
        warehouse, complete, curve(complete, MARCH, actual, MARCH_INTERVALS, MARCH_INTERVALS)
    )
    insert_determinants(
        warehouse, incomplete, curve(incomplete, MARCH, estimated, 2700, MARCH_INTERVALS)
    )
    assert rate_month(warehouse, MARCH).kinds == {"acconto": 2, "regular": 1}
    warehouse.execute("UPDATE billing.invoices SET status = 'issued'")
    march_charged = consumption_lines(warehouse, "invoice_id = 'BA01-202503'")
    # the curve completes: dbt now gives March on actual quantities; April is complete too
    warehouse.execute(
        "DELETE FROM reports.rpt_billing_determinants WHERE supply_point_id = ?"
        " AND billing_month = ?",
        [late.supply_point_id, MARCH],
    )
    insert_determinants(
        warehouse, late, curve(late, MARCH, actual, MARCH_INTERVALS, MARCH_INTERVALS)
    )
    for point in (late, complete, incomplete):
        insert_determinants(
            warehouse, point, curve(point, APRIL, CONSUMPTION, APRIL_INTERVALS, APRIL_INTERVALS)
        )
    # the oracle: March's billing case on the complete curve, by rules (the restated half of
    # rules.true_up_lines)
    march_case = reference_case(ReferenceTables(warehouse), late, Period.of_month(MARCH), actual)
    march_restated = [
        (line.component, line.band, line.tier, line.quantity, line.unit_price, line.amount)
        for line in true_up_lines(case_lines(march_case), [])
        if line.quantity != 0
    ]

    for _ in range(2):  # a re-run replaces April's drafts: the true-up is never doubled
        assert rate_month(warehouse, APRIL).kinds == {"conguaglio": 1, "regular": 2}
        restated = consumption_lines(
            warehouse,
            "invoice_id = 'BA01-202504' AND is_true_up AND quantity > 0"
            " AND billed_from = ? AND billed_to = ?",
            MARCH,
            date(2025, 3, 31),
        )
        assert Counter(restated) == Counter(march_restated)
        taken_back = consumption_lines(
            warehouse, "invoice_id = 'BA01-202504' AND is_true_up AND quantity < 0"
        )
        assert taken_back == sorted((c, b, t, -q, p, -a) for (c, b, t, q, p, a) in march_charged)
        difference = scalar(
            warehouse,
            "SELECT sum(amount) FROM billing.invoice_lines"
            " WHERE invoice_id = 'BA01-202504' AND is_true_up",
        )
        assert difference == sum(row[5] for row in march_restated) - sum(
            row[5] for row in march_charged
        )
        assert difference > 0
        # April's own month is billed as usual beside the true-up
        assert scalar(
            warehouse,
            "SELECT sum(quantity) FROM billing.invoice_lines WHERE invoice_id = 'BA01-202504'"
            " AND component = 'energy' AND NOT is_true_up",
        ) == sum(CONSUMPTION.values()) * D("1.102")
        assert (
            scalar(
                warehouse,
                "SELECT count(*) FROM billing.invoice_lines WHERE is_true_up"
                " AND invoice_id IN ('BA02-202504', 'BA03-202504')",
            )
            == 0
        )
        assert scalar(warehouse, "SELECT count(*) FROM billing.invoices") == 6

    # once April's conguaglio is issued, later months do not true March up again
    warehouse.execute("UPDATE billing.invoices SET status = 'issued'")
    insert_determinants(warehouse, late, curve(late, MAY, CONSUMPTION, 2976, 2976))
    assert rate_month(warehouse, MAY).kinds == {"regular": 1}
    assert (
        scalar(
            warehouse,
            "SELECT count(*) FROM billing.invoice_lines WHERE invoice_id = 'BA01-202505'"
            " AND is_true_up",
        )
        == 0
    )


def test_a_late_curve_waits_for_the_estimated_month_to_be_issued(
    warehouse: duckdb.DuckDBPyConnection,
) -> None:
    """An acconto still in draft can be replaced by re-rating its month: no true-up yet."""
    point = electricity(1, "BA01")
    insert_points(warehouse, [point])
    insert_determinants(warehouse, point, curve(point, MARCH, {"F1": D(50)}, 2000, MARCH_INTERVALS))
    rate_month(warehouse, MARCH)
    warehouse.execute("DELETE FROM reports.rpt_billing_determinants")
    for month, intervals in ((MARCH, MARCH_INTERVALS), (APRIL, APRIL_INTERVALS)):
        insert_determinants(
            warehouse, point, curve(point, month, {"F1": D(80)}, intervals, intervals)
        )

    assert rate_month(warehouse, APRIL).kinds == {"regular": 1}
