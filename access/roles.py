"""Roles and the pages each one opens; a page is named by a key the dashboards register under."""

from __future__ import annotations

# pages (and page-level rights) of the dashboards
SUMMARY = "summary"
SUPPLY_POINTS = "supply_points"
LOAD_CURVE = "load_curve"
INVOICES = "invoices"
CONSUMPTION = "consumption"
CURVES = "curves"
PRICES = "prices"
FORECASTS = "forecasts"
PORTFOLIO = "portfolio"
USERS = "users"
# not a page: invoices before issue (drafts, holds) are back-office matters
UNISSUED_INVOICES = "unissued_invoices"

PAGES = (
    SUMMARY,
    SUPPLY_POINTS,
    LOAD_CURVE,
    INVOICES,
    CONSUMPTION,
    CURVES,
    PRICES,
    FORECASTS,
    PORTFOLIO,
    USERS,
    UNISSUED_INVOICES,
)

ADMINISTRATOR = "administrator"
BILLING_OPERATOR = "billing_operator"
CRM_OPERATOR = "crm_operator"
SUPERVISOR = "back_office_supervisor"
ANALYST = "analyst"
MANAGER = "cost_centre_manager"  # also regional managers: the grant says which node
CUSTOMER = "customer"

ROLE_PAGES: dict[str, frozenset[str]] = {
    ADMINISTRATOR: frozenset(PAGES),
    BILLING_OPERATOR: frozenset(
        {SUMMARY, SUPPLY_POINTS, LOAD_CURVE, INVOICES, UNISSUED_INVOICES, CONSUMPTION, PRICES}
    ),
    CRM_OPERATOR: frozenset(
        {SUMMARY, SUPPLY_POINTS, LOAD_CURVE, INVOICES, CONSUMPTION, CURVES, FORECASTS}
    ),
    SUPERVISOR: frozenset(
        {SUMMARY, SUPPLY_POINTS, INVOICES, UNISSUED_INVOICES, CONSUMPTION, PORTFOLIO, PRICES}
    ),
    ANALYST: frozenset({SUMMARY, LOAD_CURVE, CONSUMPTION, CURVES, PRICES, PORTFOLIO}),
    MANAGER: frozenset({INVOICES, CONSUMPTION, CURVES, PRICES}),
    CUSTOMER: frozenset({INVOICES, CONSUMPTION, CURVES, PRICES, FORECASTS}),
}
ROLES = tuple(ROLE_PAGES)


def pages_of(
    roles: frozenset[str] | set[str], extra_pages: frozenset[str] | set[str]
) -> frozenset[str]:
    """The pages the roles open plus the ones granted one by one; unknown names open nothing."""
    pages = set(extra_pages) & set(PAGES)
    for role in roles:
        pages |= ROLE_PAGES.get(role, frozenset())
    return frozenset(pages)
