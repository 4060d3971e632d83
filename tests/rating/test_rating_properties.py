"""The engine against the reference rules on random supply points, many per engine call.

Each example is a month and a batch of random supply points (electricity and gas, fixed and
indexed, every use, interval and register meters, several per billing account) with random
market prices and hourly consumption. The engine rates the whole batch at once; every point's
lines and every account's invoice must equal what rules.py gives for the same inputs.
"""

from __future__ import annotations

import random
from collections import Counter, defaultdict
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import TypeVar

import duckdb
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from rating_fixtures import (
    LINE_SELECT,
    Determinant,
    Market,
    PointSpec,
    ReferenceTables,
    as_row,
    clear_warehouse,
    determinant_rows,
    engine_rows,
    hourly_rows,
    insert_determinants,
    insert_hourly,
    insert_market,
    insert_offers,
    insert_points,
    insert_rows,
    new_warehouse,
    random_market,
    reference_case,
)

from rating.engine import install_macros, rate_month
from rating.rules import (
    ELECTRICITY_BANDS,
    PROVENANCES,
    USES,
    VOLTAGES,
    Line,
    Period,
    case_lines,
    contract_versions_lines,
    divide_half_up,
    invoice,
    true_up_lines,
)
from rating.schema import create_billing_tables

D = Decimal
T = TypeVar("T")
MONTHS = [date(year, month, 1) for year in (2024, 2025, 2026) for month in range(1, 13)]
# annual Smc bounds of the seeds' gas tiers and reduced VAT, monthly kWh bounds of electricity
GAS_BOUNDS = (120, 480, 1560, 5000, 80000, 200000, 1200000)
ELECTRICITY_BOUNDS = (150, 200000)


class Choices:
    """Random choices from a Hypothesis draw (shrinkable) or from a seeded Random (cheap, for
    batches of hundreds of points); the same generator runs on either."""

    def __init__(self, draw: st.DrawFn | None = None, rng: random.Random | None = None) -> None:
        self.draw, self.rng = draw, rng

    def integer(self, low: int, high: int) -> int:
        if self.draw is not None:
            return self.draw(st.integers(low, high))
        return self.rng.randint(low, high)

    def pick(self, options: Sequence[T]) -> T:
        return options[self.integer(0, len(options) - 1)]

    def micros(self, low: int, high: int) -> Decimal:
        """A decimal with 6 places between low and high (given in millionths)."""
        return D(self.integer(low, high)).scaleb(-6)

    def quantity(self, largest: int, boundaries: Sequence[Decimal]) -> Decimal:
        """Zero, a small or a large quantity, or exactly a tier boundary."""
        kind = self.pick(("small", "large", "boundary", "zero"))
        if kind == "small":
            return self.micros(0, largest // 1000)
        if kind == "large":
            return self.micros(0, largest)
        return self.pick(boundaries) if kind == "boundary" else D(0)


@dataclass(frozen=True)
class RandomPoint:
    spec: PointSpec
    consumption: dict[str, Decimal]
    provenance: str
    split: bool  # the month's quantity arrives as two determinants per band
    hourly_seed: int | None  # indexed interval meters: their hourly kWh
    silent_band: str | None  # a band with no hourly consumption (index falls back to the mean)
    first_day: int = 1  # the first day supplied: a supply that starts mid-month
    # a contract change: from this day the point is under `new_offer`, which takes this share
    # of each band's quantity
    change_day: int | None = None
    new_offer: PointSpec | None = None
    new_share: Decimal = D(0)
    last_day: int | None = None  # the supply's last day under the contract: it ends mid-month


def random_point(choices: Choices, month: date, number: int, account: str) -> RandomPoint:
    year_share = Period.of_month(month).year_share
    commodity = choices.pick(("ELE", "GAS"))
    kind = choices.pick(("fixed", "indexed"))
    use = choices.pick(USES)
    prices = single = spread = None
    if commodity == "GAS":
        meter, voltage, power = "register", None, None
        bounds = [bound * year_share for bound in GAS_BOUNDS]
        consumption = {"ALL": choices.quantity(200_000_000_000, bounds)}
        if kind == "fixed":
            single = choices.micros(50_000, 1_500_000)
        else:
            spread = choices.micros(-100_000, 500_000)
    else:
        meter = choices.pick(("interval", "register"))
        voltage = choices.pick(VOLTAGES)
        power = choices.pick(
            (D("3"), D("3.001"), D("2.999"), D("1.5"), D(choices.integer(500, 5_000_000)) / 1000)
        )
        banded = meter == "interval" or choices.pick((True, False))
        bands = ELECTRICITY_BANDS if banded else ("ALL",)
        bounds = [D(bound) for bound in ELECTRICITY_BOUNDS]
        consumption = {band: choices.quantity(5_000_000_000_000, bounds) for band in bands}
        if kind == "indexed":
            spread = choices.micros(-50_000, 200_000)
        elif banded and choices.pick((True, False)):
            prices = {band: choices.micros(10_000, 600_000) for band in ELECTRICITY_BANDS}
        else:
            single = choices.micros(10_000, 600_000)
    spec = PointSpec(
        supply_point_id=f"SP{number:06d}",
        billing_account_id=account,
        commodity=commodity,
        use=use,
        voltage=voltage,
        power_kw=power,
        meter_type=meter,
        kind=kind,
        band_prices=prices,
        price_single=single,
        index_name=("PUN" if commodity == "ELE" else "PSV") if kind == "indexed" else None,
        spread=spread,
        fee_month=D(choices.integer(0, 3_000)) / 100,
    )
    weighted = commodity == "ELE" and kind == "indexed" and meter == "interval"
    # a part of the month priced on its own PUN band means needs hours of every band: a week
    # (a single day can be a Sunday, with no F1 hour to average)
    shortest = 7 if commodity == "ELE" and kind == "indexed" else 1
    first_day = choices.pick((1, 1, 1, choices.integer(2, 29 - shortest)))
    change_day = new_offer = None
    if first_day + shortest <= 29 - shortest and choices.pick((True, False, False)):
        change_day = choices.integer(first_day + shortest, 29 - shortest)
        new_offer = other_offer(choices, spec)
    last_day = None
    earliest_end = (change_day or first_day) + shortest - 1
    if earliest_end <= 28 and choices.pick((True, False, False, False)):
        last_day = choices.integer(earliest_end, 28)
    return RandomPoint(
        spec=spec,
        consumption=consumption,
        provenance=choices.pick(PROVENANCES),
        split=choices.pick((True, False)),
        hourly_seed=choices.integer(0, 2**32) if weighted else None,
        silent_band=choices.pick((None, None, *ELECTRICITY_BANDS)) if weighted else None,
        first_day=first_day,
        change_day=change_day,
        new_offer=new_offer,
        new_share=choices.pick((D(0), D(1), choices.micros(0, 1_000_000))),
        last_day=last_day,
    )


def other_offer(choices: Choices, spec: PointSpec) -> PointSpec:
    """The offer of a later contract version: the same kind, other prices and fee."""

    def scaled(price: Decimal | None) -> Decimal | None:
        return None if price is None else price + choices.micros(0, 100_000)

    return replace(
        spec,
        offer=f"O2-{spec.supply_point_id}",
        band_prices=(
            None
            if spec.band_prices is None
            else {band: scaled(price) for band, price in spec.band_prices.items()}
        ),
        price_single=scaled(spec.price_single),
        spread=scaled(spec.spread),
        fee_month=D(choices.integer(0, 3_000)) / 100,
    )


def supplied(point: RandomPoint, month: date) -> Period:
    """The days of the month the point is supplied: from its first day to its last day under
    the contract or the month's end."""
    end = month.replace(day=point.last_day) if point.last_day else Period.of_month(month).end
    return Period(month.replace(day=point.first_day), end)


def pieces(point: RandomPoint, month: date) -> list[tuple[PointSpec, Period, dict]]:
    """The parts of the month priced apart: (offer, days, quantity per band), one per contract
    version the point is under."""
    days = supplied(point, month)
    if point.change_day is None:
        return [(point.spec, days, dict(point.consumption))]
    change = month.replace(day=point.change_day)
    later = {
        band: (quantity * point.new_share).quantize(D("0.000001"))
        for band, quantity in point.consumption.items()
    }
    earlier = {band: point.consumption[band] - later[band] for band in point.consumption}
    return [
        (point.spec, Period(days.start, change - timedelta(days=1)), earlier),
        (point.new_offer, Period(change, days.end), later),
    ]


@dataclass(frozen=True)
class PriceChange:
    """A regulated price that changes on `day` of the month: the `row`-th seed row that covers
    the month (untiered, not a percentage) is cut there, its second part at `unit_price`."""

    row: int
    day: int
    unit_price: Decimal


Batch = tuple[date, int, list[RandomPoint], tuple[PriceChange, ...]]


def random_batch(choices: Choices, count: int) -> Batch:
    """A month, a market seed, `count` points over about two thirds as many accounts, and
    regulated prices changing within the month."""
    month = choices.pick(MONTHS)
    accounts = max(1, count * 2 // 3)
    points = [
        random_point(choices, month, number, f"BA{choices.integer(0, accounts - 1):05d}")
        for number in range(count)
    ]
    changes = tuple(
        PriceChange(
            choices.integer(0, 10_000),
            choices.integer(2, 28),
            choices.micros(-50_000, 100_000_000),
        )
        for _ in range(choices.pick((0, 1, 3, 8)))
    )
    return month, choices.integer(0, 2**32), points, changes


@st.composite
def drawn_batches(draw: st.DrawFn, max_points: int) -> Batch:
    choices = Choices(draw=draw)
    return random_batch(choices, choices.integer(1, max_points))


@st.composite
def seeded_batches(draw: st.DrawFn, points: int) -> Batch:
    # one drawn seed: Hypothesis's own choices would overflow its buffer at this size
    return random_batch(Choices(rng=random.Random(draw(st.integers(0, 2**64)))), points)


def hourly_kwh(point: RandomPoint, market: Market, period: Period) -> dict[datetime, Decimal]:
    rng = random.Random(point.hourly_seed)
    return {
        hour.start_utc: D(rng.randint(0, 3_000_000)).scaleb(-6)
        for hour in market.pun_hours(period)
        if hour.band != point.silent_band
    }


def load_batch(
    connection: duckdb.DuckDBPyConnection,
    month: date,
    market: Market,
    points: list[RandomPoint],
) -> dict[str, dict[datetime, Decimal]]:
    period = Period.of_month(month)
    insert_market(connection, market)
    insert_points(connection, [point.spec for point in points])
    weights, determinants, hourly = {}, [], []
    insert_offers(connection, [point.new_offer for point in points if point.new_offer])
    for point in points:
        rows = []
        contract_end = month.replace(day=point.last_day) if point.last_day else None
        for offer, days, consumption in pieces(point, month):
            # the later version's rows name their offer; the first's name it or leave it to
            # the point's current one
            offer_id = offer.offer_id if offer is point.new_offer else None
            common = {
                "period_start": days.start,
                "period_end": days.end,
                "offer_id": offer_id,
                "contract_end_date": contract_end,
            }
            for band, quantity in consumption.items():
                if point.split:
                    part = (quantity / 3).quantize(D("0.000001"))
                    rows.append(Determinant(month, band, part, "actual", **common))
                    rows.append(
                        Determinant(month, band, quantity - part, point.provenance, **common)
                    )
                else:
                    rows.append(Determinant(month, band, quantity, point.provenance, **common))
        determinants.extend(determinant_rows(point.spec, rows))
        if point.hourly_seed is not None:
            kwh = hourly_kwh(point, market, period)
            hours = [hour for hour in market.pun_hours(period) if hour.start_utc in kwh]
            hourly.extend(hourly_rows(point.spec, hours, [kwh[h.start_utc] for h in hours]))
            weights[point.spec.supply_point_id] = kwh
    insert_rows(connection, "reports.rpt_billing_determinants", determinants)
    insert_rows(connection, "reports.rpt_hourly_consumption", hourly)
    return weights


@pytest.fixture(scope="module")
def warehouse() -> Iterator[tuple[duckdb.DuckDBPyConnection, ReferenceTables]]:
    connection = new_warehouse()
    create_billing_tables(connection)
    install_macros(connection)
    yield connection, ReferenceTables(connection)
    connection.close()


CHANGEABLE_ROWS = """
    SELECT rowid FROM reference.ref_regulated_tariffs
    WHERE tier_from IS NULL AND basis <> 'percent'
        AND valid_from <= $start AND coalesce(valid_to, $end) >= $end
    ORDER BY rowid
"""


@contextmanager
def price_changes(
    connection: duckdb.DuckDBPyConnection, month: date, changes: Sequence[PriceChange]
) -> Iterator[None]:
    """Cut seed rows covering the month at the changes' days, then put the seeds back."""
    period = Period.of_month(month)
    connection.execute(
        "CREATE OR REPLACE TEMP TABLE saved_tariffs AS"
        " SELECT * FROM reference.ref_regulated_tariffs"
    )
    try:
        cut: set[int] = set()
        for change in changes:
            rows = connection.execute(
                CHANGEABLE_ROWS, {"start": period.start, "end": period.end}
            ).fetchall()
            rowid = rows[change.row % len(rows)][0]
            if rowid in cut:
                continue
            cut.add(rowid)
            day = month.replace(day=change.day)
            connection.execute(
                "INSERT INTO reference.ref_regulated_tariffs SELECT * REPLACE (? AS valid_from,"
                " CAST(? AS DECIMAL(18, 6)) AS unit_price)"
                " FROM reference.ref_regulated_tariffs WHERE rowid = ?",
                [day, change.unit_price, rowid],
            )
            connection.execute(
                "UPDATE reference.ref_regulated_tariffs SET valid_to = ? WHERE rowid = ?",
                [day - timedelta(days=1), rowid],
            )
        yield
    finally:
        connection.execute("DELETE FROM reference.ref_regulated_tariffs")
        connection.execute(
            "INSERT INTO reference.ref_regulated_tariffs SELECT * FROM saved_tariffs"
        )


def check_batch(warehouse: tuple[duckdb.DuckDBPyConnection, ReferenceTables], batch: Batch) -> None:
    connection, _ = warehouse
    month, market_seed, points, changes = batch
    clear_warehouse(connection)
    with price_changes(connection, month, changes):
        check_rated_batch(connection, ReferenceTables(connection), month, market_seed, points)


def check_rated_batch(
    connection: duckdb.DuckDBPyConnection,
    reference: ReferenceTables,
    month: date,
    market_seed: int,
    points: list[RandomPoint],
) -> None:
    period = Period.of_month(month)
    market = random_market(period, market_seed)
    weights = load_batch(connection, month, market, points)

    summary = rate_month(connection, month)

    assert summary.skipped == {}
    got_by_point = defaultdict(list)
    for point_id, *row in connection.execute(
        f"SELECT supply_point_id, {LINE_SELECT} FROM billing.invoice_lines"
        " ORDER BY invoice_id, line_no"
    ).fetchall():
        got_by_point[point_id].append(tuple(row))
    by_account: dict[str, list[Line]] = defaultdict(list)
    estimates: dict[str, bool] = defaultdict(lambda: True)
    for point in points:
        spec = point.spec
        expected = contract_versions_lines(
            [
                reference_case(
                    reference, offer, days, consumption, market, weights.get(spec.supply_point_id)
                )
                for offer, days, consumption in pieces(point, month)
            ]
        )
        got = got_by_point[spec.supply_point_id]
        assert got == [as_row(line) for line in expected], spec
        by_account[spec.billing_account_id].extend(expected)
        estimates[spec.billing_account_id] &= point.provenance == "estimate" and not point.split
    invoices = connection.execute(
        "SELECT billing_account_id, invoice_id, kind, taxable, vat_total, total"
        " FROM billing.invoices"
    ).fetchall()
    assert {row[0] for row in invoices} == {a for a, lines in by_account.items() if lines}
    for account, invoice_id, kind, taxable, vat_total, total in invoices:
        expected = invoice(by_account[account])
        assert (taxable, vat_total, total) == (
            expected.taxable,
            expected.vat_total,
            expected.total,
        )
        assert connection.execute(
            "SELECT vat_rate, taxable, vat FROM billing.invoice_vat WHERE invoice_id = ?"
            " ORDER BY vat_rate",
            [invoice_id],
        ).fetchall() == [(v.rate, v.taxable, v.vat) for v in expected.vat]
        assert kind == ("acconto" if estimates[account] else "regular")


@settings(max_examples=6, deadline=None, suppress_health_check=list(HealthCheck))
@given(batch=drawn_batches(max_points=12))
def test_engine_equals_reference_on_random_batches(warehouse, batch) -> None:
    check_batch(warehouse, batch)


@pytest.mark.slow
@settings(max_examples=10, deadline=None, suppress_health_check=list(HealthCheck))
@given(batch=seeded_batches(points=400))
def test_engine_equals_reference_on_thousands_of_random_points(warehouse, batch) -> None:
    """4,000 random supply points, every commodity, offer kind, use and meter type, 400 to an
    engine call."""
    check_batch(warehouse, batch)


@st.composite
def true_up_scenarios(draw: st.DrawFn) -> tuple[RandomPoint, list[date], dict, int]:
    """A point billed on estimates for 1-3 months, then a month whose bill restates them."""
    choices = Choices(draw=draw)
    year, first = choices.pick((2024, 2025, 2026)), choices.integer(1, 9)
    estimated = [date(year, first + n, 1) for n in range(choices.integer(1, 3))]
    true_up_month = (estimated[-1] + timedelta(days=32)).replace(day=1)
    point = random_point(choices, true_up_month, 1, "BA00001")
    actual = {band: choices.micros(0, 900_000_000) for band in point.consumption}
    return point, estimated, actual, choices.integer(0, 2**32)


@pytest.mark.slow
@settings(max_examples=25, deadline=None, suppress_health_check=list(HealthCheck))
@given(scenario=true_up_scenarios())
def test_a_true_up_invoices_the_restated_span_less_what_was_billed(warehouse, scenario) -> None:
    connection, reference = warehouse
    point, estimated, actual, market_seed = scenario
    spec = point.spec
    clear_warehouse(connection)
    span = Period(estimated[0], Period.of_month(estimated[-1]).end)
    true_up_month = span.end + timedelta(days=1)
    market = random_market(Period(span.start, Period.of_month(true_up_month).end), market_seed)
    insert_market(connection, market)
    insert_points(connection, [spec])
    weights = {}
    if point.hourly_seed is not None:
        weights = hourly_kwh(point, market, Period(span.start, true_up_month))
        hours = [hour for hour in market.pun if hour.start_utc in weights]
        insert_hourly(connection, spec, hours, [weights[hour.start_utc] for hour in hours])
    earlier: list[Line] = []
    for month in estimated:
        insert_determinants(
            connection,
            spec,
            [Determinant(month, band, q, "estimate") for band, q in point.consumption.items()],
        )
        assert rate_month(connection, month).kinds == {"acconto": 1}
        # a true-up takes back what was issued: the customer was charged for it
        connection.execute("UPDATE billing.invoices SET status = 'issued'")
        case = reference_case(
            reference, spec, Period.of_month(month), point.consumption, market, weights
        )
        earlier.extend(case_lines(case))
    insert_determinants(
        connection,
        spec,
        [
            Determinant(true_up_month, band, q, "actual", True, span.start, span.end)
            for band, q in actual.items()
        ],
    )

    summary = rate_month(connection, true_up_month)

    restated = case_lines(reference_case(reference, spec, span, actual, market, weights))
    expected = true_up_lines(restated, earlier)
    # nothing consumed, nothing estimated: no difference to invoice
    assert summary.kinds == ({"conguaglio": 1} if expected else {})
    invoice_id = f"BA00001-{true_up_month:%Y%m}"
    got = engine_rows(connection, "invoice_id = ?", [invoice_id])
    assert Counter(got) == Counter(as_row(line) for line in expected)
    document = connection.execute(
        "SELECT taxable, vat_total, total, period_start FROM billing.invoices WHERE invoice_id = ?",
        [invoice_id],
    ).fetchone()
    assert document == ((*_totals(expected), true_up_month) if expected else None)


def _totals(lines: list[Line]) -> tuple[Decimal, Decimal, Decimal]:
    result = invoice(lines)
    return result.taxable, result.vat_total, result.total


quotient_parts = st.one_of(
    st.integers(-(10**20), 10**20).map(lambda n: D(n).scaleb(-12)),
    st.integers(-(10**9), 10**9).map(lambda n: D(n).scaleb(-6)),
    st.integers(-(10**6), 10**6).map(D),
)


@settings(max_examples=200, deadline=None)
@given(
    numerator=quotient_parts,
    denominator=quotient_parts.filter(lambda d: d != 0),
    tie=st.one_of(st.none(), st.integers(-(10**12), 10**12)),
)
def test_sql_division_is_exact_half_up(
    warehouse, numerator: Decimal, denominator: Decimal, tie: int | None
) -> None:
    """The engine's rating_quotient equals rules.divide_half_up, ties included."""
    connection, _ = warehouse
    if tie is not None:
        # a quotient exactly halfway between two millionths, over a denominator of at most
        # 5 decimals so the numerator keeps within the 12 decimals of its column
        denominator = denominator.quantize(D("0.00001")) or D(1)
        numerator = (D(tie).scaleb(-6) + D("0.0000005")) * denominator
    # the engine divides sums of kWh × €/MWh, of prices and of kWh: quotients are prices
    assume(abs(numerator) < 10**8 * abs(denominator))
    got = connection.execute(
        "SELECT rating_quotient(CAST(? AS DECIMAL(38, 12)), CAST(? AS DECIMAL(38, 12)))",
        [numerator, denominator],
    ).fetchone()[0]
    assert got == divide_half_up(numerator, denominator, D("0.000001"))
