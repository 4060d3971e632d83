"""Access: users, groups, roles, page and scope grants, web sessions; portal forecast uploads.

Revision ID: 0002_access
Revises: 0001_invoicing
Create Date: 2026-11-28
"""

import sqlalchemy as sa
from alembic import op

revision = "0002_access"
down_revision = "0001_invoicing"
branch_labels = None
depends_on = None

ONE_PRINCIPAL = "(user_id IS NULL) <> (group_id IS NULL)"


def exact(precision: int, scale: int) -> sa.types.TypeEngine:
    # energia.store.models.ExactDecimal: NUMERIC, or text on SQLite which has no exact decimal
    return sa.Numeric(precision, scale).with_variant(sa.String(precision + 2), "sqlite")


def principal_columns(table: str) -> list:
    """user_id or group_id, exactly one of them, each indexed."""
    return [
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("group_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f(f"fk_{table}_user_id_users"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["group_id"],
            ["user_groups.id"],
            name=op.f(f"fk_{table}_group_id_user_groups"),
            ondelete="CASCADE",
        ),
        sa.CheckConstraint(ONE_PRINCIPAL, name=op.f(f"ck_{table}_one_principal")),
    ]


def upgrade() -> None:
    op.create_table(
        "users",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("username", sa.String(64), nullable=False),
        sa.Column("display_name", sa.String(128), nullable=False),
        sa.Column("password_hash", sa.String(255), nullable=False),
        sa.Column("language", sa.String(2), nullable=False),
        sa.Column("is_active", sa.Boolean(), nullable=False),
        sa.Column("failed_logins", sa.Integer(), nullable=False),
        sa.Column("locked_until", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_login_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_users")),
        sa.UniqueConstraint("username", name=op.f("uq_users_username")),
    )
    op.create_table(
        "user_groups",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("name", sa.String(64), nullable=False),
        sa.Column("description", sa.String(255), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_user_groups")),
        sa.UniqueConstraint("name", name=op.f("uq_user_groups_name")),
    )
    op.create_table(
        "group_members",
        sa.Column("group_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["group_id"],
            ["user_groups.id"],
            name=op.f("fk_group_members_group_id_user_groups"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_group_members_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("group_id", "user_id", name=op.f("pk_group_members")),
    )
    op.create_table(
        "role_assignments",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        *principal_columns("role_assignments"),
        sa.Column("role", sa.String(32), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_role_assignments")),
    )
    op.create_table(
        "page_grants",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        *principal_columns("page_grants"),
        sa.Column("page", sa.String(32), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_page_grants")),
    )
    op.create_table(
        "scope_grants",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        *principal_columns("scope_grants"),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("company_id", sa.String(32), nullable=True),
        sa.Column("node_id", sa.String(64), nullable=True),
        sa.CheckConstraint(
            "kind IN ('all', 'company', 'customer', 'cost_centre', 'region')",
            name=op.f("ck_scope_grants_kind"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_scope_grants")),
    )
    for table in ("role_assignments", "page_grants", "scope_grants"):
        op.create_index(op.f(f"ix_{table}_user_id"), table, ["user_id"])
        op.create_index(op.f(f"ix_{table}_group_id"), table, ["group_id"])
    op.create_table(
        "web_sessions",
        sa.Column("token_hash", sa.String(64), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("csrf_token", sa.String(64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_web_sessions_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("token_hash", name=op.f("pk_web_sessions")),
    )
    op.create_index(op.f("ix_web_sessions_user_id"), "web_sessions", ["user_id"])
    op.create_table(
        "forecast_uploads",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("file_name", sa.String(255), nullable=False),
        sa.Column("row_count", sa.Integer(), nullable=False),
        sa.Column("uploaded_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("exported_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_forecast_uploads_user_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_forecast_uploads")),
    )
    op.create_index(op.f("ix_forecast_uploads_user_id"), "forecast_uploads", ["user_id"])
    op.create_table(
        "consumption_forecasts",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("upload_id", sa.Integer(), nullable=False),
        sa.Column("company_id", sa.String(32), nullable=False),
        sa.Column("supply_point_id", sa.String(32), nullable=False),
        sa.Column("commodity", sa.String(3), nullable=False),
        sa.Column("month", sa.Date(), nullable=False),
        sa.Column("band", sa.String(3), nullable=False),
        sa.Column("quantity", exact(18, 6), nullable=False),
        sa.Column("unit", sa.String(8), nullable=False),
        sa.Column("source_row", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["upload_id"],
            ["forecast_uploads.id"],
            name=op.f("fk_consumption_forecasts_upload_id_forecast_uploads"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_consumption_forecasts")),
        sa.UniqueConstraint(
            "upload_id",
            "supply_point_id",
            "month",
            "band",
            name=op.f("uq_consumption_forecasts_upload_id"),
        ),
    )
    op.create_index(
        op.f("ix_consumption_forecasts_upload_id"), "consumption_forecasts", ["upload_id"]
    )
    op.create_index(
        op.f("ix_consumption_forecasts_supply_point_id"),
        "consumption_forecasts",
        ["supply_point_id"],
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_consumption_forecasts_supply_point_id"), "consumption_forecasts")
    op.drop_index(op.f("ix_consumption_forecasts_upload_id"), "consumption_forecasts")
    op.drop_table("consumption_forecasts")
    op.drop_index(op.f("ix_forecast_uploads_user_id"), "forecast_uploads")
    op.drop_table("forecast_uploads")
    op.drop_index(op.f("ix_web_sessions_user_id"), "web_sessions")
    op.drop_table("web_sessions")
    for table in ("scope_grants", "page_grants", "role_assignments"):
        op.drop_index(op.f(f"ix_{table}_group_id"), table)
        op.drop_index(op.f(f"ix_{table}_user_id"), table)
        op.drop_table(table)
    op.drop_table("group_members")
    op.drop_table("user_groups")
    op.drop_table("users")
