"""Invoicing: cases, numbering counters and reservations, invoice events, instalment plans.

Revision ID: 0001_invoicing
Revises:
Create Date: 2026-11-28
"""

import sqlalchemy as sa
from alembic import op

revision = "0001_invoicing"
down_revision = None
branch_labels = None
depends_on = None


def exact(precision: int, scale: int) -> sa.types.TypeEngine:
    # energia.store.models.ExactDecimal: NUMERIC, or text on SQLite which has no exact decimal
    return sa.Numeric(precision, scale).with_variant(sa.String(precision + 2), "sqlite")


def upgrade() -> None:
    op.create_table(
        "cases",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("company_id", sa.String(32), nullable=False),
        sa.Column("customer_id", sa.String(64), nullable=False),
        sa.Column("type", sa.String(32), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_cases")),
    )
    op.create_index(op.f("ix_cases_customer_id"), "cases", ["customer_id"])
    op.create_table(
        "numbering_counters",
        sa.Column("company_id", sa.String(32), nullable=False),
        sa.Column("series", sa.String(16), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("last_number", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("company_id", "series", "year", name=op.f("pk_numbering_counters")),
    )
    op.create_table(
        "number_reservations",
        sa.Column("company_id", sa.String(32), nullable=False),
        sa.Column("series", sa.String(16), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("number", sa.BigInteger(), nullable=False),
        sa.Column("invoice_id", sa.String(64), nullable=False),
        sa.Column("issue_date", sa.Date(), nullable=False),
        sa.Column("due_date", sa.Date(), nullable=True),
        sa.Column("reserved_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("written_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("fingerprint", sa.String(64), nullable=True),
        sa.PrimaryKeyConstraint(
            "company_id", "series", "year", "number", name=op.f("pk_number_reservations")
        ),
        sa.UniqueConstraint("invoice_id", name=op.f("uq_number_reservations_invoice_id")),
    )
    op.create_table(
        "invoice_events",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("invoice_id", sa.String(64), nullable=False),
        sa.Column("from_status", sa.String(16), nullable=True),
        sa.Column("to_status", sa.String(16), nullable=False),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("actor", sa.String(64), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_invoice_events")),
    )
    op.create_index(op.f("ix_invoice_events_invoice_id"), "invoice_events", ["invoice_id"])
    op.create_table(
        "instalment_plans",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("invoice_id", sa.String(64), nullable=False),
        sa.Column("company_id", sa.String(32), nullable=False),
        sa.Column("principal", exact(14, 2), nullable=False),
        sa.Column("annual_rate", exact(9, 6), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["case_id"], ["cases.id"], name=op.f("fk_instalment_plans_case_id_cases")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_instalment_plans")),
    )
    op.create_index(op.f("ix_instalment_plans_invoice_id"), "instalment_plans", ["invoice_id"])
    op.create_table(
        "instalments",
        sa.Column("plan_id", sa.Integer(), nullable=False),
        sa.Column("sequence", sa.Integer(), nullable=False),
        sa.Column("due_date", sa.Date(), nullable=False),
        sa.Column("principal", exact(14, 2), nullable=False),
        sa.Column("interest", exact(14, 2), nullable=False),
        sa.Column("amount", exact(14, 2), nullable=False),
        sa.ForeignKeyConstraint(
            ["plan_id"],
            ["instalment_plans.id"],
            name=op.f("fk_instalments_plan_id_instalment_plans"),
        ),
        sa.PrimaryKeyConstraint("plan_id", "sequence", name=op.f("pk_instalments")),
    )


def downgrade() -> None:
    op.drop_table("instalments")
    op.drop_index(op.f("ix_instalment_plans_invoice_id"), table_name="instalment_plans")
    op.drop_table("instalment_plans")
    op.drop_index(op.f("ix_invoice_events_invoice_id"), table_name="invoice_events")
    op.drop_table("invoice_events")
    op.drop_table("number_reservations")
    op.drop_table("numbering_counters")
    op.drop_index(op.f("ix_cases_customer_id"), table_name="cases")
    op.drop_table("cases")
