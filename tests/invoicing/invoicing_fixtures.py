"""Test helpers for invoicing: a warehouse with the contract's billing tables, accounts, and a
migrated operational store."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

import duckdb
import yaml
from sqlalchemy.orm import Session, sessionmaker

from energia.store import create_store_engine, migrate_store, store_sessions
from rating.schema import create_billing_tables

CENT = Decimal("0.01")

# the registry marts invoicing reads: cycle and payment days, segment and language
MARTS = """
CREATE SCHEMA IF NOT EXISTS marts;
CREATE OR REPLACE TABLE marts.dim_company (company_id VARCHAR, company_name VARCHAR);
CREATE OR REPLACE TABLE marts.dim_customer (
    customer_id VARCHAR, company_id VARCHAR, customer_name VARCHAR, segment VARCHAR,
    language VARCHAR
);
CREATE OR REPLACE TABLE marts.dim_billing_account (
    billing_account_id VARCHAR, company_id VARCHAR, customer_id VARCHAR, billing_cycle VARCHAR,
    payment_days INTEGER
);
"""

# the reports of docs/contracts.md §2 that rating and invoicing read
REPORTS = """
CREATE SCHEMA IF NOT EXISTS reports;
CREATE TABLE IF NOT EXISTS reports.rpt_supply_points (
    supply_point_id VARCHAR, company_id VARCHAR, company_name VARCHAR, commodity VARCHAR,
    customer_id VARCHAR, customer_name VARCHAR, billing_account_id VARCHAR, use VARCHAR,
    voltage VARCHAR, power_kw DECIMAL(12, 3), meter_type VARCHAR, dso_code VARCHAR,
    city VARCHAR, province VARCHAR, offer_id VARCHAR, offer_name VARCHAR, last_month DATE,
    last_month_quantity DECIMAL(18, 6), unit VARCHAR
);
CREATE TABLE IF NOT EXISTS reports.rpt_monthly_consumption (
    company_id VARCHAR, billing_account_id VARCHAR, supply_point_id VARCHAR, commodity VARCHAR,
    month DATE, band VARCHAR, quantity DECIMAL(18, 6), unit VARCHAR, interval_count INTEGER,
    expected_interval_count INTEGER
);
CREATE TABLE IF NOT EXISTS reports.rpt_offers (
    offer_id VARCHAR, company_id VARCHAR, commodity VARCHAR, name VARCHAR, kind VARCHAR,
    price_f1 DECIMAL(18, 6), price_f2 DECIMAL(18, 6), price_f3 DECIMAL(18, 6),
    price_single DECIMAL(18, 6), index_name VARCHAR, spread DECIMAL(18, 6),
    fee_month DECIMAL(18, 6), valid_from DATE, valid_to DATE
);
CREATE TABLE IF NOT EXISTS reports.rpt_billing_determinants (
    determinant_id VARCHAR, company_id VARCHAR, billing_account_id VARCHAR,
    supply_point_id VARCHAR, commodity VARCHAR, billing_month DATE, period_start DATE,
    period_end DATE, offer_id VARCHAR, contract_end_date DATE, band VARCHAR,
    quantity DECIMAL(18, 6), unit VARCHAR, quantity_m3 DECIMAL(18, 6),
    conversion_coefficient DECIMAL(12, 6), provenance VARCHAR,
    is_true_up BOOLEAN, peak_kw DECIMAL(12, 3), interval_count INTEGER,
    expected_interval_count INTEGER, completeness DECIMAL(5, 4)
);
CREATE TABLE IF NOT EXISTS reports.rpt_hourly_consumption (
    supply_point_id VARCHAR, company_id VARCHAR, hour_start_utc TIMESTAMP WITH TIME ZONE,
    local_date DATE, local_hour INTEGER, band VARCHAR, kwh DECIMAL(18, 6)
);
CREATE TABLE IF NOT EXISTS reports.rpt_market_prices (
    index_name VARCHAR, price_date DATE, hour INTEGER, hour_start_utc TIMESTAMP WITH TIME ZONE,
    band VARCHAR, price_eur_mwh DECIMAL(18, 6)
);
"""

SEEDS = Path(__file__).resolve().parents[2] / "dbt" / "seeds"


def load_reference_seeds(connection: duckdb.DuckDBPyConnection) -> None:
    """The reference schema as dbt seeds it, with the types the seed properties declare."""
    properties = yaml.safe_load((SEEDS / "_ref__seeds.yml").read_text())
    connection.execute("CREATE SCHEMA IF NOT EXISTS reference")
    for seed in properties["seeds"]:
        types = seed["config"]["column_types"]
        columns = ", ".join(f"'{column}': '{kind}'" for column, kind in types.items())
        connection.execute(
            f"CREATE OR REPLACE TABLE reference.{seed['name']} AS SELECT * FROM"
            f" read_csv('{SEEDS / seed['name']}.csv', header = true, columns = {{{columns}}})"
        )


@dataclass(frozen=True)
class Account:
    billing_account_id: str
    company_id: str = "C01"
    billing_cycle: str = "monthly"
    segment: str = "domestic"
    language: str = "it"
    payment_days: int | None = 20

    @property
    def customer_id(self) -> str:
        return f"CU-{self.billing_account_id}"


def new_warehouse(path: Path | None = None) -> duckdb.DuckDBPyConnection:
    """A warehouse with rating's billing tables, empty registry marts and reports."""
    connection = duckdb.connect(str(path) if path else ":memory:")
    create_billing_tables(connection)
    connection.execute(MARTS)
    connection.execute(REPORTS)
    return connection


def add_accounts(connection: duckdb.DuckDBPyConnection, accounts: Iterable[Account]) -> None:
    for account in accounts:
        connection.execute(
            "INSERT INTO marts.dim_billing_account VALUES (?, ?, ?, ?, ?)",
            [
                account.billing_account_id,
                account.company_id,
                account.customer_id,
                account.billing_cycle,
                account.payment_days,
            ],
        )
        connection.execute(
            "INSERT INTO marts.dim_customer VALUES (?, ?, ?, ?, ?)",
            [
                account.customer_id,
                account.company_id,
                f"Customer {account.billing_account_id}",
                account.segment,
                account.language,
            ],
        )
        if not connection.execute(
            "SELECT count(*) FROM marts.dim_company WHERE company_id = ?", [account.company_id]
        ).fetchone()[0]:
            connection.execute(
                "INSERT INTO marts.dim_company VALUES (?, ?)",
                [account.company_id, f"Energia {account.company_id} S.p.A."],
            )


def month_end(month: date) -> date:
    following = date(month.year + (month.month == 12), month.month % 12 + 1, 1)
    return following - date.resolution


@dataclass(frozen=True)
class Line:
    supply_point_id: str
    quantity: Decimal
    unit_price: Decimal
    vat_rate: Decimal = Decimal("0.10")
    component: str = "energy"
    is_true_up: bool = False

    @property
    def amount(self) -> Decimal:
        return (self.quantity * self.unit_price).quantize(CENT, rounding=ROUND_HALF_UP)


def insert_invoice(
    connection: duckdb.DuckDBPyConnection,
    invoice_id: str,
    account: Account,
    month: date,
    lines: Iterable[Line],
    status: str = "approved",
    document_type: str = "TD01",
    kind: str = "regular",
    related_invoice_id: str | None = None,
) -> Decimal:
    """An invoice with its lines and VAT summary, amounts computed as CASES.md does; returns
    its total."""
    lines = list(lines)
    by_rate: dict[Decimal, Decimal] = {}
    for number, line in enumerate(lines, start=1):
        connection.execute(
            "INSERT INTO billing.invoice_lines (invoice_id, line_no, supply_point_id, component,"
            ' quantity, unit_price, amount, vat_rate, "group", provenance, is_true_up)'
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, 'energy', 'actual', ?)",
            [
                invoice_id,
                number,
                line.supply_point_id,
                line.component,
                line.quantity,
                line.unit_price,
                line.amount,
                line.vat_rate,
                line.is_true_up,
            ],
        )
        by_rate[line.vat_rate] = by_rate.get(line.vat_rate, Decimal(0)) + line.amount
    vat = {
        rate: (rate * taxable).quantize(CENT, rounding=ROUND_HALF_UP)
        for rate, taxable in by_rate.items()
    }
    for rate, taxable in by_rate.items():
        connection.execute(
            "INSERT INTO billing.invoice_vat VALUES (?, ?, ?, ?)",
            [invoice_id, rate, taxable, vat[rate]],
        )
    taxable, vat_total = sum(by_rate.values(), Decimal(0)), sum(vat.values(), Decimal(0))
    connection.execute(
        "INSERT INTO billing.invoices (invoice_id, company_id, billing_account_id, customer_id,"
        " document_type, kind, period_start, period_end, taxable, vat_total, total, status,"
        " related_invoice_id, created_at)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, current_timestamp)",
        [
            invoice_id,
            account.company_id,
            account.billing_account_id,
            account.customer_id,
            document_type,
            kind,
            month,
            month_end(month),
            taxable,
            vat_total,
            taxable + vat_total,
            status,
            related_invoice_id,
        ],
    )
    return taxable + vat_total


def migrated_store_file(directory: Path) -> Path:
    """A SQLite store file at the head migration (its last connection closed, SQLite has moved
    the write-ahead log into the file, which can be copied alone)."""
    path = directory / "operational.sqlite"
    migrate_store(f"sqlite:///{path}")
    assert not path.with_name(path.name + "-wal").exists()
    return path


def open_store(path: Path) -> sessionmaker[Session]:
    return store_sessions(create_store_engine(f"sqlite:///{path}"))


def status_of(connection: duckdb.DuckDBPyConnection, invoice_id: str) -> tuple:
    return connection.execute(
        "SELECT status, hold_reason, series, number FROM billing.invoices WHERE invoice_id = ?",
        [invoice_id],
    ).fetchone()


BAND_PRICES = {"F1": Decimal("0.125400"), "F2": Decimal("0.118900"), "F3": Decimal("0.102300")}


@dataclass(frozen=True)
class MeteredPoint:
    """An electricity supply point on a fixed offer, for rating: registry, offer, and its
    monthly kWh per band (the same in the determinants and the monthly consumption)."""

    supply_point_id: str
    account: Account
    use: str = "domestic_resident"
    power_kw: Decimal = Decimal(3)
    fee_month: Decimal = Decimal("7.50")


def add_points(connection: duckdb.DuckDBPyConnection, points: Iterable[MeteredPoint]) -> None:
    for point in points:
        account = point.account
        connection.execute(
            "INSERT INTO reports.rpt_supply_points (supply_point_id, company_id, company_name,"
            " commodity, customer_id, customer_name, billing_account_id, use, voltage, power_kw,"
            " meter_type, offer_id, unit)"
            " VALUES (?, ?, ?, 'ELE', ?, ?, ?, ?, 'LV', ?, 'interval', ?, 'kWh')",
            [
                point.supply_point_id,
                account.company_id,
                f"Energia {account.company_id} S.p.A.",
                account.customer_id,
                f"Customer {account.billing_account_id}",
                account.billing_account_id,
                point.use,
                point.power_kw,
                f"O-{point.supply_point_id}",
            ],
        )
        connection.execute(
            "INSERT INTO reports.rpt_offers (offer_id, company_id, commodity, name, kind,"
            " price_f1, price_f2, price_f3, fee_month, valid_from)"
            " VALUES (?, ?, 'ELE', 'Fixed three bands', 'fixed', ?, ?, ?, ?, DATE '2024-01-01')",
            [
                f"O-{point.supply_point_id}",
                account.company_id,
                BAND_PRICES["F1"],
                BAND_PRICES["F2"],
                BAND_PRICES["F3"],
                point.fee_month,
            ],
        )


def set_consumption(
    connection: duckdb.DuckDBPyConnection,
    point: MeteredPoint,
    month: date,
    kwh: dict[str, Decimal],
    provenance: str = "actual",
) -> None:
    """The point's month in the determinants and the monthly consumption, replacing any."""
    for statement in (
        "DELETE FROM reports.rpt_billing_determinants"
        " WHERE supply_point_id = ? AND billing_month = ?",
        "DELETE FROM reports.rpt_monthly_consumption WHERE supply_point_id = ? AND month = ?",
    ):
        connection.execute(statement, [point.supply_point_id, month])
    account = point.account
    for band, quantity in kwh.items():
        connection.execute(
            "INSERT INTO reports.rpt_billing_determinants (determinant_id, company_id,"
            " billing_account_id, supply_point_id, commodity, billing_month, period_start,"
            " period_end, band, quantity, unit, provenance, is_true_up)"
            " VALUES (?, ?, ?, ?, 'ELE', ?, ?, ?, ?, ?, 'kWh', ?, false)",
            [
                f"{point.supply_point_id}-{month:%Y%m}-{band}",
                account.company_id,
                account.billing_account_id,
                point.supply_point_id,
                month,
                month,
                month_end(month),
                band,
                quantity,
                provenance,
            ],
        )
        connection.execute(
            "INSERT INTO reports.rpt_monthly_consumption VALUES"
            " (?, ?, ?, 'ELE', ?, ?, ?, 'kWh', NULL, NULL)",
            [
                account.company_id,
                account.billing_account_id,
                point.supply_point_id,
                month,
                band,
                quantity,
            ],
        )


def write_lots(path: Path, lots: str) -> Path:
    path.write_text(lots, encoding="utf-8")
    return path


def assert_no_day_billed_twice(connection: duckdb.DuckDBPyConnection) -> None:
    """Each supply point's day is on at most one issued invoice not cancelled by an issued
    credit note: a regular line bills its document's billing month (true-up lines restate days,
    they do not bill them again)."""
    twice = connection.execute(
        """
        WITH cancelled AS (
            SELECT related_invoice_id AS invoice_id FROM billing.invoices
            WHERE document_type = 'TD04' AND status = 'issued'
        ),
        billed AS (
            SELECT DISTINCT line.supply_point_id, invoice.invoice_id,
                CAST(date_trunc('month', invoice.period_end) AS DATE) AS first_day,
                invoice.period_end AS last_day
            FROM billing.invoice_lines AS line JOIN billing.invoices AS invoice USING (invoice_id)
            WHERE invoice.status = 'issued' AND invoice.document_type = 'TD01'
                AND NOT coalesce(line.is_true_up, false)
                AND invoice.invoice_id NOT IN (SELECT invoice_id FROM cancelled)
        ),
        days AS (
            SELECT supply_point_id, invoice_id,
                unnest(generate_series(first_day, last_day, INTERVAL 1 DAY)) AS day
            FROM billed
        )
        SELECT supply_point_id, day, list(invoice_id) FROM days
        GROUP BY supply_point_id, day HAVING count(DISTINCT invoice_id) > 1
        """
    ).fetchall()
    assert twice == [], twice[:5]


def assert_gap_free_numbers(connection: duckdb.DuckDBPyConnection) -> None:
    """Issued documents are numbered 1..n per company, series and year; nothing else is."""
    rows = connection.execute(
        "SELECT company_id, series, year(issue_date), list(number ORDER BY number)"
        " FROM billing.invoices WHERE status = 'issued' GROUP BY ALL"
    ).fetchall()
    for company, series, year, numbers in rows:
        assert numbers == list(range(1, len(numbers) + 1)), (company, series, year, numbers)
    assert connection.execute(
        "SELECT count(*) FROM billing.invoices WHERE status <> 'issued' AND number IS NOT NULL"
    ).fetchone() == (0,)


def assert_totals_add_up(connection: duckdb.DuckDBPyConnection) -> None:
    """Every document: taxable is the sum of its lines, VAT per rate is the rate on that rate's
    lines rounded half-up once, and the total is taxable plus VAT."""
    lines = connection.execute(
        "SELECT invoice_id, vat_rate, sum(amount) FROM billing.invoice_lines GROUP BY ALL"
    ).fetchall()
    expected: dict[str, dict[Decimal, tuple[Decimal, Decimal]]] = {}
    for invoice_id, rate, taxable in lines:
        vat = (rate * taxable).quantize(CENT, rounding=ROUND_HALF_UP)
        expected.setdefault(invoice_id, {})[rate] = (taxable, vat)
    summary: dict[str, dict[Decimal, tuple[Decimal, Decimal]]] = {}
    for invoice_id, rate, taxable, vat in connection.execute(
        "SELECT invoice_id, vat_rate, taxable, vat FROM billing.invoice_vat"
    ).fetchall():
        summary.setdefault(invoice_id, {})[rate] = (taxable, vat)
    invoices = connection.execute(
        "SELECT invoice_id, taxable, vat_total, total FROM billing.invoices"
    ).fetchall()
    assert invoices
    for invoice_id, taxable, vat_total, total in invoices:
        by_rate = expected[invoice_id]
        assert summary[invoice_id] == by_rate, invoice_id
        assert taxable == sum(t for t, _ in by_rate.values()), invoice_id
        assert vat_total == sum(v for _, v in by_rate.values()), invoice_id
        assert total == taxable + vat_total, invoice_id


def add_true_up(
    connection: duckdb.DuckDBPyConnection,
    point: MeteredPoint,
    billing_month: date,
    restated_month: date,
    kwh: dict[str, Decimal],
) -> None:
    """Actual kWh for a month billed before on estimates, carried by `billing_month`'s bill."""
    account = point.account
    for band, quantity in kwh.items():
        connection.execute(
            "INSERT INTO reports.rpt_billing_determinants (determinant_id, company_id,"
            " billing_account_id, supply_point_id, commodity, billing_month, period_start,"
            " period_end, band, quantity, unit, provenance, is_true_up)"
            " VALUES (?, ?, ?, ?, 'ELE', ?, ?, ?, ?, ?, 'kWh', 'actual', true)",
            [
                f"{point.supply_point_id}-{billing_month:%Y%m}-true-up-{band}",
                account.company_id,
                account.billing_account_id,
                point.supply_point_id,
                billing_month,
                restated_month,
                month_end(restated_month),
                band,
                quantity,
            ],
        )
