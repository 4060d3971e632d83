"""Italian and English for the documents: the gettext labels catalogue and locale formatting."""

from __future__ import annotations

from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from functools import cache
from io import BytesIO
from pathlib import Path

from babel import Locale, dates, numbers
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import Translations

from energia.settings import get_settings

LANGUAGES = ("it", "en")
# the territory fixes separators and date patterns; en_GB writes day-month like Italy does
LOCALES = {"it": "it_IT", "en": "en_GB"}
TEMPLATES_DIR = Path(__file__).parent / "templates"
DOMAIN = "documents"
# labels of coded values (components, groups, payment methods...) live in the catalogue under
# these gettext contexts, so an editor translates them beside the layout's labels
CONTEXTS = (
    "component",
    "group",
    "provenance",
    "payment_method",
    "commodity",
    "use",
    "offer_kind",
    "invoice_kind",
    "meter_type",
)


def language_or_default(language: str | None) -> str:
    """The language to write in: the customer's if supported, else the installation default."""
    if language in LANGUAGES:
        return language
    default = get_settings().default_locale
    return default if default in LANGUAGES else LANGUAGES[0]


def catalogue_path(language: str, templates_dir: Path = TEMPLATES_DIR) -> Path:
    return templates_dir / "locale" / language / "LC_MESSAGES" / f"{DOMAIN}.po"


@cache
def translations(language: str, templates_dir: Path = TEMPLATES_DIR) -> Translations:
    # the .po files are the only source: compiled in memory so no .mo is ever committed
    with catalogue_path(language, templates_dir).open("rb") as po:
        catalog = read_po(po, locale=language, domain=DOMAIN)
    mo = BytesIO()
    write_mo(mo, catalog)
    mo.seek(0)
    return Translations(mo, domain=DOMAIN)


@cache
def layout_labels(language: str, templates_dir: Path = TEMPLATES_DIR) -> dict[str, str]:
    """Every context-free label of the catalogue, English text -> `language`, for the template."""
    with catalogue_path(language, templates_dir).open("rb") as po:
        catalog = read_po(po, locale=language, domain=DOMAIN)
    return {
        m.id: (m.string or m.id)
        for m in catalog
        if m.id and m.context is None and isinstance(m.id, str) and not m.fuzzy
    }


# 10^-n for n decimals, built once: `number` is called a hundred times per invoice
_QUANTUM = tuple(Decimal(1).scaleb(-n) for n in range(13))


class Labels:
    """Labels and formatting for one language; built once per language and reused.

    Numbers are formatted from the locale's CLDR symbols and currency pattern, read once with
    Babel: calling Babel per value costs ~50 µs, and an invoice shows a few hundred values.
    """

    def __init__(self, language: str | None, templates_dir: Path = TEMPLATES_DIR) -> None:
        self.language = language_or_default(language)
        self.locale = Locale.parse(LOCALES[self.language])
        self.templates_dir = templates_dir
        self._translations = translations(self.language, templates_dir)
        symbols = str.maketrans(
            {
                ",": numbers.get_group_symbol(self.locale),
                ".": numbers.get_decimal_symbol(self.locale),
            }
        )
        self._symbols = symbols
        self._months: dict[tuple[date, bool], str] = {}
        currency = self.locale.currency_formats["standard"]
        sign = numbers.get_currency_symbol("EUR", self.locale)
        self._currency = [
            (prefix.replace("¤", sign), suffix.replace("¤", sign))
            for prefix, suffix in zip(currency.prefix, currency.suffix, strict=True)
        ]

    def __call__(self, message: str, **values: object) -> str:
        """`message` in this language; `{name}` placeholders are filled after translating."""
        text = self._translations.gettext(message)
        return text.format(**values) if values else text

    def coded(self, context: str, code: str | None) -> str:
        """The label of a coded value (`component`, `network_fixed`), or the code itself."""
        if code is None:
            return ""
        text = self._translations.pgettext(context, code)
        return code.replace("_", " ").capitalize() if text == code else text

    def layout(self) -> dict[str, str]:
        return layout_labels(self.language, self.templates_dir)

    def number(self, value: Decimal, decimals: int = 0, trim: bool = False) -> str:
        """Grouped, rounded half-up to `decimals`; `trim` drops trailing zeros (`1.646,593`)."""
        quantum = (
            _QUANTUM[decimals] if 0 <= decimals < len(_QUANTUM) else Decimal(1).scaleb(-decimals)
        )
        rounded = value.quantize(quantum, rounding=ROUND_HALF_UP)
        text = f"{rounded:,.{decimals}f}"
        if trim and decimals:
            text = text.rstrip("0").rstrip(".")
        return text.translate(self._symbols)

    def _currency_text(self, amount: Decimal, decimals: int) -> str:
        prefix, suffix = self._currency[1 if amount < 0 else 0]
        return prefix + self.number(abs(amount), decimals) + suffix

    def money(self, amount: Decimal) -> str:
        """`1.234,56 €` in Italian, `€1,234.56` in English."""
        return self._currency_text(amount, 2)

    def price(self, unit_price: Decimal) -> str:
        """A unit price keeps its 6 decimals: `0,130613 €`."""
        return self._currency_text(unit_price, 6)

    def percent(self, fraction: Decimal) -> str:
        """0.1000 -> `10%`, 0.0450 -> `4,5%`."""
        return self.number(fraction * 100, 2, trim=True) + "%"

    def date(self, day: date | None) -> str:
        """`31/03/2025` in both languages."""
        return "" if day is None else day.strftime("%d/%m/%Y")

    def period(self, start: date, end: date) -> str:
        return f"{self.date(start)} – {self.date(end)}"

    def month(self, month: date, wide: bool = False) -> str:
        """`mar 25` on the chart's axis, `marzo 2025` wide."""
        # a run's invoices chart the same months: Babel is asked once per month
        key = (month, wide)
        if key not in self._months:
            pattern = "LLLL yyyy" if wide else "LLL yy"
            self._months[key] = dates.format_date(month, pattern, locale=self.locale)
        return self._months[key]
