"""Instalment plans: interest-free or French amortisation, principal adding up to the cent."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st
from invoicing_fixtures import Account, Line, add_accounts, insert_invoice, new_warehouse
from sqlalchemy import select

from energia.store import InstalmentPlan
from invoicing.instalments import add_months, create_plan, instalment_plan
from invoicing.issue import issue_invoices

D = Decimal
CENT = D("0.01")


def test_interest_free_instalments_are_equal_but_the_last() -> None:
    plan = instalment_plan(D("100.00"), 3, date(2025, 1, 31))
    assert [(i.due_date, i.amount, i.interest) for i in plan] == [
        (date(2025, 1, 31), D("33.33"), 0),
        (date(2025, 2, 28), D("33.33"), 0),
        (date(2025, 3, 31), D("33.34"), 0),
    ]


def test_french_amortisation_at_an_annual_rate() -> None:
    # 1,000 over 12 months at 12 % a year: 1 % a month, payment 88.85 (the textbook value)
    plan = instalment_plan(D("1000.00"), 12, date(2025, 2, 15), D("0.12"))
    assert [i.amount for i in plan[:11]] == [D("88.85")] * 11
    assert plan[0].interest == D("10.00") and plan[0].principal == D("78.85")
    assert sum(i.principal for i in plan) == D("1000.00")
    assert abs(plan[-1].amount - D("88.85")) <= D("0.05")
    assert [i.interest for i in plan] == sorted((i.interest for i in plan), reverse=True)


@given(
    total=st.decimals(min_value=D("0.01"), max_value=D("1000000"), places=2),
    n=st.integers(min_value=1, max_value=120),
    rate=st.decimals(min_value=D(0), max_value=D("0.30"), places=4),
    first_day=st.dates(min_value=date(2024, 1, 1), max_value=date(2030, 12, 31)),
)
def test_the_principal_parts_always_add_up_to_the_total(total, n, rate, first_day) -> None:
    if total < n * CENT:
        with pytest.raises(ValueError, match="cannot be split"):
            instalment_plan(total, n, first_day, rate)
        return
    plan = instalment_plan(total, n, first_day, rate)
    assert len(plan) == n
    assert sum(i.principal for i in plan) == total
    assert all(i.principal >= CENT and i.interest >= 0 for i in plan)
    assert all(i.amount == i.amount.quantize(CENT) for i in plan)
    if rate == 0:
        assert sum(i.amount for i in plan) == total
        assert max(i.amount for i in plan) - min(i.amount for i in plan) < n * CENT
    elif total >= n:
        # a constant payment, the last one settling what the rounding of the others left: at
        # most a cent per instalment, grown at the monthly rate until the end
        assert len({i.amount for i in plan[:-1]}) <= 1
        monthly = rate / 12
        drift = CENT * ((1 + monthly) ** n - 1) / monthly * (1 + monthly) + CENT
        assert abs(plan[-1].amount - plan[0].amount) <= drift
    assert [i.due_date for i in plan] == [add_months(first_day, k) for k in range(n)]


@pytest.mark.parametrize(
    ("arguments", "error"),
    [
        ((D("10.001"), 2), "more than two decimals"),
        ((D("0"), 2), "must be positive"),
        ((D("10"), 0), "between 1 and 360"),
        ((D("0.05"), 10), "cannot be split into 10"),
    ],
)
def test_bad_plans_are_refused(arguments, error) -> None:
    with pytest.raises(ValueError, match=error):
        instalment_plan(*arguments, date(2025, 1, 1))
    with pytest.raises(ValueError, match="annual_rate"):
        instalment_plan(D(10), 2, date(2025, 1, 1), D("1.5"))


def test_a_plan_for_an_issued_invoice_is_kept_in_the_store(store) -> None:
    warehouse = new_warehouse()
    account = Account("BA01")
    add_accounts(warehouse, [account])
    total = insert_invoice(
        warehouse, "I1", account, date(2025, 3, 1), [Line("POD1", D("1234.5"), D("0.2"))]
    )
    issue_invoices(warehouse, store, ["I1"], issue_date=date(2025, 4, 2))
    plan_id = create_plan(warehouse, store, "I1", 6, date(2025, 5, 1), D("0.05"))
    with store() as session:
        plan = session.scalars(select(InstalmentPlan).where(InstalmentPlan.id == plan_id)).one()
        rows = [(i.sequence, i.principal, i.interest, i.amount) for i in plan.instalments]
    assert plan.principal == total and plan.annual_rate == D("0.05")
    assert [r[0] for r in rows] == [1, 2, 3, 4, 5, 6]
    assert sum(r[1] for r in rows) == total
    assert rows == [
        (i.sequence, i.principal, i.interest, i.amount)
        for i in instalment_plan(total, 6, date(2025, 5, 1), D("0.05"))
    ]
