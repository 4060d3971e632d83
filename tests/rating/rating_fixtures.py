"""Test helpers for rating: a small warehouse, the seeds as rows, and invoice comparison."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from typing import Any

import duckdb
import yaml

from rating.rules import (
    EXCISE_EXEMPTION_MAX_POWER_KW,
    Case,
    Excise,
    Offer,
    Period,
    SupplyPoint,
    Tariff,
    Taxes,
    Tier,
)

ROOT = Path(__file__).resolve().parents[2]
SEEDS = ROOT / "dbt" / "seeds"
SHARED_CASES = Path("/work/shared/cases")
OWN_CASES = Path(__file__).resolve().parent / "cases"
MICRO = Decimal("0.000001")

# the reports tables rating reads, with the columns and types of docs/contracts.md §2
REPORT_TABLES = """
CREATE SCHEMA IF NOT EXISTS reports;
CREATE OR REPLACE TABLE reports.rpt_supply_points (
    supply_point_id VARCHAR, company_id VARCHAR, company_name VARCHAR, commodity VARCHAR,
    customer_id VARCHAR, customer_name VARCHAR, billing_account_id VARCHAR, use VARCHAR,
    voltage VARCHAR, power_kw DECIMAL(12, 3), meter_type VARCHAR, dso_code VARCHAR,
    city VARCHAR, province VARCHAR, offer_id VARCHAR, offer_name VARCHAR, last_month DATE,
    last_month_quantity DECIMAL(18, 6), unit VARCHAR
);
CREATE OR REPLACE TABLE reports.rpt_monthly_consumption (
    company_id VARCHAR, billing_account_id VARCHAR, supply_point_id VARCHAR, commodity VARCHAR,
    month DATE, band VARCHAR, quantity DECIMAL(18, 6), unit VARCHAR, interval_count INTEGER,
    expected_interval_count INTEGER
);
CREATE OR REPLACE TABLE reports.rpt_offers (
    offer_id VARCHAR, company_id VARCHAR, commodity VARCHAR, name VARCHAR, kind VARCHAR,
    price_f1 DECIMAL(18, 6), price_f2 DECIMAL(18, 6), price_f3 DECIMAL(18, 6),
    price_single DECIMAL(18, 6), index_name VARCHAR, spread DECIMAL(18, 6),
    fee_month DECIMAL(18, 6), valid_from DATE, valid_to DATE
);
"""

SEED_NAMES = ("ref_regulated_tariffs", "ref_tax_rates")


def seed_column_types() -> dict[str, dict[str, str]]:
    """Column types per seed, from the dbt seed properties (the one place they are declared)."""
    properties = yaml.safe_load((SEEDS / "_ref__seeds.yml").read_text())
    return {seed["name"]: seed["config"]["column_types"] for seed in properties["seeds"]}


def create_reference_tables(connection: duckdb.DuckDBPyConnection, load_csv: bool) -> None:
    """The reference schema as dbt builds it: the seed CSVs, or empty tables of their shape."""
    connection.execute("CREATE SCHEMA IF NOT EXISTS reference")
    for name, types in seed_column_types().items():
        columns = ", ".join(f"'{column}': '{kind}'" for column, kind in types.items())
        source = f"read_csv('{SEEDS / name}.csv', header = true, columns = {{{columns}}})"
        limit = "" if load_csv else " LIMIT 0"
        connection.execute(
            f"CREATE OR REPLACE TABLE reference.{name} AS SELECT * FROM {source}{limit}"
        )


def new_warehouse(load_seeds: bool = True) -> duckdb.DuckDBPyConnection:
    connection = duckdb.connect()
    connection.execute(REPORT_TABLES)
    create_reference_tables(connection, load_seeds)
    return connection


@dataclass(frozen=True)
class PointSpec:
    """One electricity supply point with its offer and month's consumption, for the warehouse."""

    supply_point_id: str
    billing_account_id: str
    use: str
    voltage: str
    power_kw: Decimal
    consumption: Mapping[str, Decimal]  # kWh by band
    band_prices: Mapping[str, Decimal] | None  # None: a single-price offer
    price_single: Decimal | None
    fee_month: Decimal
    company_id: str = "C01"
    commodity: str = "ELE"
    kind: str = "fixed"

    @property
    def offer_id(self) -> str:
        return f"O-{self.supply_point_id}"

    @property
    def customer_id(self) -> str:
        return f"CU-{self.billing_account_id}"


def insert_points(
    connection: duckdb.DuckDBPyConnection, month: date, points: Iterable[PointSpec]
) -> None:
    for point in points:
        prices = point.band_prices or {}
        connection.execute(
            "INSERT INTO reports.rpt_supply_points (supply_point_id, company_id, commodity,"
            " customer_id, billing_account_id, use, voltage, power_kw, meter_type, offer_id)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, 'interval', ?)",
            [
                point.supply_point_id,
                point.company_id,
                point.commodity,
                point.customer_id,
                point.billing_account_id,
                point.use,
                point.voltage,
                point.power_kw,
                point.offer_id,
            ],
        )
        connection.execute(
            "INSERT INTO reports.rpt_offers (offer_id, company_id, commodity, name, kind,"
            " price_f1, price_f2, price_f3, price_single, fee_month, valid_from)"
            " VALUES (?, ?, ?, 'test offer', ?, ?, ?, ?, ?, ?, DATE '2024-01-01')",
            [
                point.offer_id,
                point.company_id,
                point.commodity,
                point.kind,
                prices.get("F1"),
                prices.get("F2"),
                prices.get("F3"),
                point.price_single,
                point.fee_month,
            ],
        )
        connection.executemany(
            "INSERT INTO reports.rpt_monthly_consumption (company_id, billing_account_id,"
            " supply_point_id, commodity, month, band, quantity, unit)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, 'kWh')",
            [
                [
                    point.company_id,
                    point.billing_account_id,
                    point.supply_point_id,
                    point.commodity,
                    month,
                    band,
                    quantity,
                ]
                for band, quantity in point.consumption.items()
            ],
        )


def clear_reports(connection: duckdb.DuckDBPyConnection) -> None:
    for table in ("rpt_supply_points", "rpt_monthly_consumption", "rpt_offers"):
        connection.execute(f"DELETE FROM reports.{table}")


def _rows(connection: duckdb.DuckDBPyConnection, table: str) -> list[dict[str, Any]]:
    cursor = connection.execute(f"SELECT * FROM reference.{table}")
    names = [column[0] for column in cursor.description]
    return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


def _most_specific(
    rows: list[dict[str, Any]], attributes: dict[str, str], period: Period, group: str
) -> list[dict[str, Any]]:
    """Electricity rows valid for the whole period whose attributes match (`*` = any),
    keeping per `group` (component or tax) those naming the most attributes."""

    def specificity(row: dict[str, Any]) -> int:
        return sum(row[key] != "*" for key in attributes)

    valid = [
        row
        for row in rows
        if row["commodity"] == "ELE"
        and row["valid_from"] <= period.start
        and (row["valid_to"] is None or row["valid_to"] >= period.end)
        and all(row[key] in (value, "*") for key, value in attributes.items())
    ]
    best: dict[str, int] = {}
    for row in valid:
        best[row[group]] = max(best.get(row[group], 0), specificity(row))
    return [row for row in valid if specificity(row) == best[row[group]]]


def reference_case(connection: duckdb.DuckDBPyConnection, point: PointSpec, month: date) -> Case:
    """The billing case of one point and month, built in Python from the reference tables.

    This resolves the seeds independently of the engine's SQL: rows valid for the whole
    month, matching use and voltage, the most specific (fewest `*`) winning.
    """
    period = Period.of_month(month)

    tariffs = {
        row["component"]: Tariff(row["component"], row["basis"], unit_price=row["unit_price"])
        for row in _most_specific(
            _rows(connection, "ref_regulated_tariffs"),
            {"use": point.use, "voltage": point.voltage},
            period,
            group="component",
        )
    }
    taxes = _most_specific(
        _rows(connection, "ref_tax_rates"), {"use": point.use}, period, group="tax"
    )
    vat_rate = next(row["rate"] for row in taxes if row["tax"] == "vat")
    excise_rows = sorted(
        (row for row in taxes if row["tax"] == "excise"), key=lambda row: row["tier"] or 0
    )
    exemption = [row for row in taxes if row["tax"] == "excise_exemption"]
    if point.use == "non_domestic":
        excise = Excise(tiers=tuple(Tier(row["tier_to"], row["rate"]) for row in excise_rows))
    else:
        (only,) = excise_rows
        exempt = exemption[0]["tier_to"] if exemption else None
        excise = Excise(rate=only["rate"], exempt_kwh_month=exempt)
    if point.band_prices is None:
        energy_price = {"ALL": point.price_single}
    else:
        energy_price = dict(point.band_prices)
    return Case(
        period=period,
        supply_point=SupplyPoint("ELE", point.use, point.voltage, point.power_kw),
        offer=Offer("fixed", point.fee_month, energy_price=energy_price),
        consumption=dict(point.consumption),
        tariffs=tariffs,
        taxes=Taxes(vat_rate=vat_rate, excise=excise),
    )


def case_reference_rows(case: Case) -> tuple[list[list[Any]], list[list[Any]]]:
    """An electricity case's tariffs and taxes as seed-shaped rows valid for its period."""
    period, point = case.period, case.supply_point
    common = [period.start, period.end, point.commodity, point.use]
    tariff_rows = [
        [*common, point.voltage, tariff.component, tariff.basis, None, None, tariff.unit_price]
        for tariff in case.tariffs.values()
    ]
    taxes = case.taxes
    tax_rows = [[*common, "vat", None, None, None, None, None, taxes.vat_rate]]
    excise = taxes.excise
    if excise.tiers:
        lower = Decimal(0)
        for number, tier in enumerate(excise.tiers, start=1):
            tax_rows.append(
                [*common, "excise", number, lower, tier.upper, "kwh_month", None, tier.price]
            )
            lower = tier.upper
    else:
        tax_rows.append([*common, "excise", None, None, None, None, None, excise.rate])
    if excise.exempt_kwh_month is not None and point.use == "domestic_resident":
        tax_rows.append(
            [
                *common,
                "excise_exemption",
                None,
                Decimal(0),
                excise.exempt_kwh_month,
                "kwh_month",
                EXCISE_EXEMPTION_MAX_POWER_KW,
                Decimal(0),
            ]
        )
    return tariff_rows, tax_rows


def quantity_key(value: Decimal) -> Decimal:
    """Quantities as the warehouse stores them: 6 decimals, half-up."""
    return value.quantize(MICRO, rounding=ROUND_HALF_UP)


def line_key(line: Mapping[str, Any]) -> tuple:
    tier = line["tier"]
    return (
        line["component"],
        line["band"],
        None if tier is None else int(tier),
        Decimal(str(line["vat_rate"])),
    )


def assert_same_lines(
    got: Iterable[Mapping[str, Any]],
    expected: Iterable[Mapping[str, Any]],
    zero_lines_optional: bool = True,
) -> None:
    """Lines agree as a set keyed on component, band, tier and VAT rate, decimals compared as
    numbers (quantities at the warehouse's 6 decimals); CASES.md lets a zero-amount line be
    left out, so by default such a line may be missing on either side.
    """
    got, expected = list(got), list(expected)
    got_lines = {line_key(line): line for line in got}
    expected_lines = {line_key(line): line for line in expected}
    assert len(got_lines) == len(got), "two lines share a key"
    assert len(expected_lines) == len(expected), "two expected lines share a key"
    for key in got_lines.keys() | expected_lines.keys():
        if key not in got_lines or key not in expected_lines:
            present = got_lines.get(key) or expected_lines[key]
            assert zero_lines_optional and Decimal(str(present["amount"])) == 0, (
                f"line {key} only on one side"
            )
            continue
        for column in ("quantity", "unit_price", "amount"):
            got_value = Decimal(str(got_lines[key][column]))
            expected_value = Decimal(str(expected_lines[key][column]))
            if column == "quantity":
                got_value, expected_value = quantity_key(got_value), quantity_key(expected_value)
            assert got_value == expected_value, f"{key} {column}: {got_value} != {expected_value}"


def assert_same_invoice(got: Mapping[str, Any], expected: Mapping[str, Any]) -> None:
    """Invoices in CASES.md's JSON shape agree: lines as in assert_same_lines, the VAT
    summary (when both sides have one) and the totals."""
    assert_same_lines(got["lines"], expected["lines"])
    if "vat" in got and "vat" in expected:
        assert _vat_by_rate(got) == _vat_by_rate(expected)
    for column in ("taxable", "vat_total", "total"):
        assert Decimal(str(got[column])) == Decimal(str(expected[column])), column


def _vat_by_rate(invoice: Mapping[str, Any]) -> dict[Decimal, tuple[Decimal, Decimal]]:
    return {
        Decimal(str(v["rate"])): (Decimal(str(v["taxable"])), Decimal(str(v["vat"])))
        for v in invoice["vat"]
    }


LINE_COLUMNS = ("component", "band", "tier", "quantity", "unit_price", "amount", "vat_rate")


def engine_lines(
    connection: duckdb.DuckDBPyConnection, supply_point_id: str
) -> list[dict[str, Any]]:
    """A supply point's draft invoice lines, in CASES.md's line shape."""
    rows = connection.execute(
        f"SELECT {', '.join(LINE_COLUMNS)} FROM billing.invoice_lines"
        " WHERE supply_point_id = ? ORDER BY line_no",
        [supply_point_id],
    ).fetchall()
    return [dict(zip(LINE_COLUMNS, row, strict=True)) for row in rows]


def engine_invoice(connection: duckdb.DuckDBPyConnection, invoice_id: str) -> dict[str, Any]:
    """A draft invoice and its lines, in CASES.md's shape (without the VAT summary)."""
    taxable, vat_total, total = connection.execute(
        "SELECT taxable, vat_total, total FROM billing.invoices WHERE invoice_id = ?",
        [invoice_id],
    ).fetchone()
    rows = connection.execute(
        f"SELECT {', '.join(LINE_COLUMNS)} FROM billing.invoice_lines"
        " WHERE invoice_id = ? ORDER BY line_no",
        [invoice_id],
    ).fetchall()
    lines = [dict(zip(LINE_COLUMNS, row, strict=True)) for row in rows]
    return {"lines": lines, "taxable": taxable, "vat_total": vat_total, "total": total}
