"""The billing tables rating writes (docs/contracts.md §3) and the quality holds it reads."""

from __future__ import annotations

import duckdb

# Column order is the contract's; the workflow columns (number, series, issue and due dates,
# holds) are filled by invoicing/, never by rating. `billed_from`/`billed_to` on a line are
# the days it bills (a true-up restates a span), `reason` on a document says why a credit
# note was raised: both beyond the contract's list, at the end of their tables.
BILLING_TABLES: dict[str, tuple[tuple[str, str], ...]] = {
    "invoices": (
        ("invoice_id", "VARCHAR NOT NULL"),
        ("company_id", "VARCHAR NOT NULL"),
        ("billing_account_id", "VARCHAR NOT NULL"),
        ("customer_id", "VARCHAR"),
        ("document_type", "VARCHAR"),
        ("kind", "VARCHAR"),
        ("period_start", "DATE NOT NULL"),
        ("period_end", "DATE NOT NULL"),
        ("taxable", "DECIMAL(14, 2) NOT NULL"),
        ("vat_total", "DECIMAL(14, 2) NOT NULL"),
        ("total", "DECIMAL(14, 2) NOT NULL"),
        ("status", "VARCHAR NOT NULL"),
        ("hold_reason", "VARCHAR"),
        ("number", "INTEGER"),
        ("series", "VARCHAR"),
        ("issue_date", "DATE"),
        ("due_date", "DATE"),
        ("related_invoice_id", "VARCHAR"),
        ("correction_case_id", "VARCHAR"),
        ("created_at", "TIMESTAMP WITH TIME ZONE NOT NULL"),
        ("reason", "VARCHAR"),
    ),
    "invoice_lines": (
        ("invoice_id", "VARCHAR NOT NULL"),
        ("line_no", "INTEGER NOT NULL"),
        ("supply_point_id", "VARCHAR NOT NULL"),
        ("component", "VARCHAR NOT NULL"),
        ("band", "VARCHAR"),
        ("tier", "INTEGER"),
        ("quantity", "DECIMAL(24, 12) NOT NULL"),
        ("unit_price", "DECIMAL(18, 6) NOT NULL"),
        ("amount", "DECIMAL(14, 2) NOT NULL"),
        ("vat_rate", "DECIMAL(5, 4) NOT NULL"),
        ("group", "VARCHAR"),
        ("provenance", "VARCHAR"),
        ("is_true_up", "BOOLEAN"),
        ("billed_from", "DATE"),
        ("billed_to", "DATE"),
    ),
    "invoice_vat": (
        ("invoice_id", "VARCHAR NOT NULL"),
        ("vat_rate", "DECIMAL(5, 4) NOT NULL"),
        ("taxable", "DECIMAL(14, 2) NOT NULL"),
        ("vat", "DECIMAL(14, 2) NOT NULL"),
    ),
    "skipped_supply_points": (
        ("billing_month", "DATE NOT NULL"),
        ("supply_point_id", "VARCHAR NOT NULL"),
        ("reason", "VARCHAR NOT NULL"),
        ("run_id", "VARCHAR"),
    ),
}

# the types a table made by an earlier release may hold narrower than the contract's
WIDENED = {("invoice_lines", "quantity"): "DECIMAL(24,12)"}

# as quality/ declares it (quality.store.HOLDS_DDL), for a warehouse without quality/
SUPPLY_POINT_HOLDS = """
CREATE SCHEMA IF NOT EXISTS quality;
CREATE TABLE IF NOT EXISTS quality.supply_point_holds (
    supply_point_id VARCHAR NOT NULL,
    company_id VARCHAR,
    billing_month DATE NOT NULL,
    check_name VARCHAR NOT NULL,
    reason VARCHAR NOT NULL,
    detected_at TIMESTAMP WITH TIME ZONE NOT NULL,
    run_id VARCHAR NOT NULL
)
"""


def create_billing_tables(connection: duckdb.DuckDBPyConnection) -> None:
    """The billing schema, created or brought up to the contract's columns and types."""
    connection.execute("CREATE SCHEMA IF NOT EXISTS billing")
    for table, columns in BILLING_TABLES.items():
        definition = ", ".join(f'"{name}" {kind}' for name, kind in columns)
        connection.execute(f"CREATE TABLE IF NOT EXISTS billing.{table} ({definition})")
        present = dict(
            connection.execute(
                "SELECT column_name, data_type FROM information_schema.columns"
                " WHERE table_schema = 'billing' AND table_name = ?",
                [table],
            ).fetchall()
        )
        for name, kind in columns:
            if name not in present:
                # rows written before the column existed cannot satisfy NOT NULL
                nullable = kind.removesuffix(" NOT NULL")
                connection.execute(f'ALTER TABLE billing.{table} ADD COLUMN "{name}" {nullable}')
            elif WIDENED.get((table, name), present[name]) != present[name]:
                connection.execute(
                    f'ALTER TABLE billing.{table} ALTER COLUMN "{name}"'
                    f" SET DATA TYPE {WIDENED[(table, name)]}"
                )


def create_hold_table(connection: duckdb.DuckDBPyConnection) -> None:
    """quality.supply_point_holds, made by quality/ (which owns it) where it is installed."""
    try:
        # imported here: quality/ is heavier than rating, and optional to it
        from quality.store import ensure_holds_table
    except ImportError:
        connection.execute(SUPPLY_POINT_HOLDS)
    else:
        ensure_holds_table(connection)
