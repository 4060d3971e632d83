"""Tables of sign-in and permissions (users, groups, roles, grants, sessions) and portal uploads."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Date,
    DateTime,
    ForeignKey,
    Integer,
    String,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from energia.store.models import Base, ExactDecimal

# a permission belongs to a user or to a group, never to both or neither
ONE_PRINCIPAL = "(user_id IS NULL) <> (group_id IS NULL)"


class Granted:
    """The columns of a permission: its id and whom it is granted to, a user or a group."""

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    user_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), index=True
    )
    group_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_groups.id", ondelete="CASCADE"), index=True
    )


class User(Base):
    """Someone who signs in: staff or a customer's contact. The password is an argon2 hash."""

    __tablename__ = "users"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    display_name: Mapped[str] = mapped_column(String(128))
    password_hash: Mapped[str] = mapped_column(String(255))
    language: Mapped[str] = mapped_column(String(2))
    is_active: Mapped[bool] = mapped_column(Boolean)
    # consecutive failed sign-ins; past a limit the account waits until `locked_until`
    failed_logins: Mapped[int] = mapped_column(Integer)
    locked_until: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    last_login_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class UserGroup(Base):
    """A named set of users that roles, pages and data scope can be granted to at once."""

    __tablename__ = "user_groups"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    name: Mapped[str] = mapped_column(String(64), unique=True)
    description: Mapped[str | None] = mapped_column(String(255))


class GroupMember(Base):
    __tablename__ = "group_members"

    group_id: Mapped[int] = mapped_column(
        ForeignKey("user_groups.id", ondelete="CASCADE"), primary_key=True
    )
    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )


class RoleAssignment(Granted, Base):
    """A role (a named set of pages) held by a user or by every member of a group."""

    __tablename__ = "role_assignments"
    __table_args__ = (CheckConstraint(ONE_PRINCIPAL, name="one_principal"),)

    role: Mapped[str] = mapped_column(String(32))


class PageGrant(Granted, Base):
    """One page granted beyond what the roles give."""

    __tablename__ = "page_grants"
    __table_args__ = (CheckConstraint(ONE_PRINCIPAL, name="one_principal"),)

    page: Mapped[str] = mapped_column(String(32))


class ScopeGrant(Granted, Base):
    """Data a user or group may see: everything, a company, or a customer node and its subtree
    (a customer, a group, a region, a cost centre)."""

    __tablename__ = "scope_grants"
    __table_args__ = (
        CheckConstraint(ONE_PRINCIPAL, name="one_principal"),
        CheckConstraint(
            "kind IN ('all', 'company', 'customer', 'cost_centre', 'region')", name="kind"
        ),
    )

    kind: Mapped[str] = mapped_column(String(16))
    company_id: Mapped[str | None] = mapped_column(String(32))
    # the customer node's id for customer, cost_centre and region grants
    node_id: Mapped[str | None] = mapped_column(String(64))


class WebSession(Base):
    """A signed-in browser. Only the token's sha256 is kept, so a copy of the store signs no one
    in; the CSRF token guards every state-changing request of the session."""

    __tablename__ = "web_sessions"

    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    csrf_token: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class ForecastUpload(Base):
    """One accepted file of forecast consumption commitments (OM12); rejected files leave none."""

    __tablename__ = "forecast_uploads"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    file_name: Mapped[str] = mapped_column(String(255))
    row_count: Mapped[int] = mapped_column(Integer)
    uploaded_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    # set once the rows went to the landing folder's consumption_forecasts source
    exported_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class ConsumptionForecast(Base):
    """A declared quantity per supply point, month and band: kWh (electricity) or Smc (gas).
    The latest upload for a supply point, month and band is the one in force."""

    __tablename__ = "consumption_forecasts"
    __table_args__ = (UniqueConstraint("upload_id", "supply_point_id", "month", "band"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    upload_id: Mapped[int] = mapped_column(
        ForeignKey("forecast_uploads.id", ondelete="CASCADE"), index=True
    )
    company_id: Mapped[str] = mapped_column(String(32))
    supply_point_id: Mapped[str] = mapped_column(String(32), index=True)
    commodity: Mapped[str] = mapped_column(String(3))
    month: Mapped[date] = mapped_column(Date)
    band: Mapped[str] = mapped_column(String(3))
    quantity: Mapped[Decimal] = mapped_column(ExactDecimal(18, 6))
    unit: Mapped[str] = mapped_column(String(8))
    source_row: Mapped[int] = mapped_column(Integer)
