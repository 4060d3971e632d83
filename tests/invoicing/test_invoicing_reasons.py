"""Hold reasons are kept as templates and values, and read in each reader's language."""

from __future__ import annotations

from invoicing.checks import TEMPLATES
from invoicing.reasons import Reason, dump, load, shown

PDR = "00880000123456"  # a gas point: fourteen digits that must not read as a number


def test_a_kept_reason_reads_in_italian_and_english_with_their_numbers_and_dates() -> None:
    kept = dump(
        [
            Reason(
                TEMPLATES["consumption_out_of_range"],
                {
                    "point": PDR,
                    "quantity": "1200.500000",
                    "unit": "Smc",
                    "months": "12",
                    "lowest": "80.000000",
                    "highest": "310.250000",
                },
            ),
            Reason(TEMPLATES["negative_total"], {"total": "-1234.50"}),
            Reason(TEMPLATES["skipped_points"], {"point": PDR, "reason": "tariff_missing"}),
        ]
    )
    assert load(kept) is not None
    assert shown(kept, "it") == (
        f"consumo fuori intervallo: il punto di fornitura {PDR} ha consumato 1.200,5 Smc, negli"
        " ultimi 12 mesi da 80 a 310,25; totale negativo -1.234,50 senza un motivo di credito;"
        f" punto di fornitura {PDR} non valorizzato: manca una tariffa regolata"
    )
    assert shown(kept, "en") == (
        f"consumption out of range: supply point {PDR} used 1,200.5 Smc, its last 12 months 80"
        " to 310.25; negative total -1,234.50 without a credit reason;"
        f" supply point {PDR} not rated: a regulated tariff is missing"
    )


def test_a_persons_words_and_what_cannot_be_read_are_shown_as_they_are() -> None:
    assert shown("total looks odd, call the customer", "it") == (
        "total looks odd, call the customer"
    )
    assert shown("[not json", "en") == "[not json"
    assert shown(None, "it") == ""
    # a value that is not what its name says, or a code without a label, is kept, not lost
    odd = dump(
        [
            Reason(TEMPLATES["negative_total"], {"total": "n/a"}),
            Reason(TEMPLATES["skipped_points"], {"point": "P", "reason": "new_reason"}),
        ]
    )
    assert shown(odd, "en") == (
        "negative total n/a without a credit reason; supply point P not rated: new_reason"
    )


def test_months_and_days_follow_the_language() -> None:
    kept = dump(
        [Reason(TEMPLATES["period_not_contiguous"], {"month": "2025-03", "last_end": "2025-01-31"})]
    )
    assert shown(kept, "it") == (
        "periodo non contiguo: fatturazione di marzo 2025, l'ultimo periodo fatturato è finito il"
        " 31/01/25"
    )
    assert shown(kept, "en") == (
        "period not contiguous: billing March 2025, the last billed period ended 31/01/2025"
    )
