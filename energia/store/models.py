"""Tables of the operational store; Alembic migrations in migrations/ create and change them."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import (
    BigInteger,
    Date,
    DateTime,
    ForeignKey,
    Integer,
    MetaData,
    Numeric,
    String,
    Text,
    TypeDecorator,
    UniqueConstraint,
)
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

# Stable constraint names, so that migrations can refer to them on every database.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class ExactDecimal(TypeDecorator):
    """A Decimal stored exactly: NUMERIC where the database has it, text on SQLite, which
    would otherwise keep a float."""

    impl = Numeric
    cache_ok = True

    def __init__(self, precision: int, scale: int) -> None:
        super().__init__()
        self.precision = precision
        self.scale = scale

    def load_dialect_impl(self, dialect: Dialect):
        if dialect.name == "sqlite":
            return dialect.type_descriptor(String(self.precision + 2))
        return dialect.type_descriptor(Numeric(self.precision, self.scale, asdecimal=True))

    def process_bind_param(self, value: Decimal | None, dialect: Dialect):
        if value is None:
            return None
        exact = Decimal(value).quantize(Decimal(1).scaleb(-self.scale))
        if exact != Decimal(value):
            raise ValueError(f"{value} has more than {self.scale} decimals")
        return str(exact) if dialect.name == "sqlite" else exact

    def process_result_value(self, value, dialect: Dialect) -> Decimal | None:
        return None if value is None else Decimal(str(value))


def Money() -> ExactDecimal:  # noqa: N802 - reads as a column type
    return ExactDecimal(14, 2)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class Case(Base):
    """A customer request (complaint, billing correction, ...) as the CRM records it."""

    __tablename__ = "cases"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    company_id: Mapped[str] = mapped_column(String(32))
    customer_id: Mapped[str] = mapped_column(String(64), index=True)
    type: Mapped[str] = mapped_column(String(32))
    text: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class NumberingCounter(Base):
    """The last number given per company, series and year: the one row issuing locks."""

    __tablename__ = "numbering_counters"

    company_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    series: Mapped[str] = mapped_column(String(16), primary_key=True)
    year: Mapped[int] = mapped_column(Integer, primary_key=True)
    last_number: Mapped[int] = mapped_column(BigInteger)


class NumberReservation(Base):
    """A number bound to one invoice before the warehouse is written; `written_at` is set once
    the warehouse holds it, so an interrupted issue run is completed, never renumbered."""

    __tablename__ = "number_reservations"
    __table_args__ = (UniqueConstraint("invoice_id"),)

    company_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    series: Mapped[str] = mapped_column(String(16), primary_key=True)
    year: Mapped[int] = mapped_column(Integer, primary_key=True)
    number: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    invoice_id: Mapped[str] = mapped_column(String(64))
    issue_date: Mapped[date] = mapped_column(Date)
    due_date: Mapped[date | None] = mapped_column(Date)
    reserved_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    written_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # sha256 of the issued invoice and its lines, to prove later that it never changed
    fingerprint: Mapped[str | None] = mapped_column(String(64))


class InvoiceEvent(Base):
    """Every change of an invoice's state, who asked for it and why."""

    __tablename__ = "invoice_events"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    invoice_id: Mapped[str] = mapped_column(String(64), index=True)
    from_status: Mapped[str | None] = mapped_column(String(16))
    to_status: Mapped[str] = mapped_column(String(16))
    reason: Mapped[str | None] = mapped_column(Text)
    actor: Mapped[str] = mapped_column(String(64))
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class InstalmentPlan(Base):
    """An issued invoice's amount split into instalments, with or without interest."""

    __tablename__ = "instalment_plans"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    invoice_id: Mapped[str] = mapped_column(String(64), index=True)
    company_id: Mapped[str] = mapped_column(String(32))
    principal: Mapped[Decimal] = mapped_column(Money())
    annual_rate: Mapped[Decimal] = mapped_column(ExactDecimal(9, 6))
    case_id: Mapped[int | None] = mapped_column(ForeignKey("cases.id"))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    instalments: Mapped[list[Instalment]] = relationship(
        back_populates="plan", order_by="Instalment.sequence", cascade="all, delete-orphan"
    )


class Instalment(Base):
    __tablename__ = "instalments"

    plan_id: Mapped[int] = mapped_column(ForeignKey("instalment_plans.id"), primary_key=True)
    sequence: Mapped[int] = mapped_column(Integer, primary_key=True)
    due_date: Mapped[date] = mapped_column(Date)
    principal: Mapped[Decimal] = mapped_column(Money())
    interest: Mapped[Decimal] = mapped_column(Money())
    amount: Mapped[Decimal] = mapped_column(Money())
    plan: Mapped[InstalmentPlan] = relationship(back_populates="instalments")
