"""Why an invoice is on hold, kept as English templates with their values, so that each reader
(the operator tool, the pre-invoice workbook) shows the reason in its own language.

The warehouse keeps `hold_reason` as text: a JSON list of `{"template", "values"}` when the
checks wrote it, or a person's own words when an operator held the invoice by hand (shown as
they were written). Values are kept as text, as the warehouse writes them (`1200.000000`,
`2025-01-31`); how one is shown follows its name (`VALUE_KINDS`), never its look: a gas PDR
is fourteen digits and must not read as a number.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from babel import dates, numbers

from invoicing.i18n import LOCALES, N_, _, language_or_default, short_date

MONEY, NUMBER, DAY, MONTH, SKIP_REASON = "money", "number", "day", "month", "skip_reason"
# how the values the checks name are shown; any other value is shown as it is
VALUE_KINDS = {
    "quantity": NUMBER,
    "lowest": NUMBER,
    "highest": NUMBER,
    "total": MONEY,
    "lowest_total": MONEY,
    "highest_total": MONEY,
    "count": NUMBER,
    "expected": NUMBER,
    "months": NUMBER,
    "invoices": NUMBER,
    "original_total": MONEY,
    "last_end": DAY,
    "first": DAY,
    "last": DAY,
    "due": DAY,
    "issue_date": DAY,
    "month": MONTH,
    "reason": SKIP_REASON,
}

# the labels of rating's skip reasons (rating.engine.SKIP_REASONS) as a hold reason shows them
SKIP_REASON_LABELS = {
    "period_already_invoiced": N_("the period is already invoiced"),
    "supply_point_not_in_registry": N_("the supply point is not in the registry"),
    "billing_account_missing": N_("no billing account"),
    "several_billing_accounts": N_("several billing accounts"),
    "commodity_mismatch": N_("the commodity does not match"),
    "supply_point_data_missing": N_("supply point data missing"),
    "offer_missing": N_("no offer"),
    "offer_commodity_mismatch": N_("the offer is for the other commodity"),
    "offer_kind_unknown": N_("unknown kind of offer"),
    "offer_index_mismatch": N_("the offer's index is not the commodity's"),
    "determinant_period_invalid": N_("consumption period not valid"),
    "offer_not_valid_for_whole_period": N_("the offer is not valid for the whole period"),
    "determinant_band_invalid": N_("band not valid"),
    "determinant_quantity_negative": N_("negative consumption"),
    "offer_price_missing": N_("an offer price is missing"),
    "tariff_missing": N_("a regulated tariff is missing"),
    "losses_tariff_missing": N_("the losses factor is missing"),
    "tariff_not_valid_for_whole_period": N_("a tariff is not valid for the whole period"),
    "tax_not_valid_for_whole_period": N_("a tax is not valid for the whole period"),
    "vat_rate_missing": N_("no VAT rate"),
    "excise_missing": N_("no excise rate"),
    "pcs_missing": N_("the gas's higher calorific value (PCS) is missing"),
    "market_price_missing": N_("a market price is missing"),
}
# a skip reason that is none of those is the data-quality checks that held the point
QUALITY_HOLD = N_("held by the data quality checks {checks}")


@dataclass(frozen=True)
class Reason:
    """One reason: an English `template` marked for the catalogues, and the values it names."""

    template: str
    values: dict[str, str] = field(default_factory=dict)

    def in_language(self, language: str | None) -> str:
        language = language_or_default(language)
        shown = {name: _shown(name, value, language) for name, value in self.values.items()}
        try:
            return _(language, self.template).format(**shown)
        except (KeyError, IndexError, ValueError):
            # a reason kept before its template changed: its words and values, never a crash
            values = ", ".join(f"{name}={value}" for name, value in self.values.items())
            return f"{self.template} ({values})" if values else self.template

    def __str__(self) -> str:
        return self.in_language("en")


def dump(reasons: Sequence[Reason]) -> str:
    """The text kept in `hold_reason`."""
    return json.dumps(
        [{"template": r.template, "values": r.values} for r in reasons], ensure_ascii=False
    )


def load(stored: str | None) -> list[Reason] | None:
    """The reasons kept in `stored`, or None when it is a person's own words."""
    if not stored or not stored.startswith("["):
        return None
    try:
        items = json.loads(stored)
    except json.JSONDecodeError:
        return None
    if (
        not isinstance(items, list)
        or not items
        or not all(isinstance(i, dict) and isinstance(i.get("template"), str) for i in items)
    ):
        return None
    return [
        Reason(i["template"], {k: str(v) for k, v in (i.get("values") or {}).items()})
        for i in items
    ]


def shown(stored: str | None, language: str | None) -> str:
    """`hold_reason` as its reader should see it: translated, or as a person wrote it."""
    reasons = load(stored)
    if reasons is None:
        return stored or ""
    return "; ".join(r.in_language(language) for r in reasons)


def _shown(name: str, value: str, language: str) -> str:
    locale = LOCALES[language]
    kind = VALUE_KINDS.get(name)
    try:
        if kind == MONEY:
            return numbers.format_decimal(Decimal(value), format="#,##0.00", locale=locale)
        if kind == NUMBER:  # trailing zeros dropped: 1200.000000 is 1.200
            return numbers.format_decimal(Decimal(value), format="#,##0.######", locale=locale)
        if kind == DAY:
            return short_date(date.fromisoformat(value), language)
        if kind == MONTH:
            month = date.fromisoformat(value + "-01")
            return dates.format_date(month, "LLLL yyyy", locale=locale)
    except (ArithmeticError, ValueError):
        return value  # kept as the warehouse wrote it rather than lost
    if kind == SKIP_REASON:
        if value in SKIP_REASON_LABELS:
            return _(language, SKIP_REASON_LABELS[value])
        return _(language, QUALITY_HOLD).format(checks=value)
    return value
