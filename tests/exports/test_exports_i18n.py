"""Both catalogues hold every label the documents use; money reads as Babel writes it."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest
from babel.messages.extract import extract_python
from babel.messages.pofile import read_po
from babel.numbers import format_currency

from exports.i18n import CONTEXTS, LANGUAGES, LOCALES, TEMPLATES_DIR, Labels, catalogue_path
from exports.pdf import SUMMARY_GROUPS
from rating.rules import COMPONENT_GROUPS, LINE_GROUPS, METERS, PROVENANCES, USES

EXPORTS_DIR = TEMPLATES_DIR.parent
CODES = {
    "component": set(COMPONENT_GROUPS) | {"tv_licence"},
    "group": set(LINE_GROUPS),
    "provenance": set(PROVENANCES),
    "payment_method": {"SDD", "BANK_TRANSFER", "POSTAL_SLIP"},
    "commodity": {"ELE", "GAS"},
    "use": set(USES),
    "offer_kind": {"fixed", "indexed"},
    "invoice_kind": {"regular", "acconto", "conguaglio", "credit_note", "correction"},
    "meter_type": set(METERS),
}


def test_every_context_lists_its_codes():
    assert set(CODES) == set(CONTEXTS)


def used_labels() -> set[str]:
    found = set(
        re.findall(r'\bt\("((?:[^"\\]|\\.)*)"\)', (TEMPLATES_DIR / "invoice.typ").read_text())
    )
    for source in EXPORTS_DIR.glob("*.py"):
        with source.open("rb") as handle:
            for _, _, message, _ in extract_python(handle, {"labels": (1,)}, [], {}):
                text = message[0] if isinstance(message, tuple) else message
                if isinstance(text, str) and text:
                    found.add(text)
    return found | {label for label, _ in SUMMARY_GROUPS}


@pytest.mark.parametrize("language", LANGUAGES)
def test_catalogue_translates_every_label_and_code(language):
    with catalogue_path(language).open("rb") as po:
        catalog = read_po(po, locale=language)
    translated = {(m.context, m.id) for m in catalog if m.id and m.string and not m.fuzzy}
    missing = sorted(label for label in used_labels() if (None, label) not in translated)
    assert not missing, f"{language}: no translation for {missing}"
    missing_codes = sorted(
        f"{context}:{code}"
        for context, codes in CODES.items()
        for code in codes
        if (context, code) not in translated
    )
    assert not missing_codes, f"{language}: no label for {missing_codes}"


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize(
    "amount", ["0.00", "0.05", "-0.50", "9.99", "1234.56", "-1234567.89", "1000000.00"]
)
def test_money_reads_as_babel_writes_it(language, amount):
    value = Decimal(amount)
    assert Labels(language).money(value) == format_currency(value, "EUR", locale=LOCALES[language])


def test_numbers_round_half_up_and_trim():
    labels = Labels("it")
    assert labels.number(Decimal("1646.5925"), 3) == "1.646,593"
    assert labels.number(Decimal("1646.5000"), 3, trim=True) == "1.646,5"
    assert labels.number(Decimal("1646"), 3, trim=True) == "1.646"
    assert labels.percent(Decimal("0.1000")) == "10%"
    assert Labels("en").percent(Decimal("0.0450")) == "4.5%"
    assert labels.price(Decimal("0.130613")) == "0,130613\xa0€"


def test_unknown_language_falls_back_to_the_default():
    assert Labels("fr").language in LANGUAGES
    assert Labels(None).language in LANGUAGES
