"""The operational store: what people type (cases, approvals, invoice numbering), via SQLAlchemy."""

# the access tables register on the same metadata, so migrations and checks see every table
from energia.store.access import (
    ConsumptionForecast,
    ForecastUpload,
    GroupMember,
    PageGrant,
    RoleAssignment,
    ScopeGrant,
    User,
    UserGroup,
    WebSession,
)
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
    "ConsumptionForecast",
    "ForecastUpload",
    "GroupMember",
    "Instalment",
    "InstalmentPlan",
    "InvoiceEvent",
    "NumberReservation",
    "NumberingCounter",
    "PageGrant",
    "RoleAssignment",
    "ScopeGrant",
    "User",
    "UserGroup",
    "WebSession",
    "create_store_engine",
    "migrate_store",
    "store_sessions",
]
