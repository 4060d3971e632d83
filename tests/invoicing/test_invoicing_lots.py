"""Billing lots from configuration: validated, disjoint, materialised for the rating engine."""

from __future__ import annotations

from datetime import date

import pytest
from invoicing_fixtures import Account, add_accounts, new_warehouse, write_lots

from invoicing.lots import (
    LOTS_FILE,
    LotConfigError,
    find_lot,
    load_lots,
    lot_of_accounts,
    materialise_lot,
)

ACCOUNTS = [
    Account("A1"),
    Account("A2", segment="business"),
    Account("A3", billing_cycle="bimonthly"),
    Account("B1", company_id="C02"),
]


def test_the_shipped_lots_are_valid_and_cover_every_demo_account_once() -> None:
    lots = load_lots(LOTS_FILE)
    assert len({lot.id for lot in lots}) == len(lots)
    connection = new_warehouse()
    add_accounts(
        connection,
        [
            Account(f"{company}-{cycle}-{segment}", company, cycle, segment)
            for company in ("C01", "C02")
            for cycle in ("monthly", "bimonthly")
            for segment in ("domestic", "business")
        ],
    )
    assert None not in lot_of_accounts(connection, lots).values()


def test_materialise_a_lot_for_the_engine(tmp_path) -> None:
    connection = new_warehouse()
    add_accounts(connection, ACCOUNTS)
    lots = load_lots(
        write_lots(
            tmp_path / "lots.yaml",
            """
lots:
  - id: c01-monthly-domestic
    company_id: C01
    billing_cycle: monthly
    segment: domestic
  - id: c01-bimonthly
    company_id: C01
    billing_cycle: bimonthly
  - id: c02
    company_id: C02
""",
        )
    )
    table = materialise_lot(connection, find_lot("c01-monthly-domestic", lots))
    assert connection.execute(f"SELECT * FROM {table}").fetchall() == [("A1",)]
    assert lot_of_accounts(connection, lots) == {
        "A1": "c01-monthly-domestic",
        "A2": None,
        "A3": "c01-bimonthly",
        "B1": "c02",
    }


def test_the_months_a_scheduled_run_bills(tmp_path) -> None:
    monthly, bimonthly = load_lots(
        write_lots(
            tmp_path / "lots.yaml",
            "lots:\n  - id: m\n    billing_cycle: monthly\n"
            "  - id: b\n    billing_cycle: bimonthly\n",
        )
    )
    assert monthly.months_to_bill(date(2025, 1, 2)) == [date(2024, 12, 1)]
    assert bimonthly.months_to_bill(date(2025, 3, 2)) == [date(2025, 1, 1), date(2025, 2, 1)]


@pytest.mark.parametrize(
    ("text", "error"),
    [
        ("lots: []", "'lots' must be a non-empty list"),
        ("lots:\n  - id: a b\n", "lot #1: id must be"),
        ("lots:\n  - id: a\n    colour: red\n", "lot #1: unknown field colour"),
        ("lots:\n  - id: a\n    billing_cycle: weekly\n", "lot a: billing_cycle must be one of"),
        ("lots:\n  - id: a\n    segment: vip\n", "lot a: segment must be one of"),
        ("lots:\n  - id: a\n    schedule: daily\n", "lot a: schedule must be a five-field"),
        ("lots:\n  - id: a\n    auto_approve: maybe\n", "lot a: auto_approve must be true"),
        ("lots:\n  - id: a\n  - id: a\n    company_id: C02\n", "lot a: id used twice"),
        (
            "lots:\n  - id: a\n    company_id: C01\n  - id: b\n    segment: domestic\n",
            "lot b: overlaps lot a",
        ),
        ("lots: [", "cannot read the lots"),
    ],
)
def test_a_bad_lots_file_is_refused_with_the_lot_and_field(tmp_path, text, error) -> None:
    with pytest.raises(LotConfigError, match=error):
        load_lots(write_lots(tmp_path / "lots.yaml", text))


def test_an_unknown_lot_is_named(tmp_path) -> None:
    with pytest.raises(LotConfigError, match="lot nope: not in the lots file"):
        find_lot("nope", load_lots(LOTS_FILE))
