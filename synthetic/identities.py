"""Italian identifiers and places: codice fiscale, partita IVA, IBAN, SdI code, POD, PDR."""

from __future__ import annotations

import string
import unicodedata
from dataclasses import dataclass
from datetime import date

import numpy as np
from schwifty import IBAN
from stdnum import luhn
from stdnum.it import codicefiscale


@dataclass(frozen=True)
class Place:
    city: str
    province: str
    postcode: str
    altitude_m: int
    climate_zone: str
    cadastral_code: str  # the municipality's code inside a codice fiscale (codice catastale)


# real municipalities, so that postcode, province, altitude and climate zone agree;
# mostly the D and E climate zones, where most Italian gas is sold
PLACES = (
    Place("Roma", "RM", "00185", 20, "D", "H501"),
    Place("Milano", "MI", "20121", 122, "E", "F205"),
    Place("Torino", "TO", "10121", 239, "E", "L219"),
    Place("Napoli", "NA", "80121", 17, "C", "F839"),
    Place("Bologna", "BO", "40121", 54, "E", "A944"),
    Place("Firenze", "FI", "50121", 50, "D", "D612"),
    Place("Genova", "GE", "16121", 19, "D", "D969"),
    Place("Venezia", "VE", "30121", 1, "E", "L736"),
    Place("Verona", "VR", "37121", 59, "E", "L781"),
    Place("Padova", "PD", "35121", 12, "E", "G224"),
    Place("Bergamo", "BG", "24121", 249, "E", "A794"),
    Place("Brescia", "BS", "25121", 149, "E", "B157"),
    Place("Parma", "PR", "43121", 55, "E", "G337"),
    Place("Modena", "MO", "41121", 34, "E", "F257"),
    Place("Trento", "TN", "38121", 194, "E", "L378"),
    Place("Bolzano", "BZ", "39100", 262, "E", "A952"),
    Place("Perugia", "PG", "06121", 493, "E", "G478"),
    Place("Ancona", "AN", "60121", 16, "D", "A271"),
    Place("Pescara", "PE", "65121", 4, "D", "G482"),
    Place("Bari", "BA", "70121", 5, "C", "A662"),
    Place("Palermo", "PA", "90133", 14, "B", "G273"),
    Place("Cagliari", "CA", "09124", 4, "C", "B354"),
    Place("L'Aquila", "AQ", "67100", 714, "E", "A345"),
    Place("Cuneo", "CN", "12100", 534, "F", "D205"),
    Place("Belluno", "BL", "32100", 383, "F", "A757"),
    Place("Udine", "UD", "33100", 113, "E", "L483"),
    Place("Trieste", "TS", "34121", 2, "E", "L424"),
)

# ABI codes of real Italian banks: schwifty checks the bank code against its registry
BANK_CODES = ("03069", "02008", "05034", "01030", "05696", "06230", "03062", "08327", "05387")

_MONTH_LETTERS = "ABCDEHLMPRST"
_VOWELS = "AEIOU"


def ascii_letters(text: str) -> str:
    """Upper-case A-Z only: 'D'Angelo' -> 'DANGELO', 'Niccolò' -> 'NICCOLO'."""
    plain = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return "".join(c for c in plain.upper() if c in string.ascii_uppercase)


def slug(text: str) -> str:
    """Lower-case letters and digits, for e-mail local parts and domains."""
    plain = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().lower()
    return "".join(c for c in plain if c.isascii() and c.isalnum())


def _name_part(text: str, *, first_name: bool) -> str:
    letters = ascii_letters(text)
    consonants = "".join(c for c in letters if c not in _VOWELS)
    vowels = "".join(c for c in letters if c in _VOWELS)
    if first_name and len(consonants) >= 4:
        return consonants[0] + consonants[2] + consonants[3]
    return (consonants + vowels + "XXX")[:3]


def codice_fiscale(
    first_name: str, last_name: str, birth_date: date, female: bool, birthplace: Place
) -> str:
    """The person's codice fiscale, check character included (no omocodia substitutions)."""
    day = birth_date.day + (40 if female else 0)
    body = (
        _name_part(last_name, first_name=False)
        + _name_part(first_name, first_name=True)
        + f"{birth_date.year % 100:02d}{_MONTH_LETTERS[birth_date.month - 1]}{day:02d}"
        + birthplace.cadastral_code
    )
    return body + codicefiscale.calc_check_digit(body)


def partita_iva(rng: np.random.Generator) -> str:
    """7-digit company number, 3-digit provincial office (001-100), Luhn check digit."""
    body = f"{rng.integers(1, 10**7):07d}{rng.integers(1, 101):03d}"
    return body + luhn.calc_check_digit(body)


def iban(rng: np.random.Generator) -> str:
    """An Italian IBAN: schwifty computes the CIN and the IBAN check digits."""
    return str(
        IBAN.generate(
            "IT",
            bank_code=str(rng.choice(BANK_CODES)),
            branch_code=f"{rng.integers(1000, 100000):05d}",
            account_code=f"{rng.integers(10**12):012d}",
        )
    )


def sdi_code(rng: np.random.Generator) -> str:
    """A 7-character SdI recipient code (codice destinatario)."""
    alphabet = string.ascii_uppercase + string.digits
    return "".join(alphabet[i] for i in rng.integers(len(alphabet), size=7))


def pod_code_of(dso: str, number: int) -> str:
    """IT + the DSO's 3 digits + E + 8 digits."""
    return f"IT{dso}E{number:08d}"


def pod_code(dso: str, rng: np.random.Generator) -> str:
    return pod_code_of(dso, int(rng.integers(10**8)))


def pdr_code(dso: str, rng: np.random.Generator) -> str:
    """14 digits, led by the gas DSO's 3 digits as real PDRs lead with their DSO's code."""
    return f"{dso}{rng.integers(10**11):011d}"
