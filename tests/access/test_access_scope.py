"""Scope resolution: grants over the customer hierarchy, company narrowing, failing closed."""

from __future__ import annotations

import pytest

from access.scope import (
    ALL,
    COMPANY,
    COST_CENTRE,
    CUSTOMER,
    REGION,
    CustomerNode,
    Grant,
    Scope,
    resolve_scope,
    selectable_companies,
)

# C01: group G1 > region R1 > cost centre K1 > customers A, B; region R2 > customer C
# C02: customer Z, whose parent id (wrongly) names C01's group: it must not be reached from there
NODES = [
    CustomerNode("G1", "C01", None, "group"),
    CustomerNode("R1", "C01", "G1", "region"),
    CustomerNode("K1", "C01", "R1", "cost_centre"),
    CustomerNode("A", "C01", "K1", "company"),
    CustomerNode("B", "C01", "K1", "person"),
    CustomerNode("R2", "C01", "G1", "region"),
    CustomerNode("C", "C01", "R2", "company"),
    CustomerNode("Z", "C02", "G1", "company"),
    # a cycle in the registry must not hang resolution
    CustomerNode("X1", "C02", "X2", "group"),
    CustomerNode("X2", "C02", "X1", "group"),
]


def test_everything_and_companies() -> None:
    assert resolve_scope([Grant(ALL)], NODES).everything
    scope = resolve_scope([Grant(COMPANY, "C02")], NODES)
    assert scope.companies == {"C02"} and not scope.customers
    assert scope.allows("C02", "anyone") and not scope.allows("C01", "A")


def test_a_node_grant_reaches_its_subtree_within_its_company() -> None:
    assert resolve_scope([Grant(REGION, "C01", "R1")], NODES).customers == {"R1", "K1", "A", "B"}
    assert resolve_scope([Grant(COST_CENTRE, "C01", "K1")], NODES).customers == {"K1", "A", "B"}
    group = resolve_scope([Grant(CUSTOMER, "C01", "G1")], NODES).customers
    assert "Z" not in group and {"A", "B", "C"} <= group
    assert resolve_scope([Grant(CUSTOMER, "C01", "A")], NODES).customers == {"A"}
    assert resolve_scope([Grant(CUSTOMER, "C02", "X1")], NODES).customers == {"X1", "X2"}


@pytest.mark.parametrize(
    "grant",
    [
        Grant(CUSTOMER, "C02", "A"),  # the node belongs to another company
        Grant(COST_CENTRE, "C01", "R1"),  # the node is a region, not a cost centre
        Grant(REGION, "C01", "K1"),
        Grant(CUSTOMER, "C01", "NOPE"),  # not (yet) in the published hierarchy
    ],
)
def test_grants_that_do_not_fit_reach_nothing(grant: Grant) -> None:
    assert resolve_scope([grant], NODES).is_empty


def test_narrowing_to_a_company() -> None:
    scope = resolve_scope([Grant(COMPANY, "C02"), Grant(CUSTOMER, "C01", "A")], NODES)
    assert scope.allows("C01", "A") and scope.allows("C02", "Z")
    only_c01 = scope.narrowed_to("C01")
    assert only_c01.allows("C01", "A") and not only_c01.allows("C02", "Z")
    assert not only_c01.allows("C01", "B")
    assert scope.narrowed_to(None) == scope
    assert not Scope().allows("C01", "A") and Scope().is_empty


def test_selectable_companies_follow_the_grants() -> None:
    grants = [Grant(CUSTOMER, "C01", "A")]
    scope = resolve_scope(grants, NODES)
    assert selectable_companies(grants, scope, ["C02", "C01"]) == ["C01"]
    assert selectable_companies([Grant(ALL)], Scope(everything=True), ["C02", "C01"]) == [
        "C01",
        "C02",
    ]


@pytest.mark.parametrize(
    ("kind", "company", "node", "message"),
    [
        ("planet", None, None, "grant kind"),
        (COMPANY, None, None, "company_id"),
        (CUSTOMER, "C01", None, "node_id"),
    ],
)
def test_malformed_grants_are_refused(kind, company, node, message) -> None:
    with pytest.raises(ValueError, match=message):
        Grant(kind, company, node)
