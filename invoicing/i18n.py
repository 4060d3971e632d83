"""Italian and English labels of invoicing documents: gettext catalogues read with Babel."""

from __future__ import annotations

from datetime import date
from functools import cache
from io import BytesIO
from pathlib import Path

from babel import dates
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import Translations

from energia.settings import get_settings

LANGUAGES = ("it", "en")
# the Babel locale each language writes numbers, money and dates in
LOCALES = {"it": "it_IT", "en": "en_GB"}
# to add a label, mark it with _() or N_(), then refresh both catalogues and translate:
#   pybabel extract -k _:2 -k N_ -o /tmp/invoicing.pot invoicing
#   pybabel update -i /tmp/invoicing.pot -d invoicing/locale
LOCALE_DIR = Path(__file__).parent / "locale"
DOMAIN = "messages"


@cache
def _translations(language: str) -> Translations:
    # the .po files are the only source: compiled in memory so no .mo is ever committed
    with (LOCALE_DIR / language / "LC_MESSAGES" / f"{DOMAIN}.po").open("rb") as po:
        catalog = read_po(po, locale=language, domain=DOMAIN)
    mo = BytesIO()
    write_mo(mo, catalog)
    mo.seek(0)
    return Translations(mo, domain=DOMAIN)


def language_or_default(language: str | None) -> str:
    if language in LANGUAGES:
        return language
    default = get_settings().default_locale
    return default if default in LANGUAGES else LANGUAGES[0]


def _(language: str | None, message: str) -> str:
    """`message` in `language` (the installation's default when unknown)."""
    return _translations(language_or_default(language)).gettext(message)


def short_date(day: date | None, language: str) -> str:
    """`31/03/25` in Italian, `31/03/2025` in English; empty for no date."""
    return "" if day is None else dates.format_date(day, "short", locale=LOCALES[language])


def N_(message: str) -> str:  # noqa: N802 - the gettext convention
    """Mark `message` for the catalogues where it is defined; `_` translates it where shown."""
    return message


class TranslatableError(Exception):
    """An error whose message is an English template marked for the catalogues, filled with
    `params`: `str()` is the English text, `in_language` the text a tool shows its user."""

    def __init__(self, template: str, **params: object) -> None:
        super().__init__(template.format(**params))
        self.template = template
        self.params = params

    def in_language(self, language: str | None) -> str:
        return _(language, self.template).format(**self.params)

    def __reduce__(self):
        # rebuilt from the template, not from the message it was filled into
        return _rebuild, (type(self), self.template, self.params)


def _rebuild(kind: type[TranslatableError], template: str, params: dict) -> TranslatableError:
    return kind(template, **params)
