"""Both catalogues hold every label the code uses; numbers, dates and money follow the locale."""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

import dashboards
from dashboards.i18n import (
    LANGUAGES,
    LOCALE_DIR,
    _,
    d3_date_format,
    format_money,
    format_month,
    format_number,
    format_percent,
    language_or_default,
    month_names,
    number_symbols,
)

# how the code marks text: `_(language, "text")` translates, `N_("text")` marks for later
KEYWORDS = {"_": (2,), "N_": None}
PLACEHOLDER = re.compile(r"\{(\w+)\}")


def used_msgids() -> dict[str, str]:
    """msgid -> first place it is used, from the code of the dashboards package."""
    found: dict[str, str] = {}
    package = Path(dashboards.__file__).parent
    for filename, lineno, message, _comments, _context in extract_from_dir(
        package, method_map=[("**.py", "python")], keywords=KEYWORDS
    ):
        found.setdefault(message, f"{filename}:{lineno}")
    return found


def catalogue(language: str):
    with (LOCALE_DIR / language / "LC_MESSAGES" / "messages.po").open("rb") as po:
        return read_po(po, locale=language)


def test_the_code_marks_its_labels() -> None:
    used = used_msgids()
    assert {"Load curve", "Supply points", "No data published yet.", "Electricity"} <= set(used)


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_msgid_in_the_code_is_translated(language: str) -> None:
    used = used_msgids()
    messages = {m.id: m for m in catalogue(language) if m.id}
    missing = {msgid: where for msgid, where in used.items() if msgid not in messages}
    assert not missing, f"add to {language}/LC_MESSAGES/messages.po: {missing}"
    untranslated = [m.id for m in messages.values() if not m.string or m.fuzzy]
    assert not untranslated, f"empty or fuzzy in {language}: {untranslated}"
    unused = sorted(set(messages) - set(used))
    assert not unused, f"no longer used, remove from {language}: {unused}"
    for msgid, message in messages.items():
        assert PLACEHOLDER.findall(message.string) == PLACEHOLDER.findall(msgid), msgid


def test_translate_with_placeholders() -> None:
    assert _("it", "Load curve") == "Curva di carico"
    assert _("en", "Load curve") == "Load curve"
    assert _("it", "Totals for {month}", month="marzo 2025") == "Totali di marzo 2025"


def test_unknown_language_falls_back_to_the_default(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ENERGIA_DEFAULT_LOCALE", "en")
    assert language_or_default("de") == "en"
    assert language_or_default(None) == "en"
    assert _("xx", "Month") == "Month"
    monkeypatch.setenv("ENERGIA_DEFAULT_LOCALE", "it")
    assert _(None, "Month") == "Mese"


def test_money_numbers_and_months_per_locale() -> None:
    assert format_money(Decimal("1234.56"), "it") == "1.234,56\xa0€"
    assert format_money(Decimal("1234.56"), "en") == "€1,234.56"
    assert format_number(Decimal("1234.5"), "it", 3) == "1.234,500"
    assert format_number(1234, "en") == "1,234"
    assert format_percent(Decimal("0.125"), "it", 1) == "12,5%"
    assert format_month(date(2025, 3, 1), "it") == "marzo 2025"
    assert format_month(date(2025, 3, 1), "en") == "March 2025"
    assert number_symbols("it") == (",", ".")
    assert month_names("it")[0] == "gennaio"


def test_date_formats_for_the_browser_follow_the_locale() -> None:
    assert d3_date_format("it", "yMMMd") == "%-d %b %Y"
    assert d3_date_format("en", "yMMM") == "%b %Y"
