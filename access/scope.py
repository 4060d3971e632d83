"""Data scope: the companies and customers a user's grants reach, resolved over the hierarchy."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

ALL = "all"
COMPANY = "company"
CUSTOMER = "customer"
COST_CENTRE = "cost_centre"
REGION = "region"
GRANT_KINDS = (ALL, COMPANY, CUSTOMER, COST_CENTRE, REGION)
# node grants: the node and everything under it; the node must be of the grant's kind
NODE_KINDS = {COST_CENTRE: "cost_centre", REGION: "region"}


@dataclass(frozen=True, order=True)
class Grant:
    kind: str
    company_id: str | None = None
    node_id: str | None = None

    def __post_init__(self) -> None:
        if self.kind not in GRANT_KINDS:
            raise ValueError(f"grant kind: one of {', '.join(GRANT_KINDS)}, not {self.kind!r}")
        if self.kind != ALL and not self.company_id:
            raise ValueError(f"grant company_id: required for a {self.kind} grant")
        if self.kind in (CUSTOMER, *NODE_KINDS) and not self.node_id:
            raise ValueError(f"grant node_id: required for a {self.kind} grant")


@dataclass(frozen=True)
class CustomerNode:
    """A customer or a node above customers (group, region, cost centre)."""

    customer_id: str
    company_id: str
    parent_customer_id: str | None = None
    kind: str | None = None


@dataclass(frozen=True)
class Scope:
    """What a query may return: rows of `companies` whole, plus rows of `customers`, all of it
    narrowed to `company` when one is chosen. The empty scope sees nothing."""

    everything: bool = False
    companies: frozenset[str] = field(default_factory=frozenset)
    customers: frozenset[str] = field(default_factory=frozenset)
    company: str | None = None

    @property
    def is_empty(self) -> bool:
        return not (self.everything or self.companies or self.customers)

    def allows(self, company_id: str | None, customer_id: str | None) -> bool:
        if company_id is None or (self.company is not None and company_id != self.company):
            return False
        return self.everything or company_id in self.companies or customer_id in self.customers

    def narrowed_to(self, company_id: str | None) -> Scope:
        """The scope within one company; a company outside the grants leaves nothing."""
        if company_id is None:
            return self
        return Scope(self.everything, self.companies, self.customers, company_id)


def resolve_scope(grants: Iterable[Grant], nodes: Iterable[CustomerNode]) -> Scope:
    """The scope of `grants` over the customer hierarchy `nodes`.

    A customer grant covers the node and its subtree; cost-centre and region grants too, when
    the node is of that kind. A node is only reached within the grant's company, and a grant
    naming a node that does not exist (yet) reaches nothing."""
    grants = list(grants)
    if any(g.kind == ALL for g in grants):
        return Scope(everything=True)
    companies = frozenset(g.company_id for g in grants if g.kind == COMPANY)
    node_grants = [g for g in grants if g.kind in (CUSTOMER, *NODE_KINDS)]
    if not node_grants:
        return Scope(companies=companies)
    by_id: dict[str, CustomerNode] = {}
    children: dict[str, list[str]] = defaultdict(list)
    for node in nodes:
        by_id[node.customer_id] = node
        if node.parent_customer_id:
            children[node.parent_customer_id].append(node.customer_id)
    customers: set[str] = set()
    for grant in node_grants:
        top = by_id.get(grant.node_id)
        if top is None or top.company_id != grant.company_id:
            continue
        if grant.kind in NODE_KINDS and top.kind != NODE_KINDS[grant.kind]:
            continue
        stack, visited = [top.customer_id], set()
        while stack:  # the visited set stops a cycle in the parents
            current = stack.pop()
            if current in visited or by_id[current].company_id != grant.company_id:
                continue
            visited.add(current)
            customers.add(current)
            stack.extend(children.get(current, ()))
    return Scope(companies=companies, customers=frozenset(customers))


def selectable_companies(grants: Iterable[Grant], scope: Scope, known: Iterable[str]) -> list[str]:
    """The companies a user may pick in the selector: those their grants reach, among `known`."""
    known = sorted(set(known))
    if scope.everything:
        return known
    reached = {g.company_id for g in grants if g.kind != ALL}
    return [company for company in known if company in reached]
