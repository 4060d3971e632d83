"""Test helpers for rating: a small warehouse, the oracle's own reading of the seeds, loaders
that put supply points and billing cases into the warehouse, and invoice comparison."""

from __future__ import annotations

import random
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa
import yaml

from rating.rules import (
    ALL_BANDS,
    ELECTRICITY_BANDS,
    EXCISE_EXEMPTION_MAX_POWER_KW,
    GAS_TIERED_TARIFFS,
    Case,
    Excise,
    Line,
    MarketPrice,
    Offer,
    Period,
    SupplyPoint,
    Tariff,
    Taxes,
    Tier,
    psv_index_price,
    pun_index_price,
)

ROOT = Path(__file__).resolve().parents[2]
SEEDS = ROOT / "dbt" / "seeds"
SHARED_CASES = Path("/work/shared/cases")
OWN_CASES = Path(__file__).resolve().parent / "cases"
D = Decimal

# the reports tables rating reads, with the columns and types of docs/contracts.md §2
REPORT_TABLES = """
CREATE SCHEMA IF NOT EXISTS reports;
CREATE OR REPLACE TABLE reports.rpt_supply_points (
    supply_point_id VARCHAR, company_id VARCHAR, company_name VARCHAR, commodity VARCHAR,
    customer_id VARCHAR, customer_name VARCHAR, billing_account_id VARCHAR, use VARCHAR,
    voltage VARCHAR, power_kw DECIMAL(12, 3), meter_type VARCHAR, dso_code VARCHAR,
    city VARCHAR, province VARCHAR, offer_id VARCHAR, offer_name VARCHAR, last_month DATE,
    last_month_quantity DECIMAL(18, 6), unit VARCHAR
);
CREATE OR REPLACE TABLE reports.rpt_offers (
    offer_id VARCHAR, company_id VARCHAR, commodity VARCHAR, name VARCHAR, kind VARCHAR,
    price_f1 DECIMAL(18, 6), price_f2 DECIMAL(18, 6), price_f3 DECIMAL(18, 6),
    price_single DECIMAL(18, 6), index_name VARCHAR, spread DECIMAL(18, 6),
    fee_month DECIMAL(18, 6), valid_from DATE, valid_to DATE
);
CREATE OR REPLACE TABLE reports.rpt_billing_determinants (
    determinant_id VARCHAR, company_id VARCHAR, billing_account_id VARCHAR,
    supply_point_id VARCHAR, commodity VARCHAR, billing_month DATE, period_start DATE,
    period_end DATE, offer_id VARCHAR, contract_end_date DATE, band VARCHAR,
    quantity DECIMAL(18, 6), unit VARCHAR, quantity_m3 DECIMAL(18, 6),
    conversion_coefficient DECIMAL(12, 6), provenance VARCHAR,
    is_true_up BOOLEAN, peak_kw DECIMAL(12, 3), interval_count INTEGER,
    expected_interval_count INTEGER, completeness DECIMAL(5, 4)
);
CREATE OR REPLACE TABLE reports.rpt_hourly_consumption (
    supply_point_id VARCHAR, company_id VARCHAR, hour_start_utc TIMESTAMP WITH TIME ZONE,
    local_date DATE, local_hour INTEGER, band VARCHAR, kwh DECIMAL(18, 6)
);
CREATE OR REPLACE TABLE reports.rpt_market_prices (
    index_name VARCHAR, price_date DATE, hour INTEGER, hour_start_utc TIMESTAMP WITH TIME ZONE,
    band VARCHAR, price_eur_mwh DECIMAL(18, 6)
);
"""
REPORTS = (
    "rpt_supply_points",
    "rpt_offers",
    "rpt_billing_determinants",
    "rpt_hourly_consumption",
    "rpt_market_prices",
)
SEED_NAMES = ("ref_regulated_tariffs", "ref_tax_rates", "ref_gas_pcs")


def seed_column_types() -> dict[str, dict[str, str]]:
    """Column types per seed, from the dbt seed properties (the one place they are declared)."""
    properties = yaml.safe_load((SEEDS / "_ref__seeds.yml").read_text())
    return {seed["name"]: seed["config"]["column_types"] for seed in properties["seeds"]}


def create_reference_tables(connection: duckdb.DuckDBPyConnection, load_csv: bool) -> None:
    """The reference schema as dbt builds it: the seed CSVs, or empty tables of their shape."""
    connection.execute("CREATE SCHEMA IF NOT EXISTS reference")
    for name, types in seed_column_types().items():
        columns = ", ".join(f"'{column}': '{kind}'" for column, kind in types.items())
        source = f"read_csv('{SEEDS / name}.csv', header = true, columns = {{{columns}}})"
        limit = "" if load_csv else " LIMIT 0"
        connection.execute(
            f"CREATE OR REPLACE TABLE reference.{name} AS SELECT * FROM {source}{limit}"
        )


def new_warehouse(load_seeds: bool = True) -> duckdb.DuckDBPyConnection:
    connection = duckdb.connect()
    connection.execute(REPORT_TABLES)
    create_reference_tables(connection, load_seeds)
    return connection


def clear_warehouse(connection: duckdb.DuckDBPyConnection) -> None:
    """Empty the reports and the billing tables, keeping the reference tables."""
    for table in REPORTS:
        connection.execute(f"DELETE FROM reports.{table}")
    for table in ("invoice_lines", "invoice_vat", "invoices", "skipped_supply_points"):
        connection.execute(f"DELETE FROM billing.{table}")


# --- market data ---------------------------------------------------------------------------


def month_starts(period: Period) -> list[date]:
    months, day = [], period.start.replace(day=1)
    while day <= period.end:
        months.append(day)
        day = (day + timedelta(days=32)).replace(day=1)
    return months


def band_of(moment: datetime) -> str:
    """A band by weekday and hour: the engine trusts the band on the market row."""
    if moment.weekday() == 6 or moment.hour < 7 or moment.hour == 23:
        return "F3"
    if moment.weekday() == 5 or moment.hour in (7, 19, 20, 21, 22):
        return "F2"
    return "F1"


@dataclass(frozen=True)
class PunHour:
    start_utc: datetime
    band: str
    price_eur_mwh: Decimal
    price_date: date = field(init=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "price_date", self.start_utc.date())


@dataclass(frozen=True)
class PsvDay:
    price_date: date
    price_eur_mwh: Decimal


@dataclass
class Market:
    """Hourly PUN and daily PSV; UTC hours stand for local ones (the engine joins on the
    instant and filters on the date, so the offset does not matter here)."""

    pun: list[PunHour] = field(default_factory=list)
    psv: list[PsvDay] = field(default_factory=list)

    def pun_hours(self, period: Period) -> list[PunHour]:
        return [hour for hour in self.pun if period.start <= hour.price_date <= period.end]

    def psv_days(self, period: Period) -> list[PsvDay]:
        return [day for day in self.psv if period.start <= day.price_date <= period.end]


def random_market(period: Period, seed: int) -> Market:
    rng = random.Random(seed)
    market = Market()
    day = period.start
    while day <= period.end:
        for hour in range(24):
            start = datetime(day.year, day.month, day.day, hour, tzinfo=UTC)
            if rng.random() < 0.02:  # now and then a negative or a spiking hour
                micros = rng.randint(-20_000_000, 400_000_000)
            else:
                micros = rng.randint(30_000_000, 250_000_000)
            market.pun.append(PunHour(start, band_of(start), D(micros) / 1_000_000))
        market.psv.append(PsvDay(day, D(rng.randint(20_000, 80_000)) / 1000))
        day += timedelta(days=1)
    return market


def insert_market(connection: duckdb.DuckDBPyConnection, market: Market) -> None:
    insert_rows(
        connection,
        "reports.rpt_market_prices",
        [
            {
                "index_name": "PUN",
                "price_date": hour.price_date,
                "hour": hour.start_utc.hour + 1,
                "hour_start_utc": hour.start_utc,
                "band": hour.band,
                "price_eur_mwh": hour.price_eur_mwh,
            }
            for hour in market.pun
        ]
        + [
            {
                "index_name": "PSV",
                "price_date": day.price_date,
                "hour": None,
                "hour_start_utc": None,
                "band": None,
                "price_eur_mwh": day.price_eur_mwh,
            }
            for day in market.psv
        ],
    )


# --- supply points -------------------------------------------------------------------------


@dataclass(frozen=True)
class Determinant:
    """One row of rpt_billing_determinants for a point (account and commodity from the point)."""

    billing_month: date
    band: str
    quantity: Decimal
    provenance: str = "actual"
    is_true_up: bool = False
    period_start: date | None = None  # default: the billing month
    period_end: date | None = None
    offer_id: str | None = None  # the contract version's offer; None: the point's current one
    contract_end_date: date | None = None  # the supply's last day; None: open-ended
    # interval meters: quarter hours the curve gave and the span has; None: a register meter
    interval_count: int | None = None
    expected_interval_count: int | None = None


@dataclass(frozen=True)
class PointSpec:
    """A supply point with its offer, as the registry and the offers report hold it."""

    supply_point_id: str
    billing_account_id: str
    commodity: str = "ELE"
    use: str = "domestic_resident"
    voltage: str | None = "LV"
    power_kw: Decimal | None = D("3")
    meter_type: str = "interval"
    kind: str = "fixed"
    band_prices: Mapping[str, Decimal] | None = None
    price_single: Decimal | None = None
    index_name: str | None = None
    spread: Decimal | None = None
    fee_month: Decimal | None = D("7.50")
    company_id: str = "C01"
    offer: str | None = None  # the offer's id; default one offer per point

    @property
    def offer_id(self) -> str:
        return self.offer or f"O-{self.supply_point_id}"

    @property
    def customer_id(self) -> str:
        return f"CU-{self.billing_account_id}"


def insert_rows(
    connection: duckdb.DuckDBPyConnection, table: str, rows: Sequence[Mapping[str, Any]]
) -> None:
    """Rows (dicts of column values) into a table in one statement, through Arrow: decimals
    travel as 38-digit decimals of their column's scale, so nothing is rounded on the way."""
    if not rows:
        return
    types = dict(
        connection.execute(
            "SELECT column_name, data_type FROM information_schema.columns"
            " WHERE table_schema || '.' || table_name = ?",
            [table],
        ).fetchall()
    )
    columns = {}
    for name in rows[0]:
        values = [row[name] for row in rows]
        kind = types[name]
        if kind.startswith("DECIMAL"):
            scale = int(kind.rstrip(")").split(",")[1])
            columns[name] = pa.array(values, pa.decimal128(38, scale))
        else:
            columns[name] = pa.array(values)
    connection.register("rows_arrow", pa.table(columns))
    try:
        connection.execute(f"INSERT INTO {table} BY NAME SELECT * FROM rows_arrow")
    finally:
        connection.unregister("rows_arrow")


def insert_points(connection: duckdb.DuckDBPyConnection, points: Iterable[PointSpec]) -> None:
    points = list(points)
    insert_rows(
        connection,
        "reports.rpt_supply_points",
        [
            {
                "supply_point_id": p.supply_point_id,
                "company_id": p.company_id,
                "commodity": p.commodity,
                "customer_id": p.customer_id,
                "billing_account_id": p.billing_account_id,
                "use": p.use,
                "voltage": p.voltage,
                "power_kw": p.power_kw,
                "meter_type": p.meter_type,
                "offer_id": p.offer_id,
            }
            for p in points
        ],
    )
    insert_offers(connection, points)


def insert_offers(connection: duckdb.DuckDBPyConnection, points: Iterable[PointSpec]) -> None:
    """The offers of points (PointSpec.offer names one other than the point's own)."""
    points = list(points)
    insert_rows(
        connection,
        "reports.rpt_offers",
        [
            {
                "offer_id": p.offer_id,
                "company_id": p.company_id,
                "commodity": p.commodity,
                "name": "test offer",
                "kind": p.kind,
                "price_f1": (p.band_prices or {}).get("F1"),
                "price_f2": (p.band_prices or {}).get("F2"),
                "price_f3": (p.band_prices or {}).get("F3"),
                "price_single": p.price_single,
                "index_name": p.index_name,
                "spread": p.spread,
                "fee_month": p.fee_month,
                "valid_from": date(2024, 1, 1),
            }
            for p in points
        ],
    )


def determinant_rows(point: PointSpec, determinants: Iterable[Determinant]) -> list[dict]:
    rows = []
    for number, row in enumerate(determinants):
        month = Period.of_month(row.billing_month)
        rows.append(
            {
                "determinant_id": f"{point.supply_point_id}-{row.billing_month:%Y%m}-{number}",
                "company_id": point.company_id,
                "billing_account_id": point.billing_account_id,
                "supply_point_id": point.supply_point_id,
                "commodity": point.commodity,
                "billing_month": month.start,
                "period_start": row.period_start or month.start,
                "period_end": row.period_end or month.end,
                "offer_id": row.offer_id,
                "contract_end_date": row.contract_end_date,
                "band": row.band,
                "quantity": row.quantity,
                "unit": "kWh" if point.commodity == "ELE" else "Smc",
                "provenance": row.provenance,
                "is_true_up": row.is_true_up,
                "interval_count": row.interval_count,
                "expected_interval_count": row.expected_interval_count,
            }
        )
    return rows


def insert_determinants(
    connection: duckdb.DuckDBPyConnection, point: PointSpec, determinants: Iterable[Determinant]
) -> None:
    insert_rows(
        connection, "reports.rpt_billing_determinants", determinant_rows(point, determinants)
    )


def hourly_rows(point: PointSpec, hours: Sequence[PunHour], kwh: Sequence[Decimal]) -> list[dict]:
    return [
        {
            "supply_point_id": point.supply_point_id,
            "company_id": point.company_id,
            "hour_start_utc": hour.start_utc,
            "local_date": hour.price_date,
            "local_hour": hour.start_utc.hour,
            "band": hour.band,
            "kwh": value,
        }
        for hour, value in zip(hours, kwh, strict=True)
    ]


def insert_hourly(
    connection: duckdb.DuckDBPyConnection,
    point: PointSpec,
    hours: Sequence[PunHour],
    kwh: Sequence[Decimal],
) -> None:
    insert_rows(connection, "reports.rpt_hourly_consumption", hourly_rows(point, hours, kwh))


# --- the oracle: a billing case per supply point, from the same inputs -----------------------


class ReferenceTables:
    """The reference seeds read in Python, independently of the engine's SQL: rows valid for
    the whole period whose use and voltage match (`*` = any), the most specific winning."""

    def __init__(self, connection: duckdb.DuckDBPyConnection) -> None:
        self.tariffs = _rows(connection, "reference.ref_regulated_tariffs")
        self.taxes = _rows(connection, "reference.ref_tax_rates")
        self.pcs = _rows(connection, "reference.ref_gas_pcs")
        self._cache: dict[tuple, tuple[dict[str, Tariff], Taxes]] = {}

    def regulated(self, point: PointSpec, period: Period) -> tuple[dict[str, Tariff], Taxes]:
        key = (point.commodity, point.use, point.voltage, period)
        if key not in self._cache:
            self._cache[key] = (self._tariffs(point, period), self._taxes(point, period))
        return self._cache[key]

    def pcs_for(self, period: Period) -> Decimal:
        (row,) = [row for row in self.pcs if _covers(row, period)]
        return row["pcs_mwh_per_smc"]

    def _tariffs(self, point: PointSpec, period: Period) -> dict[str, Tariff]:
        """A component valid for part of the period is priced in parts (rules.Tariff changes)."""
        attributes = {"use": point.use, "voltage": point.voltage or "*"}
        rows = _most_specific(
            self.tariffs, point.commodity, attributes, period, "component", _overlaps
        )
        tariffs: dict[str, Tariff] = {}
        for component in {row["component"] for row in rows}:
            mine = sorted(
                (row for row in rows if row["component"] == component),
                key=lambda row: (row["tier_from"] or 0, row["valid_from"]),
            )
            if point.commodity == "GAS" and component in GAS_TIERED_TARIFFS:
                tiers = tuple(Tier(row["tier_to"], row["unit_price"]) for row in mine)
                tariffs[component] = Tariff(component, mine[0]["basis"], tiers=tiers)
            elif len(mine) == 1 and _covers(mine[0], period):
                (row,) = mine
                tariffs[component] = Tariff(component, row["basis"], row["unit_price"])
            else:
                changes = tuple(
                    (
                        Period(
                            max(row["valid_from"], period.start),
                            min(row["valid_to"] or period.end, period.end),
                        ),
                        row["unit_price"],
                    )
                    for row in mine
                )
                tariffs[component] = Tariff(component, mine[0]["basis"], changes=changes)
        return tariffs

    def _taxes(self, point: PointSpec, period: Period) -> Taxes:
        rows = _most_specific(self.taxes, point.commodity, {"use": point.use}, period, "tax")

        def of(tax: str) -> list[dict[str, Any]]:
            return sorted(
                (row for row in rows if row["tax"] == tax), key=lambda row: row["tier_from"] or 0
            )

        def tiers(tax: str) -> tuple[Tier, ...]:
            return tuple(Tier(row["tier_to"], row["rate"]) for row in of(tax))

        (vat,) = of("vat")
        reduced = of("vat_reduced")
        if point.commodity == "GAS" or point.use == "non_domestic":
            excise = Excise(tiers=tiers("excise"))
        else:
            (only,) = of("excise")
            exemption = of("excise_exemption")
            exempt = exemption[0]["tier_to"] if exemption else None
            excise = Excise(rate=only["rate"], exempt_kwh_month=exempt)
        return Taxes(
            vat_rate=vat["rate"],
            excise=excise,
            vat_reduced_rate=reduced[0]["rate"] if reduced else None,
            vat_reduced_smc_year=reduced[0]["tier_to"] if reduced else None,
            regional_surcharge=tiers("regional_surcharge"),
        )


def _rows(connection: duckdb.DuckDBPyConnection, table: str) -> list[dict[str, Any]]:
    cursor = connection.execute(f"SELECT * FROM {table}")
    names = [column[0] for column in cursor.description]
    return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


def _covers(row: Mapping[str, Any], period: Period) -> bool:
    return row["valid_from"] <= period.start and (
        row["valid_to"] is None or row["valid_to"] >= period.end
    )


def _overlaps(row: Mapping[str, Any], period: Period) -> bool:
    return row["valid_from"] <= period.end and (
        row["valid_to"] is None or row["valid_to"] >= period.start
    )


def _most_specific(
    rows: list[dict[str, Any]],
    commodity: str,
    attributes: dict[str, str],
    period: Period,
    group: str,
    valid: Callable[[Mapping[str, Any], Period], bool] = _covers,
) -> list[dict[str, Any]]:
    def specificity(row: dict[str, Any]) -> int:
        return sum(row[key] != "*" for key in attributes)

    valid_rows = [
        row
        for row in rows
        if row["commodity"] == commodity
        and valid(row, period)
        and all(row[key] in (value, "*") for key, value in attributes.items())
    ]
    best: dict[str, int] = {}
    for row in valid_rows:
        best[row[group]] = max(best.get(row[group], 0), specificity(row))
    return [row for row in valid_rows if specificity(row) == best[row[group]]]


def reference_case(
    reference: ReferenceTables,
    point: PointSpec,
    period: Period,
    consumption: Mapping[str, Decimal],
    market: Market | None = None,
    hourly_kwh: Mapping[datetime, Decimal] | None = None,
) -> Case:
    """The billing case of one point and period, built from the inputs the warehouse holds."""
    tariffs, taxes = reference.regulated(point, period)
    if point.kind == "fixed":
        prices = dict(point.band_prices or {})
        if point.price_single is not None:
            prices[ALL_BANDS] = point.price_single
        offer = Offer("fixed", point.fee_month, energy_price=prices)
    elif point.commodity == "GAS":
        days = [MarketPrice(day.price_eur_mwh) for day in market.psv_days(period)]
        index_price = {ALL_BANDS: psv_index_price(days, reference.pcs_for(period))}
        offer = Offer(
            "indexed", point.fee_month, index="PSV", index_price=index_price, spread=point.spread
        )
    else:
        weighted = point.meter_type == "interval"
        kwh = hourly_kwh or {}
        hours = [
            MarketPrice(hour.price_eur_mwh, hour.band, kwh.get(hour.start_utc, D(0)))
            for hour in market.pun_hours(period)
        ]
        index_price = pun_index_price(hours, consumption, weighted)
        offer = Offer(
            "indexed", point.fee_month, index="PUN", index_price=index_price, spread=point.spread
        )
    return Case(
        period=period,
        supply_point=SupplyPoint(
            point.commodity,
            point.use,
            point.voltage if point.commodity == "ELE" else None,
            point.power_kw if point.commodity == "ELE" else None,
            point.meter_type,
        ),
        offer=offer,
        consumption=dict(consumption),
        tariffs=tariffs,
        taxes=taxes,
    )


# --- a billing case into the warehouse ------------------------------------------------------


def case_reference_rows(case: Case) -> dict[str, list[list[Any]]]:
    """A case's tariffs, taxes and PCS as seed-shaped rows valid for exactly its period."""
    period, point = case.period, case.supply_point
    common = [period.start, period.end, point.commodity, point.use]
    voltage = point.voltage or "*"
    tariff_rows = []
    for tariff in case.tariffs.values():
        if tariff.tiers:
            for lower, tier in _bounded(tariff.tiers):
                tariff_rows.append(
                    [
                        *common,
                        voltage,
                        tariff.component,
                        tariff.basis,
                        lower,
                        tier.upper,
                        tier.price,
                    ]
                )
        else:
            # a price that changes within the period: a row per part, valid for its days
            for part, unit_price in tariff.parts(period):
                tariff_rows.append(
                    [
                        part.start,
                        part.end,
                        *common[2:],
                        voltage,
                        tariff.component,
                        tariff.basis,
                        None,
                        None,
                        unit_price,
                    ]
                )
    taxes = case.taxes
    unit = "kwh_month" if point.commodity == "ELE" else "smc_year"
    tax_rows = [[*common, "vat", None, None, None, None, None, taxes.vat_rate]]
    if taxes.vat_reduced_rate is not None and point.use != "non_domestic":
        tax_rows.append(
            [
                *common,
                "vat_reduced",
                None,
                D(0),
                taxes.vat_reduced_smc_year,
                "smc_year",
                None,
                taxes.vat_reduced_rate,
            ]
        )
    for tax, tiers in (
        ("excise", taxes.excise.tiers),
        ("regional_surcharge", taxes.regional_surcharge),
    ):
        for number, (lower, tier) in enumerate(_bounded(tiers), start=1):
            tax_rows.append([*common, tax, number, lower, tier.upper, unit, None, tier.price])
    excise = taxes.excise
    if excise.rate is not None and not excise.tiers:
        tax_rows.append([*common, "excise", None, None, None, None, None, excise.rate])
    if excise.exempt_kwh_month is not None and point.use == "domestic_resident":
        tax_rows.append(
            [
                *common,
                "excise_exemption",
                None,
                D(0),
                excise.exempt_kwh_month,
                "kwh_month",
                EXCISE_EXEMPTION_MAX_POWER_KW,
                D(0),
            ]
        )
    pcs = case.offer.pcs_mwh_per_smc or D("0.01")
    return {
        "ref_regulated_tariffs": tariff_rows,
        "ref_tax_rates": tax_rows,
        "ref_gas_pcs": [[period.start, period.end, pcs]],
    }


def _bounded(tiers: Iterable[Tier]) -> Iterable[tuple[Decimal, Tier]]:
    lower = D(0)
    for tier in tiers:
        yield lower, tier
        lower = tier.upper


def case_market(case: Case) -> tuple[Market, dict[datetime, Decimal]]:
    """Market rows (and an interval meter's hourly kWh) from which the warehouse computes the
    case's index price: its `index_market`, laid out one hour per day first so that every day
    is priced; or, for a given `index_price`, a flat price on every day of every band."""
    period, offer = case.period, case.offer
    market, kwh = Market(), {}
    if offer.kind == "fixed":
        return market, kwh
    days = [period.start + timedelta(days=n) for n in range(period.days)]
    if case.supply_point.commodity == "GAS":
        if offer.market:
            assert len(offer.market) == len(days), "one PSV price per day of the period"
            prices = [day.price_eur_mwh for day in offer.market]
        else:
            prices = [offer.index_price[ALL_BANDS] / D("0.01")] * len(days)
        market.psv = [PsvDay(day, price) for day, price in zip(days, prices, strict=True)]
        return market, kwh
    if offer.market:
        assert len(offer.market) >= len(days), "at least one PUN hour per day of the period"
        for number, hour in enumerate(offer.market):
            day = days[number % len(days)]
            start = datetime(day.year, day.month, day.day, number // len(days), tzinfo=UTC)
            market.pun.append(PunHour(start, hour.band, hour.price_eur_mwh))
            if hour.kwh is not None:
                kwh[start] = hour.kwh
        return market, kwh
    prices = {
        band: offer.index_price.get(band, offer.index_price.get(ALL_BANDS))
        for band in ELECTRICITY_BANDS
    }
    for day in days:
        for slot, (band, price) in enumerate(prices.items()):
            if price is not None:
                start = datetime(day.year, day.month, day.day, slot, tzinfo=UTC)
                market.pun.append(PunHour(start, band, price * 1000))
                kwh[start] = D(1)
    return market, kwh


def load_case_into(connection: duckdb.DuckDBPyConnection, case: Case, point: PointSpec) -> date:
    """Put a case into the warehouse as one supply point; returns the billing month to rate.

    A one-month case is that month's regular determinants (ending with the contract where the
    case ends before the month does); a longer one is a true-up of its whole span carried by the
    next month's bill, with nothing billed before.
    """
    for table, rows in case_reference_rows(case).items():
        if rows:
            marks = ", ".join("?" * len(rows[0]))
            connection.executemany(f"INSERT INTO reference.{table} VALUES ({marks})", rows)
    market, kwh = case_market(case)
    insert_market(connection, market)
    insert_points(connection, [point])
    if kwh:
        hours = [hour for hour in market.pun if hour.start_utc in kwh]
        insert_hourly(connection, point, hours, [kwh[hour.start_utc] for hour in hours])
    period = case.period
    single_month = period.months == 1
    billing_month = period.start if single_month else (period.end + timedelta(days=1))
    # a one-month case that stops before the month's end is a supply that ends with its contract
    ends_early = single_month and period.end < Period.of_month(period.start).end
    insert_determinants(
        connection,
        point,
        [
            Determinant(
                billing_month,
                band,
                quantity,
                is_true_up=not single_month,
                period_start=period.start,
                period_end=period.end,
                contract_end_date=period.end if ends_early else None,
            )
            for band, quantity in case.consumption.items()
        ],
    )
    return billing_month


def case_point(case: Case, supply_point_id: str, billing_account_id: str) -> PointSpec:
    """The registry and offer rows of a case's supply point."""
    offer, point = case.offer, case.supply_point
    prices = dict(offer.energy_price)
    single = prices.pop(ALL_BANDS, None)
    return PointSpec(
        supply_point_id=supply_point_id,
        billing_account_id=billing_account_id,
        commodity=point.commodity,
        use=point.use,
        voltage=point.voltage,
        power_kw=point.power_kw,
        meter_type=point.meter or "register",
        kind=offer.kind,
        band_prices=prices or None,
        price_single=single,
        index_name=offer.index,
        spread=offer.spread if offer.kind == "indexed" else None,
        fee_month=offer.fee_month,
    )


# --- reading the engine's output ------------------------------------------------------------

LINE_COLUMNS = (
    "component",
    "group",
    "band",
    "tier",
    "quantity",
    "unit_price",
    "amount",
    "vat_rate",
)


LINE_SELECT = ", ".join(f'"{column}"' for column in LINE_COLUMNS)


def as_row(line: Line) -> tuple:
    """A reference line as the engine's line columns (numbers compared as exact decimals)."""
    return (
        line.component,
        line.group,
        line.band,
        line.tier,
        line.quantity,
        line.unit_price,
        line.amount,
        line.vat_rate,
    )


def engine_rows(
    connection: duckdb.DuckDBPyConnection, where: str, parameters: Sequence[Any]
) -> list[tuple]:
    return connection.execute(
        f"SELECT {LINE_SELECT} FROM billing.invoice_lines WHERE {where}"
        " ORDER BY invoice_id, line_no",
        list(parameters),
    ).fetchall()


def engine_invoice(connection: duckdb.DuckDBPyConnection, invoice_id: str) -> dict[str, Any]:
    """A draft invoice with its lines and VAT summary, in CASES.md's shape."""
    taxable, vat_total, total = connection.execute(
        "SELECT taxable, vat_total, total FROM billing.invoices WHERE invoice_id = ?",
        [invoice_id],
    ).fetchone()
    lines = [
        dict(zip(LINE_COLUMNS, row, strict=True))
        for row in engine_rows(connection, "invoice_id = ?", [invoice_id])
    ]
    vat = [
        {"rate": rate, "taxable": base, "vat": tax}
        for rate, base, tax in connection.execute(
            "SELECT vat_rate, taxable, vat FROM billing.invoice_vat WHERE invoice_id = ?"
            " ORDER BY vat_rate",
            [invoice_id],
        ).fetchall()
    ]
    return {"lines": lines, "vat": vat, "taxable": taxable, "vat_total": vat_total, "total": total}


def line_key(line: Mapping[str, Any]) -> tuple:
    tier = line["tier"]
    return (
        line["component"],
        line["band"],
        None if tier is None else int(tier),
        Decimal(str(line["vat_rate"])),
        # a price that changes within the period bills a line per price
        Decimal(str(line["unit_price"])),
    )


def assert_same_invoice(got: Mapping[str, Any], expected: Mapping[str, Any]) -> None:
    """Invoices in CASES.md's JSON shape agree: the same lines (keyed on component, band, tier,
    VAT rate and unit price; CASES.md lets a zero-amount line be left out), decimals compared
    as numbers, the same VAT summary when both sides have one, and the same totals."""
    got_lines = {line_key(line): line for line in got["lines"]}
    expected_lines = {line_key(line): line for line in expected["lines"]}
    assert len(got_lines) == len(got["lines"]), "two lines share a key"
    assert len(expected_lines) == len(expected["lines"]), "two expected lines share a key"
    for key in got_lines.keys() | expected_lines.keys():
        if key not in got_lines or key not in expected_lines:
            present = got_lines.get(key) or expected_lines[key]
            assert Decimal(str(present["amount"])) == 0, f"line {key} only on one side"
            continue
        for column in ("quantity", "unit_price", "amount"):
            got_value = Decimal(str(got_lines[key][column]))
            expected_value = Decimal(str(expected_lines[key][column]))
            assert got_value == expected_value, f"{key} {column}: {got_value} != {expected_value}"
    if "vat" in got and "vat" in expected:
        assert _vat_by_rate(got) == _vat_by_rate(expected)
    for column in ("taxable", "vat_total", "total"):
        assert Decimal(str(got[column])) == Decimal(str(expected[column])), column


def _vat_by_rate(invoice: Mapping[str, Any]) -> dict[Decimal, tuple[Decimal, Decimal]]:
    return {
        Decimal(str(v["rate"])): (Decimal(str(v["taxable"])), Decimal(str(v["vat"])))
        for v in invoice["vat"]
    }
