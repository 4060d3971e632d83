"""Hold reasons are kept as templates and values, and read in each reader's language."""

from __future__ import annotations

from invoicing.checks import TEMPLATES
from invoicing.reasons import SKIP_REASON_LABELS, Reason, dump, load, shown
from rating.engine import SKIP_REASONS

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
        " ultimi 12 mesi da 80 a 310,25; totale negativo -1.234,50 non giustificato da un"
        " conguaglio;"
        f" punto di fornitura {PDR} non valorizzato: manca una tariffa regolata"
    )
    assert shown(kept, "en") == (
        f"consumption out of range: supply point {PDR} used 1,200.5 Smc, its last 12 months 80"
        " to 310.25; negative total -1,234.50 without a credit reason;"
        f" supply point {PDR} not rated: a regulated tariff is missing"
    )


def test_money_keeps_two_decimals_and_quantities_drop_trailing_zeros() -> None:
    kept = dump(
        [
            Reason(
                TEMPLATES["total_out_of_range"],
                {
                    "total": "1500.00",
                    "invoices": "6",
                    "lowest_total": "80.00",
                    "highest_total": "95.5",
                },
            ),
            Reason(
                TEMPLATES["incomplete_intervals"],
                {"point": "P", "count": "2900", "expected": "2976"},
            ),
        ]
    )
    assert shown(kept, "it") == (
        "totale fuori intervallo: 1.500,00, le ultime 6 fatture del conto da 80,00 a 95,50;"
        " letture mancanti: il punto di fornitura P ha 2.900 intervalli su 2.976"
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
        "negative total n/a without a credit reason;"
        " supply point P not rated: held by the data quality checks new_reason"
    )
    assert shown("[]", "it") == "[]"
    # a reason kept before its template gained a value is still read, not a crash
    assert shown(dump([Reason(TEMPLATES["negative_total"])]), "it") == (
        "negative total {total} without a credit reason"
    )


def test_every_skip_reason_of_rating_has_a_label_and_quality_holds_name_their_checks() -> None:
    assert set(SKIP_REASONS) <= set(SKIP_REASON_LABELS)
    kept = dump([Reason(TEMPLATES["skipped_points"], {"point": "P", "reason": "gaps, spikes"})])
    assert shown(kept, "it") == (
        "punto di fornitura P non valorizzato: sospeso dai controlli di qualità dei dati"
        " gaps, spikes"
    )


def test_months_and_days_follow_the_language() -> None:
    kept = dump(
        [Reason(TEMPLATES["period_not_contiguous"], {"month": "2025-03", "last_end": "2025-01-31"})]
    )
    assert shown(kept, "it") == (
        "periodo non contiguo: fatturazione di marzo 2025, l'ultimo periodo fatturato terminava il"
        " 31/01/25"
    )
    assert shown(kept, "en") == (
        "period not contiguous: billing March 2025, the last billed period ended 31/01/2025"
    )
