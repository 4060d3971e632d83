"""The portal's test data: the rest of a snapshot (docs/contracts.md §2, §3) beside the tables of
dashboard_fixtures, invoice PDFs under out/, and one signed-in user per role.

`rpt_customers` and `rpt_forward_curves` follow their dbt contracts
(dbt/models/reports/rpt_customers.yml, rpt_forward_curves.yml): see CUSTOMERS_DDL and
FORWARD_CURVES_DDL.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path
from types import SimpleNamespace

import duckdb
import flask
from dashboard_fixtures import PDR, POD_CURVE, POD_JANUARY, POD_NO_CURVE, POD_REGISTER

from access import roles
from access.directory import Directory, Principal
from access.scope import ALL, COMPANY, COST_CENTRE, CUSTOMER, REGION, Grant, Scope
from energia.store import create_store_engine, migrate_store
from exports.delivery import OutputPaths

PASSWORD = "correct horse battery"
EVERYTHING = Scope(everything=True)
# an administrator who sees everything, for page tests that need no store
ADMIN = Principal(
    user_id=0,
    username="admin",
    display_name="Admin",
    language="it",
    roles=frozenset({roles.ADMINISTRATOR}),
    pages=roles.ROLE_PAGES[roles.ADMINISTRATOR],
    grants=(Grant(ALL),),
)

# contract: one row per customer or hierarchy node (dim_customer), `kind` one of
# person, company, group, region, cost_centre; segment domestic/business; language it/en
CUSTOMERS_DDL = """
CREATE TABLE rpt_customers (
    customer_id VARCHAR, company_id VARCHAR, parent_customer_id VARCHAR, kind VARCHAR,
    name VARCHAR, segment VARCHAR, language VARCHAR
)
"""
# C01: group G01 > region R01 > cost centre K01 > CU001; CU002 sits in R01 outside K01
# C02: CU101 alone
CUSTOMERS = [
    ("G01", "C01", None, "group", "Gruppo Rossi", "business", "it"),
    ("R01", "C01", "G01", "region", "Gruppo Rossi - Nord", "business", "it"),
    ("K01", "C01", "R01", "cost_centre", "Gruppo Rossi - Logistica", "business", "it"),
    ("CU001", "C01", "K01", "person", "Mario Rossi", "domestic", "it"),
    ("CU002", "C01", "R01", "person", "Giulia Verdi", "domestic", "it"),
    ("CU101", "C02", None, "company", "Officine Bianchi S.r.l.", "business", "en"),
]
# contract: forward quotes per index, trade date and delivery month
FORWARD_CURVES_DDL = """
CREATE TABLE rpt_forward_curves (
    index_name VARCHAR, trade_date DATE, delivery_month DATE, price_eur_mwh DECIMAL(18, 6)
)
"""
FORWARD_CURVES = [
    ("PUN", date(2025, 3, 14), date(2025, 4, 1), Decimal("101.5")),
    ("PUN", date(2025, 3, 15), date(2025, 4, 1), Decimal("102.25")),
    ("PUN", date(2025, 3, 15), date(2025, 5, 1), Decimal("98.75")),
]

MONTHLY_CONSUMPTION_DDL = """
CREATE TABLE rpt_monthly_consumption (
    company_id VARCHAR, billing_account_id VARCHAR, supply_point_id VARCHAR, commodity VARCHAR,
    month DATE, band VARCHAR, quantity DECIMAL(18, 6), unit VARCHAR, interval_count INTEGER,
    expected_interval_count INTEGER
)
"""
MONTHLY_CONSUMPTION = [
    ("C01", "BA001", POD_CURVE, "ELE", date(2025, 3, 1), "F1", Decimal("22"), "kWh", 44, 44),
    ("C01", "BA001", POD_CURVE, "ELE", date(2025, 3, 1), "F2", Decimal("5"), "kWh", 20, 20),
    ("C01", "BA001", POD_CURVE, "ELE", date(2025, 3, 1), "F3", Decimal("15.5"), "kWh", 124, 124),
    (
        "C01",
        "BA001",
        POD_REGISTER,
        "ELE",
        date(2025, 3, 1),
        "ALL",
        Decimal("210"),
        "kWh",
        None,
        None,
    ),
    ("C01", "BA001", PDR, "GAS", date(2025, 3, 1), "ALL", Decimal("88.25"), "m3", None, None),
    (
        "C01",
        "BA002",
        POD_NO_CURVE,
        "ELE",
        date(2025, 3, 1),
        "ALL",
        Decimal("55"),
        "kWh",
        None,
        None,
    ),
    (
        "C02",
        "BA101",
        POD_JANUARY,
        "ELE",
        date(2025, 1, 1),
        "F1",
        Decimal("98765.432"),
        "kWh",
        44,
        44,
    ),
]

INVOICES_DDL = """
CREATE TABLE invoices (
    invoice_id VARCHAR, company_id VARCHAR, billing_account_id VARCHAR, customer_id VARCHAR,
    document_type VARCHAR, kind VARCHAR, period_start DATE, period_end DATE,
    taxable DECIMAL(14, 2), vat_total DECIMAL(14, 2), total DECIMAL(14, 2), status VARCHAR,
    hold_reason VARCHAR, number INTEGER, series VARCHAR, issue_date DATE, due_date DATE,
    related_invoice_id VARCHAR, correction_case_id VARCHAR, created_at TIMESTAMPTZ
)
"""
INV_ROSSI = "C01-BA001-202502"
INV_ROSSI_DRAFT = "C01-BA001-202503"
INV_VERDI = "C01-BA002-202503"
INV_BIANCHI = "C02-BA101-202501"
# (id, company, account, customer, period start, taxable, vat, status, number in series FE)
INVOICES = [
    (
        INV_ROSSI,
        "C01",
        "BA001",
        "CU001",
        date(2025, 2, 1),
        "100.00",
        "10.00",
        "issued",
        1,
    ),
    (INV_ROSSI_DRAFT, "C01", "BA001", "CU001", date(2025, 3, 1), "80.00", "8.00", "draft", None),
    (INV_VERDI, "C01", "BA002", "CU002", date(2025, 3, 1), "40.00", "4.00", "issued", 2),
    (
        INV_BIANCHI,
        "C02",
        "BA101",
        "CU101",
        date(2025, 1, 1),
        "12345.67",
        "2716.05",
        "issued",
        1,
    ),
]
INVOICE_LINES_DDL = """
CREATE TABLE invoice_lines (
    invoice_id VARCHAR, line_no INTEGER, supply_point_id VARCHAR, component VARCHAR, band VARCHAR,
    tier INTEGER, quantity DECIMAL(24, 12), unit_price DECIMAL(18, 6), amount DECIMAL(14, 2),
    vat_rate DECIMAL(5, 4), "group" VARCHAR, provenance VARCHAR, is_true_up BOOLEAN
)
"""
INVOICE_LINES = [
    (INV_ROSSI, 1, POD_CURVE, "energy", "F1", None, "100", "0.6", "60.00", "0.1", "energy"),
    (INV_ROSSI, 2, PDR, "energy", "ALL", None, "50", "0.8", "40.00", "0.1", "energy"),
    (INV_ROSSI_DRAFT, 1, POD_CURVE, "energy", "F1", None, "100", "0.8", "80.00", "0.1", "energy"),
    (INV_VERDI, 1, POD_NO_CURVE, "energy", "ALL", None, "50", "0.8", "40.00", "0.1", "energy"),
    (
        INV_BIANCHI,
        1,
        POD_JANUARY,
        "energy",
        "F1",
        None,
        "1",
        "12345.67",
        "12345.67",
        "0.22",
        "energy",
    ),
]
MARKET_PRICES_DDL = """
CREATE TABLE rpt_market_prices (
    index_name VARCHAR, price_date DATE, hour SMALLINT, hour_start_utc TIMESTAMPTZ, band VARCHAR,
    price_eur_mwh DECIMAL(18, 6)
)
"""
MARKET_PRICES = [
    ("PUN", date(2025, 3, 3), 10, "2025-03-03 09:00:00+00", "F1", Decimal("120")),
    ("PUN", date(2025, 3, 3), 22, "2025-03-03 21:00:00+00", "F3", Decimal("80")),
    ("PSV", date(2025, 3, 3), None, None, None, Decimal("40.5")),
]


def write_portal_tables(snapshot_folder: Path) -> None:
    """Add the portal's tables to a snapshot folder written by dashboard_fixtures."""
    tables = {
        "rpt_customers": (CUSTOMERS_DDL, CUSTOMERS),
        "rpt_forward_curves": (FORWARD_CURVES_DDL, FORWARD_CURVES),
        "rpt_monthly_consumption": (MONTHLY_CONSUMPTION_DDL, MONTHLY_CONSUMPTION),
        "rpt_market_prices": (MARKET_PRICES_DDL, MARKET_PRICES),
    }
    with duckdb.connect() as con:
        for table, (ddl, rows) in tables.items():
            con.execute(ddl)
            con.executemany(f"INSERT INTO {table} VALUES ({', '.join(['?'] * len(rows[0]))})", rows)
        con.execute(INVOICES_DDL)
        for invoice_id, company, account, customer, start, taxable, vat, status, number in INVOICES:
            end = date(start.year + start.month // 12, start.month % 12 + 1, 1)
            con.execute(
                "INSERT INTO invoices VALUES (?, ?, ?, ?, 'TD01', 'regular', ?, ? - INTERVAL 1 DAY,"
                " ?, ?, CAST(? AS DECIMAL(14, 2)) + CAST(? AS DECIMAL(14, 2)), ?, NULL, ?, 'FE',"
                " ?, ? + INTERVAL 30 DAY, NULL, NULL, now())",
                [
                    invoice_id,
                    company,
                    account,
                    customer,
                    start,
                    end,
                    taxable,
                    vat,
                    taxable,
                    vat,
                    status,
                    number,
                    end if number else None,
                    end,
                ],
            )
        con.execute(INVOICE_LINES_DDL)
        con.executemany(
            "INSERT INTO invoice_lines VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'actual', false)",
            INVOICE_LINES,
        )
        for table in (*tables, "invoices", "invoice_lines"):
            path = str(snapshot_folder / f"{table}.parquet").replace("'", "''")
            con.execute(f"COPY {table} TO '{path}' (FORMAT parquet)")


def write_invoice_pdfs(out_dir: Path) -> dict[str, bytes]:
    """A small PDF per invoice where the exports write them (exports.delivery.OutputPaths)."""
    written = {}
    for invoice_id, company, _account, _customer, start, *_rest in INVOICES:
        end = date(start.year + start.month // 12, start.month % 12 + 1, 1) - timedelta(days=1)
        document = SimpleNamespace(company_id=company, period_start=start, period_end=end)
        folder = OutputPaths(out_dir).pdfs(document)
        folder.mkdir(parents=True, exist_ok=True)
        content = b"%PDF-1.4\n% invoice " + invoice_id.encode() + b"\n%%EOF\n"
        (folder / f"{invoice_id}.pdf").write_bytes(content)
        written[invoice_id] = content
    return written


# (username, role, grants, via group)
USERS = {
    "admin": (roles.ADMINISTRATOR, (Grant(ALL),), None),
    "billing": (roles.BILLING_OPERATOR, (Grant(ALL),), None),
    "crm": (roles.CRM_OPERATOR, (Grant(COMPANY, "C01"),), None),
    "supervisor": (roles.SUPERVISOR, (Grant(COMPANY, "C01"), Grant(COMPANY, "C02")), None),
    "analyst": (roles.ANALYST, (Grant(ALL),), "analysts"),
    "manager": (roles.MANAGER, (Grant(COST_CENTRE, "C01", "K01"),), None),
    "regional": (roles.MANAGER, (Grant(REGION, "C01", "R01"),), None),
    "customer": (roles.CUSTOMER, (Grant(CUSTOMER, "C01", "CU001"),), None),
    "other": (roles.CUSTOMER, (Grant(CUSTOMER, "C02", "CU101"),), None),
    "nobody": (None, (), None),
}


# the pages each role opens (FEATURES OM5-OM12, RE3, SY3): the specification, written out
ROLE_PAGES = {
    "admin": {
        "/",
        "/supply-points",
        "/load-curve",
        "/invoices",
        "/consumption",
        "/curves",
        "/prices",
        "/forecasts",
        "/portfolio",
        "/users",
    },
    "billing": {"/", "/supply-points", "/load-curve", "/invoices", "/consumption", "/prices"},
    "crm": {
        "/",
        "/supply-points",
        "/load-curve",
        "/invoices",
        "/consumption",
        "/curves",
        "/forecasts",
    },
    "supervisor": {"/", "/supply-points", "/invoices", "/consumption", "/portfolio", "/prices"},
    "analyst": {"/", "/load-curve", "/consumption", "/curves", "/prices", "/portfolio"},
    "manager": {"/invoices", "/consumption", "/curves", "/prices"},
    "regional": {"/invoices", "/consumption", "/curves", "/prices"},
    "customer": {"/invoices", "/consumption", "/curves", "/prices", "/forecasts"},
    "nobody": set(),
}


def build_store(path: Path) -> dict[str, int]:
    """A migrated store at `path` with the users above; username -> user id."""
    url = f"sqlite:///{path}"
    migrate_store(url)
    engine = create_store_engine(url)
    directory = Directory(engine)
    ids = {}
    groups: dict[str, int] = {}
    try:
        for username, (role, grants, group) in USERS.items():
            user_id = directory.create_user(username, PASSWORD, username.title(), "it")
            ids[username] = user_id
            if group:
                if group not in groups:
                    groups[group] = directory.create_group(group)
                    directory.assign_role(role, group_id=groups[group])
                    for grant in grants:
                        directory.grant_scope(grant, group_id=groups[group])
                directory.add_member(groups[group], user_id)
            elif role:
                directory.assign_role(role, user_id=user_id)
                for grant in grants:
                    directory.grant_scope(grant, user_id=user_id)
    finally:
        engine.dispose()
    return ids


def copy_store(template: Path, data_home: Path) -> Path:
    target = data_home / "operational.sqlite"
    shutil.copyfile(template, target)
    return target


@contextmanager
def signed_in(app, principal: Principal | None) -> Iterator[None]:
    """Run page code as the server does for a request of `principal`."""
    with app.server.test_request_context():
        flask.g.principal = principal
        flask.g.csrf_token = "test"
        yield
