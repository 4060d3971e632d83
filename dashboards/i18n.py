"""Italian and English for the dashboards: gettext catalogues read with Babel, locale formatting."""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal
from functools import cache
from io import BytesIO
from pathlib import Path

from babel import Locale, dates, numbers
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import Translations

from dashboards.snapshot import current_settings

LANGUAGES = ("it", "en")
# the territory fixes separators and date patterns; en_GB writes day-month like Italy does
LOCALES = {"it": "it_IT", "en": "en_GB"}
# to add a label, mark it with _() or N_(), then refresh both catalogues and translate the new
# entries (the tests fail while one is missing, empty or fuzzy):
#   pybabel extract -k _:2 -k N_ -o /tmp/messages.pot dashboards
#   pybabel update -i /tmp/messages.pot -d dashboards/locale
LOCALE_DIR = Path(__file__).parent / "locale"
DOMAIN = "messages"

# where the chosen language lives in the browser, read by the shell and by every page
LANGUAGE_STORE_ID = "app-language"


@cache
def _translations(language: str) -> Translations:
    # the .po files are the only source: compiled in memory so no .mo is ever committed
    path = LOCALE_DIR / language / "LC_MESSAGES" / f"{DOMAIN}.po"
    with path.open("rb") as po:
        catalog = read_po(po, locale=language, domain=DOMAIN)
    mo = BytesIO()
    write_mo(mo, catalog)
    mo.seek(0)
    return Translations(mo, domain=DOMAIN)


def language_or_default(language: str | None) -> str:
    """The language to render: the one asked for if supported, else the installation default."""
    if language in LANGUAGES:
        return language
    default = current_settings().default_locale
    return default if default in LANGUAGES else LANGUAGES[0]


def _(language: str | None, message: str, **values: object) -> str:
    """`message` in `language`; `{name}` placeholders are filled from `values` after translating."""
    text = _translations(language_or_default(language)).gettext(message)
    return text.format(**values) if values else text


def N_(message: str) -> str:
    """Mark `message` for the catalogues where it is defined; `_` translates it where shown."""
    return message


def locale_of(language: str | None) -> str:
    return LOCALES[language_or_default(language)]


def format_number(value: Decimal | float | int, language: str | None, decimals: int = 0) -> str:
    """Grouped, with exactly `decimals` digits: `1.234,500` in Italian."""
    pattern = "#,##0" + ("." + "0" * decimals if decimals else "")
    return numbers.format_decimal(value, format=pattern, locale=locale_of(language))


def format_percent(value: Decimal | float, language: str | None, decimals: int = 0) -> str:
    """`value` 0.125 -> `12,5%` in Italian."""
    pattern = "#,##0" + ("." + "0" * decimals if decimals else "") + "%"
    return numbers.format_percent(value, format=pattern, locale=locale_of(language))


def format_money(amount: Decimal, language: str | None, currency: str = "EUR") -> str:
    """`1.234,56 €` in Italian, `€1,234.56` in English."""
    return numbers.format_currency(amount, currency, locale=locale_of(language))


def format_month(month: date, language: str | None) -> str:
    """`marzo 2025` / `March 2025`."""
    return dates.format_skeleton("yMMMM", month, locale=locale_of(language))


def number_symbols(language: str | None) -> tuple[str, str]:
    """(decimal, group) separators, for formatting that happens in the browser."""
    locale = locale_of(language)
    return numbers.get_decimal_symbol(locale), numbers.get_group_symbol(locale)


def month_names(language: str | None, width: str = "wide") -> list[str]:
    """January first; stand-alone forms, as a month is shown without a day."""
    names = dates.get_month_names(width, context="stand-alone", locale=locale_of(language))
    return [names[m] for m in range(1, 13)]


def day_names(language: str | None, width: str = "wide") -> list[str]:
    """Sunday first, the order JavaScript and plotly use."""
    names = dates.get_day_names(width, context="stand-alone", locale=locale_of(language))
    # babel numbers days Monday=0 .. Sunday=6
    return [names[(d - 1) % 7] for d in range(7)]


# CLDR date fields -> d3/plotly time directives; stand-alone months (L) read like M here
_D3_DIRECTIVES = {
    "d": "%-d",
    "dd": "%d",
    "M": "%-m",
    "MM": "%m",
    "MMM": "%b",
    "MMMM": "%B",
    "y": "%Y",
    "yyyy": "%Y",
}


def d3_date_format(language: str | None, skeleton: str) -> str:
    """A CLDR skeleton as a d3 time format in `language`'s order: `yMMMd` -> `%-d %b %Y`."""
    pattern = Locale.parse(locale_of(language)).datetime_skeletons[skeleton].pattern
    return re.sub(r"d+|[ML]+|y+", lambda m: _D3_DIRECTIVES[m.group(0).replace("L", "M")], pattern)
