"""The rating rules' building blocks: period arithmetic, rounding, tiers, VAT."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from decimal import Decimal

import pytest

from rating.rules import (
    Case,
    Excise,
    Line,
    Offer,
    Period,
    SupplyPoint,
    Tariff,
    Taxes,
    Tier,
    contract_versions_lines,
    electricity_excise,
    invoice,
    price,
    round_to_cent,
    tier_slices,
)

D = Decimal


@pytest.mark.parametrize(
    ("start", "end", "days", "months", "year_share"),
    [
        (date(2025, 3, 1), date(2025, 3, 31), 31, 1, "0.084932"),
        (date(2024, 2, 1), date(2024, 2, 29), 29, 1, "0.079452"),
        (date(2025, 2, 1), date(2025, 2, 28), 28, 1, "0.076712"),
        (date(2025, 1, 1), date(2025, 12, 31), 365, 12, "1.000000"),
        (date(2024, 1, 1), date(2024, 12, 31), 366, 12, "1.002740"),
        (date(2024, 11, 1), date(2025, 2, 28), 120, 4, "0.328767"),
    ],
)
def test_period(start: date, end: date, days: int, months: int, year_share: str) -> None:
    period = Period(start, end)
    assert (period.days, period.months, period.year_share) == (days, months, D(year_share))


@pytest.mark.parametrize(
    ("amount", "rounded"),
    [
        ("0.125", "0.13"),
        ("0.135", "0.14"),
        ("2.675", "2.68"),
        ("0.124999", "0.12"),
        ("-0.125", "-0.13"),
        ("7.5", "7.50"),
    ],
)
def test_round_to_cent_is_half_up(amount: str, rounded: str) -> None:
    assert str(round_to_cent(D(amount))) == rounded


TIERS = (Tier(D(120), D("0.1")), Tier(D(480), D("0.2")), Tier(None, D("0.3")))


@pytest.mark.parametrize(
    ("total", "slices"),
    [
        ("0", []),
        ("60", [(1, "0", "60")]),
        ("120", [(1, "0", "120")]),
        ("120.000001", [(1, "0", "120"), (2, "120", "120.000001")]),
        ("1000", [(1, "0", "120"), (2, "120", "480"), (3, "480", "1000")]),
    ],
)
def test_tier_slices(total: str, slices: list[tuple[int, str, str]]) -> None:
    got = [(number, start, end) for number, start, end, _ in tier_slices(D(total), TIERS, D(1))]
    assert got == [(number, D(start), D(end)) for number, start, end in slices]


def test_tier_bounds_scale_pro_rata() -> None:
    got = list(tier_slices(D(100), TIERS, D("0.5")))
    assert [(n, s, e) for n, s, e, _ in got] == [(1, 0, 60), (2, 60, 100)]


def electricity_case(use: str, power_kw: str, kwh: str, months: int = 1) -> Case:
    end = date(2025, months, 28) if months == 2 else date(2025, months, 31)
    return Case(
        period=Period(date(2025, 1, 1), end),
        supply_point=SupplyPoint("ELE", use, "LV", D(power_kw)),
        offer=Offer("fixed", D("5"), energy_price={"ALL": D("0.1")}),
        consumption={"F1": D(kwh)},
        tariffs={"losses": Tariff("losses", "percent", D("0.1"))},
        taxes=Taxes(
            vat_rate=D("0.1"),
            excise=Excise(
                rate=D("0.0227"),
                exempt_kwh_month=D(150),
                tiers=(Tier(D(200000), D("0.0125")), Tier(None, D("0.0075"))),
            ),
        ),
    )


@pytest.mark.parametrize(
    ("use", "power_kw", "kwh", "months", "quantities"),
    [
        ("domestic_resident", "3", "400", 1, [(None, "250")]),
        ("domestic_resident", "3", "400", 2, [(None, "100")]),
        ("domestic_resident", "3", "100", 1, [(None, "0")]),
        ("domestic_resident", "3.001", "400", 1, [(None, "400")]),
        ("domestic_nonresident", "3", "400", 1, [(None, "400")]),
        ("non_domestic", "3", "250000", 1, [(1, "200000"), (2, "50000")]),
        ("non_domestic", "3", "250000", 2, [(1, "250000")]),
    ],
)
def test_electricity_excise(
    use: str, power_kw: str, kwh: str, months: int, quantities: list[tuple[int | None, str]]
) -> None:
    lines = electricity_excise(electricity_case(use, power_kw, kwh, months), D(kwh))
    assert [(line.tier, line.quantity) for line in lines] == [(t, D(q)) for t, q in quantities]


def test_lines_with_nothing_to_bill_are_left_out() -> None:
    lines = price(electricity_case("domestic_resident", "3", "100")).lines
    assert {line.component for line in lines} == {"energy", "marketing_fee"}


def test_vat_is_on_the_sum_of_a_rate_not_per_line() -> None:
    # each line's VAT alone would round 0.005 up to 0.01; on the sum it is 0.01 in all
    lines = [Line("energy", D(1), D("0.05"), D("0.1")), Line("excise", D(1), D("0.05"), D("0.1"))]
    result = invoice(lines)
    assert [(v.rate, v.taxable, v.vat) for v in result.vat] == [(D("0.1"), D("0.10"), D("0.01"))]
    assert (result.taxable, result.vat_total, result.total) == (D("0.10"), D("0.01"), D("0.11"))


def test_contract_versions_are_priced_part_after_part() -> None:
    """An offer change on 15 January: each part has its own offer, days and consumption; the
    domestic resident exemption is shared pro rata (14/31 and 17/31 of 150 kWh)."""
    whole = electricity_case("domestic_resident", "3", "400")
    first = replace(
        whole, period=Period(date(2025, 1, 1), date(2025, 1, 14)), consumption={"F1": D(100)}
    )
    second = replace(
        whole,
        period=Period(date(2025, 1, 15), date(2025, 1, 31)),
        offer=Offer("fixed", D("8"), energy_price={"ALL": D("0.2")}),
        consumption={"F1": D(300)},
    )

    lines = contract_versions_lines([first, second])

    assert [(line.component, line.quantity, line.unit_price) for line in lines] == [
        ("energy", D("110.0"), D("0.1")),
        ("marketing_fee", D("0.451613"), D("5")),
        ("excise", D(100) - D(150) * D("0.451613"), D("0.0227")),
        ("energy", D("330.0"), D("0.2")),
        ("marketing_fee", D("0.548387"), D("8")),
        ("excise", D(300) - D(150) * D("0.548387"), D("0.0227")),
    ]
    with pytest.raises(ValueError, match="2025-01-16 does not follow 2025-01-14"):
        contract_versions_lines(
            [first, replace(second, period=Period(date(2025, 1, 16), date(2025, 1, 31)))]
        )
