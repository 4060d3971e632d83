"""Billing cases: read a case YAML, check it, price it and print the invoice JSON (CASES.md).

Beyond CASES.md, an indexed offer may give the market instead of `index_price`, so that the
case computes the index price by the engine's rule (rules.pun_index_price, psv_index_price):

    offer:
      kind: indexed
      index: PUN
      spread: 0.015
      fee_month: 9.90
      index_market:                  # PUN: the period's hours, in €/MWh, with their band
        hours:
          - {band: F1, price_eur_mwh: 132.45, kwh: 1.25}   # kwh: interval meters only
          - {band: F2, price_eur_mwh: 121.78, kwh: 0.5}
    # PSV: index_market: {pcs_mwh_per_smc: 0.010570, days: [{price_eur_mwh: 36.2}, ...]}

An interval meter (`supply_point.meter: interval`) weights each band's hours by their kWh;
a register meter takes the plain mean of the band's hours.

A regulated price that changes within the period (an untiered component priced per day or
per unit) gives its parts instead of `unit_price`; each part prices its days (per year: the
part's year share; per unit: the quantity cut pro rata to its days, rules.Tariff):

    - component: network_energy
      basis: per_kwh
      changes:
        - {from: 2025-03-01, to: 2025-03-14, unit_price: 0.0106}
        - {from: 2025-03-15, to: 2025-03-31, unit_price: 0.0121}

A period may also be part of one month (a supply that starts or ends within it): the parts
per year take its days, the parts per month its share of the month (rules.Period.month_share).
A month under two contract versions (an offer change on the 15th) is two such cases, one per
offer, each with its own days and consumption; the month's bill is their lines together with
VAT on the sum (rules.contract_versions_lines), as the engine prices it.
"""

from __future__ import annotations

import calendar
import json
import sys
from collections.abc import Collection, Sequence
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

import yaml

from rating.rules import (
    ALL_BANDS,
    COMMODITIES,
    ELECTRICITY_BANDS,
    ELECTRICITY_TARIFFS,
    EXCISE_EXEMPTION_MAX_POWER_KW,
    GAS_TARIFFS,
    GAS_TIERED_TARIFFS,
    INDEX_OF,
    METERS,
    OFFER_KINDS,
    USES,
    VOLTAGES,
    Case,
    Excise,
    Invoice,
    MarketPrice,
    Offer,
    Period,
    SupplyPoint,
    Tariff,
    Taxes,
    Tier,
    price,
    psv_index_price,
    pun_index_price,
)

USAGE = "usage: python -m rating.case FILE.yaml"


class CaseError(ValueError):
    """A malformed case; the message starts with the field at fault."""

    def __init__(self, where: str, problem: str) -> None:
        super().__init__(f"{where}: {problem}")


class _DecimalLoader(yaml.SafeLoader):
    """A YAML loader that reads every number as an exact Decimal, never a float."""


def _construct_decimal(loader: yaml.SafeLoader, node: yaml.ScalarNode) -> Decimal | str:
    text = loader.construct_scalar(node)
    try:
        number = Decimal(text.replace("_", ""))
    except InvalidOperation:
        number = Decimal("NaN")
    # not a finite decimal (0x1A, .inf): keep the text, so the field that reads it names itself
    return number if number.is_finite() else text


_DecimalLoader.add_constructor("tag:yaml.org,2002:float", _construct_decimal)
_DecimalLoader.add_constructor("tag:yaml.org,2002:int", _construct_decimal)


class _Field:
    """A value read from the case, with the path that names it in error messages."""

    def __init__(self, value: Any, path: str) -> None:
        self.value = value
        self.path = path

    def error(self, problem: str) -> CaseError:
        return CaseError(self.path or "case", problem)

    def child(self, key: str | int) -> str:
        if isinstance(key, int):
            return f"{self.path}[{key}]"
        return f"{self.path}.{key}" if self.path else key

    def mapping(
        self, required: Collection[str] = (), optional: Collection[str] = ()
    ) -> dict[str, _Field]:
        if not isinstance(self.value, dict):
            raise self.error("expected a mapping")
        for key in required:
            if key not in self.value:
                raise CaseError(self.child(key), "missing")
        for key in self.value:
            if key not in required and key not in optional:
                expected = ", ".join([*required, *optional])
                raise CaseError(self.child(str(key)), f"unknown field (expected: {expected})")
        return {key: _Field(value, self.child(key)) for key, value in self.value.items()}

    def sequence(self) -> list[_Field]:
        if not isinstance(self.value, list):
            raise self.error("expected a list")
        return [_Field(value, self.child(index)) for index, value in enumerate(self.value)]

    def decimal(
        self, minimum: Decimal | None = Decimal(0), below: Decimal | None = None
    ) -> Decimal:
        value = self.value
        # a quoted number is still an exact decimal
        if isinstance(value, str):
            try:
                value = Decimal(value.strip())
            except InvalidOperation:
                raise self.error(f"expected a number, got {self.value!r}") from None
        if not isinstance(value, Decimal) or not value.is_finite():
            raise self.error(f"expected a number, got {self.value!r}")
        if minimum is not None and value < minimum:
            raise self.error(f"must be at least {minimum}, got {value}")
        if below is not None and value >= below:
            raise self.error(f"must be below {below}, got {value}")
        return value

    def choice(self, options: Sequence[str]) -> str:
        if self.value not in options:
            raise self.error(f"expected one of {', '.join(options)}, got {self.value!r}")
        return self.value

    def date(self) -> date:
        if isinstance(self.value, date) and not isinstance(self.value, datetime):
            return self.value
        try:
            return date.fromisoformat(str(self.value))
        except ValueError:
            raise self.error(f"expected a date YYYY-MM-DD, got {self.value!r}") from None

    def text(self) -> str:
        if not isinstance(self.value, str):
            raise self.error(f"expected text, got {self.value!r}")
        return self.value


def load_case(path: Path) -> Case:
    """Read and check a case file; raises CaseError naming the field at fault."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise CaseError("file", f"cannot be read ({error.__class__.__name__}: {error})") from None
    try:
        # a SafeLoader: builds plain data only, never arbitrary objects
        document = yaml.load(text, Loader=_DecimalLoader)
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        where = f"line {mark.line + 1}, column {mark.column + 1}" if mark else "YAML"
        raise CaseError(where, f"{error.problem or error.context}") from None
    except yaml.YAMLError as error:
        raise CaseError("YAML", str(error)) from None
    return parse_case(document)


def parse_case(document: Any) -> Case:
    """Check a loaded case document (numbers already Decimal) and build the Case."""
    fields = _Field(document, "").mapping(
        required=("period", "supply_point", "offer", "consumption", "tariffs", "taxes"),
        optional=("name",),
    )
    name = fields["name"].text() if "name" in fields else ""
    period = _period(fields["period"])
    point = _supply_point(fields["supply_point"])
    consumption = _consumption(fields["consumption"], point.commodity)
    offer = _offer(fields["offer"], point, consumption)
    tariffs = _tariffs(fields["tariffs"], point.commodity, period)
    taxes = _taxes(fields["taxes"], point)
    return Case(period, point, offer, consumption, tariffs, taxes, name)


def _period(node: _Field) -> Period:
    fields = node.mapping(required=("from", "to"))
    start, end = fields["from"].date(), fields["to"].date()
    if end < start:
        raise fields["to"].error(f"must not be before period.from ({start})")
    # a supply that starts or ends within a month is billed for its days of that one month
    within_a_month = (start.year, start.month) == (end.year, end.month)
    if start.day != 1 and not within_a_month:
        raise fields["from"].error(f"must be the first day of a month, got {start}")
    if end.day != calendar.monthrange(end.year, end.month)[1] and not within_a_month:
        raise fields["to"].error(f"must be the last day of a month, got {end}")
    return Period(start, end)


def _supply_point(node: _Field) -> SupplyPoint:
    commodity = node.mapping(
        required=("commodity",), optional=("use", "voltage", "power_kw", "meter")
    )["commodity"]
    commodity = commodity.choice(COMMODITIES)
    if commodity == "ELE":
        fields = node.mapping(
            required=("commodity", "use", "voltage", "power_kw"), optional=("meter",)
        )
        voltage = fields["voltage"].choice(VOLTAGES)
        power_kw = fields["power_kw"].decimal()
    else:
        fields = node.mapping(required=("commodity", "use"), optional=("meter",))
        voltage = power_kw = None
    meter = fields["meter"].choice(METERS) if "meter" in fields else None
    return SupplyPoint(commodity, fields["use"].choice(USES), voltage, power_kw, meter)


def _consumption(node: _Field, commodity: str) -> dict[str, Decimal]:
    # electricity without band readings comes as one quantity under ALL
    unbanded = isinstance(node.value, dict) and ALL_BANDS in node.value
    if commodity == "GAS" or unbanded:
        fields = node.mapping(required=(ALL_BANDS,))
    else:
        fields = node.mapping(optional=ELECTRICITY_BANDS)
        if not fields:
            raise node.error(f"expected the bands {', '.join(ELECTRICITY_BANDS)} or {ALL_BANDS}")
    return {band: field.decimal() for band, field in fields.items()}


def _offer(node: _Field, point: SupplyPoint, consumption: dict[str, Decimal]) -> Offer:
    commodity = point.commodity
    kind = node.mapping(
        required=("kind",),
        optional=("energy_price", "index", "index_price", "index_market", "spread", "fee_month"),
    )["kind"]
    kind = kind.choice(OFFER_KINDS)
    if kind == "fixed":
        fields = node.mapping(required=("kind", "energy_price", "fee_month"))
        energy_price = _band_prices(fields["energy_price"], commodity, consumption, Decimal(0))
        return Offer(kind, fields["fee_month"].decimal(), energy_price=energy_price)
    given = "index_market" if isinstance(node.value, dict) and "index_market" in node.value else ""
    fields = node.mapping(required=("kind", "index", given or "index_price", "spread", "fee_month"))
    index = fields["index"].choice((INDEX_OF[commodity],))
    market: tuple[MarketPrice, ...] = ()
    pcs = None
    if given:
        market, pcs, index_price = _index_market(fields["index_market"], point, consumption)
    else:
        # a wholesale index can go below zero; so can a discount spread
        index_price = _band_prices(fields["index_price"], commodity, consumption, None)
    return Offer(
        kind,
        fields["fee_month"].decimal(),
        index=index,
        index_price=index_price,
        spread=fields["spread"].decimal(minimum=None),
        market=market,
        pcs_mwh_per_smc=pcs,
    )


def _index_market(
    node: _Field, point: SupplyPoint, consumption: dict[str, Decimal]
) -> tuple[tuple[MarketPrice, ...], Decimal | None, dict[str, Decimal]]:
    """The market prices of an indexed offer and the index price per band they give."""
    if point.commodity == "GAS":
        fields = node.mapping(required=("pcs_mwh_per_smc", "days"))
        pcs = fields["pcs_mwh_per_smc"].decimal(minimum=Decimal("0.000001"))
        days = fields["days"].sequence()
        if not days:
            raise fields["days"].error("expected at least one day")
        market = tuple(
            MarketPrice(day.mapping(required=("price_eur_mwh",))["price_eur_mwh"].decimal(None))
            for day in days
        )
        return market, pcs, {ALL_BANDS: psv_index_price(market, pcs)}
    if point.meter is None:
        raise CaseError("supply_point.meter", "missing (index_market weights by meter type)")
    weighted = point.meter == "interval"
    hours_field = node.mapping(required=("hours",))["hours"]
    required = ("band", "price_eur_mwh", "kwh") if weighted else ("band", "price_eur_mwh")
    hours = []
    for hour in hours_field.sequence():
        hour_fields = hour.mapping(required=required)
        hours.append(
            MarketPrice(
                hour_fields["price_eur_mwh"].decimal(minimum=None),
                hour_fields["band"].choice(ELECTRICITY_BANDS),
                hour_fields["kwh"].decimal() if weighted else None,
            )
        )
    present = {hour.band for hour in hours} | ({ALL_BANDS} if hours else set())
    for band in consumption:
        if band not in present:
            raise hours_field.error(f"no hour of band {band} (consumption has {band})")
    return tuple(hours), None, pun_index_price(hours, consumption, weighted)


def _band_prices(
    node: _Field, commodity: str, consumption: dict[str, Decimal], minimum: Decimal | None
) -> dict[str, Decimal]:
    bands = (ALL_BANDS,) if commodity == "GAS" else (*ELECTRICITY_BANDS, ALL_BANDS)
    fields = node.mapping(optional=bands)
    for band in consumption:
        if band not in fields and ALL_BANDS not in fields:
            raise CaseError(node.child(band), f"missing (consumption has {band})")
    return {band: field.decimal(minimum=minimum) for band, field in fields.items()}


def _changes(node: _Field, period: Period) -> tuple[tuple[Period, Decimal], ...]:
    """A price that changes within the period: its parts, in date order, day after day from
    the period's first day to its last."""
    items = node.sequence()
    if not items:
        raise node.error("expected at least one part")
    changes = []
    expected = period.start
    for item in items:
        fields = item.mapping(required=("from", "to", "unit_price"))
        start, end = fields["from"].date(), fields["to"].date()
        if start != expected:
            raise fields["from"].error(f"must be {expected} (parts cover the period day by day)")
        if end < start or end > period.end:
            raise fields["to"].error(f"must be from {start} to {period.end}, got {end}")
        changes.append((Period(start, end), fields["unit_price"].decimal(minimum=None)))
        expected = date.fromordinal(end.toordinal() + 1)
    if changes[-1][0].end != period.end:
        raise CaseError(items[-1].child("to"), f"the last part must end on {period.end}")
    return tuple(changes)


def _tariffs(node: _Field, commodity: str, period: Period) -> dict[str, Tariff]:
    basis_of = ELECTRICITY_TARIFFS if commodity == "ELE" else GAS_TARIFFS
    tariffs: dict[str, Tariff] = {}
    for item in node.sequence():
        component_field = item.mapping(
            required=("component",), optional=("basis", "unit_price", "rate", "tiers", "changes")
        )["component"]
        component = component_field.choice(tuple(basis_of))
        if component in tariffs:
            raise component_field.error(f"{component} is given twice")
        basis = basis_of[component]
        if basis == "percent":
            value_key = "rate"
        elif commodity == "GAS" and component in GAS_TIERED_TARIFFS:
            value_key = "tiers"
        elif isinstance(item.value, dict) and "changes" in item.value:
            value_key = "changes"
        else:
            value_key = "unit_price"
        fields = item.mapping(required=("component", "basis", value_key))
        if fields["basis"].value != basis:
            raise fields["basis"].error(
                f"{component} is priced {basis}, got {fields['basis'].value!r}"
            )
        if value_key == "tiers":
            tariffs[component] = Tariff(
                component, basis, tiers=_tiers(fields["tiers"], "to_smc_year", "unit_price")
            )
        elif value_key == "changes":
            changes = _changes(fields["changes"], period)
            tariffs[component] = Tariff(component, basis, changes=changes)
        elif value_key == "rate":
            rate = fields["rate"].decimal(below=Decimal(1))
            tariffs[component] = Tariff(component, basis, unit_price=rate)
        else:
            # regulated charges can be negative (a refund component)
            unit_price = fields["unit_price"].decimal(minimum=None)
            tariffs[component] = Tariff(component, basis, unit_price=unit_price)
    if commodity == "ELE" and "losses" not in tariffs:
        raise node.error("missing the losses component (required for ELE)")
    return tariffs


def _tiers(
    node: _Field, bound_key: str, value_key: str, minimum: Decimal | None = None
) -> tuple[Tier, ...]:
    items = node.sequence()
    if not items:
        raise node.error("expected at least one tier")
    tiers = []
    previous = Decimal(0)
    for position, item in enumerate(items):
        last = position == len(items) - 1
        if last:
            if isinstance(item.value, dict) and bound_key in item.value:
                raise CaseError(item.child(bound_key), "the last tier has no upper bound")
            fields = item.mapping(required=(value_key,))
            upper = None
        else:
            fields = item.mapping(required=(bound_key, value_key))
            upper = fields[bound_key].decimal()
            if upper <= previous:
                raise fields[bound_key].error(f"must be above the previous tier's {previous}")
            previous = upper
        tiers.append(Tier(upper, fields[value_key].decimal(minimum=minimum)))
    return tuple(tiers)


def _taxes(node: _Field, point: SupplyPoint) -> Taxes:
    if point.commodity == "ELE":
        fields = node.mapping(required=("vat_rate", "excise"))
    elif point.use == "non_domestic":
        fields = node.mapping(
            required=("vat_rate", "excise"),
            optional=("vat_reduced_rate", "vat_reduced_smc_year", "regional_surcharge"),
        )
    else:
        fields = node.mapping(
            required=("vat_rate", "vat_reduced_rate", "vat_reduced_smc_year", "excise"),
            optional=("regional_surcharge",),
        )

    def rate(key: str) -> Decimal | None:
        return fields[key].decimal(below=Decimal(1)) if key in fields else None

    if "regional_surcharge" in fields:
        surcharge_fields = fields["regional_surcharge"].mapping(required=("tiers",))
        surcharge = _tiers(surcharge_fields["tiers"], "to_smc_year", "rate", minimum=Decimal(0))
    else:
        surcharge = ()
    return Taxes(
        vat_rate=rate("vat_rate"),
        excise=_excise(fields["excise"], point),
        vat_reduced_rate=rate("vat_reduced_rate"),
        vat_reduced_smc_year=(
            fields["vat_reduced_smc_year"].decimal() if "vat_reduced_smc_year" in fields else None
        ),
        regional_surcharge=surcharge,
    )


def _excise(node: _Field, point: SupplyPoint) -> Excise:
    if point.commodity == "GAS":
        tiers = node.mapping(required=("tiers",))["tiers"]
        return Excise(tiers=_tiers(tiers, "to_smc_year", "rate", minimum=Decimal(0)))
    if point.use == "non_domestic":
        tiers = node.mapping(required=("tiers",))["tiers"]
        return Excise(tiers=_tiers(tiers, "to_kwh_month", "rate", minimum=Decimal(0)))
    if point.use == "domestic_resident" and point.power_kw <= EXCISE_EXEMPTION_MAX_POWER_KW:
        fields = node.mapping(required=("rate", "exempt_kwh_month"))
    else:
        fields = node.mapping(required=("rate",), optional=("exempt_kwh_month",))
    exempt_kwh_month = (
        fields["exempt_kwh_month"].decimal() if "exempt_kwh_month" in fields else None
    )
    return Excise(rate=fields["rate"].decimal(), exempt_kwh_month=exempt_kwh_month)


def invoice_json(invoice: Invoice) -> dict[str, Any]:
    """The invoice in CASES.md's output format: decimals as strings."""
    return {
        "lines": [
            {
                "component": line.component,
                "group": line.group,
                "band": line.band,
                "tier": line.tier,
                "quantity": _text(line.quantity),
                "unit_price": _text(line.unit_price),
                "amount": _text(line.amount),
                "vat_rate": _text(line.vat_rate),
            }
            for line in invoice.lines
        ],
        "vat": [
            {
                "rate": _text(summary.rate),
                "taxable": _text(summary.taxable),
                "vat": _text(summary.vat),
            }
            for summary in invoice.vat
        ],
        "taxable": _text(invoice.taxable),
        "vat_total": _text(invoice.vat_total),
        "total": _text(invoice.total),
    }


def _text(number: Decimal) -> str:
    return format(number, "f")


def main(argv: Sequence[str] | None = None) -> int:
    arguments = sys.argv[1:] if argv is None else list(argv)
    if len(arguments) != 1:
        print(USAGE, file=sys.stderr)
        return 2
    path = Path(arguments[0])
    try:
        case = load_case(path)
    except CaseError as error:
        print(f"{path}: {error}", file=sys.stderr)
        return 2
    print(json.dumps(invoice_json(price(case)), indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
