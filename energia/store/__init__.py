"""The operational store: what people type (cases, approvals, invoice numbering), via SQLAlchemy."""

from energia.store.engine import create_store_engine, migrate_store, store_sessions
from energia.store.models import (
    Base,
    Case,
    Instalment,
    InstalmentPlan,
    InvoiceEvent,
    NumberingCounter,
    NumberReservation,
)

__all__ = [
    "Base",
    "Case",
    "Instalment",
    "InstalmentPlan",
    "InvoiceEvent",
    "NumberReservation",
    "NumberingCounter",
    "create_store_engine",
    "migrate_store",
    "store_sessions",
]
