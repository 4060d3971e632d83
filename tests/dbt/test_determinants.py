"""The billing determinants, market prices and supply point history built from the raw sample.

Every expected figure is computed here from the sample's readings with domain_reference, an
independent reading of DOMAIN.md §4 in Python (weights, rounding, the coefficient C).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from decimal import Decimal

import domain_reference as ref
import pytest
from raw_fixture import (
    GAS_PDR,
    HOLIDAYS_2025,
    INTERVAL_POD,
    OFFER_CHANGE_DAY,
    REGISTER_POD,
    REPLACED_POD,
    REPLACED_READINGS,
    REPLACEMENT_DAY,
    ROLLOVER_PDR,
    ROLLOVER_READINGS,
    ROLLOVER_SELF_READING,
    SAMPLE_AUTUMN_DAY,
    SAMPLE_CURVE_DAYS,
    SAMPLE_CURVE_KWH,
    SAMPLE_MARCH_BAND_INTERVALS,
    SAMPLE_MARCH_BAND_KWH,
    SAMPLE_REGISTER_FORECAST,
    SELF_READINGS,
)

pytestmark = pytest.mark.slow

D = dt.date
COLUMNS = (
    "billing_month, period_start, period_end, band, quantity, unit, quantity_m3, "
    "conversion_coefficient, provenance, is_true_up"
)


def _determinants(con, point: str) -> list[dict]:
    names = [c.strip() for c in COLUMNS.split(",")]
    rows = con.execute(
        f"select {COLUMNS} from reports.rpt_billing_determinants where supply_point_id = ? "
        "order by billing_month, is_true_up desc, period_start, band",
        [point],
    ).fetchall()
    return [dict(zip(names, row, strict=True)) for row in rows]


def _gas_row(billing_month, first, last, m3, provenance, true_up, c) -> dict:
    return {
        "billing_month": billing_month,
        "period_start": first,
        "period_end": last,
        "band": "ALL",
        "quantity": ref.half_up(m3 * c),
        "unit": "Smc",
        "quantity_m3": m3,
        "conversion_coefficient": c,
        "provenance": provenance,
        "is_true_up": true_up,
    }


def _ele_rows(billing_month, first, last, quantities, provenance, true_up=False) -> list[dict]:
    return [
        {
            "billing_month": billing_month,
            "period_start": first,
            "period_end": last,
            "band": band,
            "quantity": quantity,
            "unit": "kWh",
            "quantity_m3": None,
            "conversion_coefficient": None,
            "provenance": provenance,
            "is_true_up": true_up,
        }
        for band, quantity in quantities.items()
    ]


def test_gas_estimate_is_trued_up_when_the_actual_reading_arrives(warehouse) -> None:
    # the sample's gas readings: actual 100 (31 Jan), 180.5 (28 Feb); the DSO's estimate of
    # 31 March anchors nothing; actual 320 on 30 April
    c = ref.conversion_coefficient(120, "E")
    february = Decimal("80.5")
    march = D(2025, 3, 1), D(2025, 3, 31)
    estimate = ref.apportion(
        february, ref.weight("GAS", *march), ref.weight("GAS", D(2025, 2, 1), D(2025, 2, 28))
    )
    measured = Decimal("320") - Decimal("180.5")
    true_up = ref.apportion(
        measured, ref.weight("GAS", *march), ref.weight("GAS", D(2025, 3, 1), D(2025, 4, 30))
    )
    assert _determinants(warehouse, GAS_PDR) == [
        _gas_row(D(2025, 2, 1), D(2025, 2, 1), D(2025, 2, 28), february, "actual", False, c),
        _gas_row(D(2025, 3, 1), *march, estimate, "estimate", False, c),
        _gas_row(D(2025, 4, 1), *march, true_up, "actual", True, c),
        _gas_row(
            D(2025, 4, 1), D(2025, 4, 1), D(2025, 4, 30), measured - true_up, "actual", False, c
        ),
    ]


def test_roll_over_and_a_self_reading_that_closes_a_month(warehouse) -> None:
    c = ref.conversion_coefficient(300, "F")
    readings = list(ROLLOVER_READINGS.values())
    day, self_reading = ROLLOVER_SELF_READING
    rolled = 10**5 - readings[0] + readings[1]
    assert _determinants(warehouse, ROLLOVER_PDR) == [
        _gas_row(D(2025, 2, 1), D(2025, 2, 1), D(2025, 2, 28), rolled, "actual", False, c),
        # the self-reading of 30 March closes March; April starts the day after
        _gas_row(
            D(2025, 3, 1), D(2025, 3, 1), day, self_reading - readings[1], "self_reading", False, c
        ),
        _gas_row(
            D(2025, 4, 1), day + dt.timedelta(days=1), D(2025, 4, 30),
            readings[2] - self_reading, "actual", False, c,
        ),
    ]  # fmt: skip


def test_meter_replacement_mid_period_and_a_contract_change(warehouse) -> None:
    bands = ("F1", "F2", "F3")
    readings = {(day, meter): values for day, meter, *values in REPLACED_READINGS}
    old_previous = readings[(D(2025, 1, 31), "M5")]
    old_closing, new_opening = readings[(REPLACEMENT_DAY, "M5")], readings[(REPLACEMENT_DAY, "M6")]
    february_end, march_end = readings[(D(2025, 2, 28), "M6")], readings[(D(2025, 3, 31), "M6")]
    february = {
        b: (old_closing[i] - old_previous[i]) + (february_end[i] - new_opening[i])
        for i, b in enumerate(bands)
    }
    march = {b: march_end[i] - february_end[i] for i, b in enumerate(bands)}
    # March is cut where contract version 2 starts, pro rata to days
    before = ref.weight("ELE", D(2025, 3, 1), OFFER_CHANGE_DAY - dt.timedelta(days=1))
    first_part = {b: ref.apportion(q, before, Decimal(31)) for b, q in march.items()}
    assert _determinants(warehouse, REPLACED_POD) == [
        *_ele_rows(D(2025, 2, 1), D(2025, 2, 1), D(2025, 2, 28), february, "actual"),
        *_ele_rows(
            D(2025, 3, 1), D(2025, 3, 1), OFFER_CHANGE_DAY - dt.timedelta(days=1), first_part,
            "actual",
        ),
        *_ele_rows(
            D(2025, 3, 1), OFFER_CHANGE_DAY, D(2025, 3, 31),
            {b: march[b] - first_part[b] for b in bands}, "actual",
        ),
    ]  # fmt: skip
    accounts = warehouse.execute(
        "select distinct period_start, billing_account_id from reports.rpt_billing_determinants "
        "where supply_point_id = ? order by 1",
        [REPLACED_POD],
    ).fetchall()
    assert {account for _, account in accounts} == {"BA2"}


def test_an_implausible_reading_leaves_the_month_to_the_forecast(warehouse) -> None:
    # 31 March's F2 register is below 28 February's: March is estimated, from the forecast
    march = [
        r for r in _determinants(warehouse, REGISTER_POD) if r["billing_month"] == D(2025, 3, 1)
    ]
    assert march == _ele_rows(
        D(2025, 3, 1), D(2025, 3, 1), D(2025, 3, 31), SAMPLE_REGISTER_FORECAST, "estimate"
    )
    source = warehouse.execute(
        "select distinct estimate_source from intermediate.int_register_determinants_apportioned "
        "where supply_point_id = ? and provenance = 'estimate'",
        [REGISTER_POD],
    ).fetchall()
    assert source == [("forecast",)]


def test_self_readings_are_judged_and_rejections_keep_their_reason(warehouse) -> None:
    verdicts = {
        (point, day): (status, reason)
        for point, day, status, reason in warehouse.execute(
            "select supply_point_id, reading_date, status, reason "
            "from marts.fct_self_readings_validated"
        ).fetchall()
    }
    assert len(verdicts) == len(SELF_READINGS)
    for point, day, *_, status, words in SELF_READINGS:
        got_status, reason = verdicts[(point, day)]
        assert got_status == status, (point, day, reason)
        assert (reason is None) if words is None else (words in reason), (point, day, reason)


def test_interval_determinants_from_the_load_curve(warehouse) -> None:
    rows = warehouse.execute(
        "select billing_month, band, measured_quantity, peak_kw, interval_count, "
        "expected_interval_count, completeness, provenance, quantity "
        "from reports.rpt_billing_determinants "
        "where supply_point_id = ? order by billing_month, band",
        [INTERVAL_POD],
    ).fetchall()
    holidays = set(HOLIDAYS_2025)

    def expected_counts(month: dt.date) -> dict[str, int]:
        following = dt.date(month.year + month.month // 12, month.month % 12 + 1, 1)
        counts: dict[str, int] = defaultdict(int)
        for day in ref.days(month, following - dt.timedelta(days=1)):
            for q in ref.quarter_hours(day):
                counts[ref.band(q, holidays)] += 1
        return counts

    by_month = defaultdict(dict)
    for month, band, quantity, peak, count, expected, completeness, provenance, billed in rows:
        # the sample's curves cover a few days: every band is estimated beyond them
        assert (provenance, count < expected) == ("estimate", True)
        assert billed >= quantity
        assert expected == expected_counts(month)[band]
        assert completeness == ref.half_up(Decimal(count) / expected, Decimal("0.0001"))
        by_month[month][band] = (quantity, peak, count)
    # the DSO sent curves for March and October: every month between has its rows, empty
    assert sorted(by_month) == [D(2025, m, 1) for m in range(3, 11)]
    march_peak = SAMPLE_CURVE_KWH * 4
    assert by_month[D(2025, 3, 1)] == {
        b: (SAMPLE_MARCH_BAND_KWH[b], march_peak, SAMPLE_MARCH_BAND_INTERVALS[b])
        for b in SAMPLE_MARCH_BAND_KWH
    }
    assert by_month[D(2025, 6, 1)] == {b: (Decimal(0), None, 0) for b in ("F1", "F2", "F3")}
    autumn = [ref.band(q, holidays) for q in ref.quarter_hours(SAMPLE_AUTUMN_DAY)]
    assert by_month[D(2025, 10, 1)]["F3"] == (
        Decimal("0.1") * autumn.count("F3"),
        Decimal("0.4"),
        100,
    )


def test_determinants_tile_time_per_point_and_band(warehouse) -> None:
    rows = warehouse.execute(
        "select supply_point_id, band, period_start, period_end, provenance, is_true_up, "
        "billing_month from reports.rpt_billing_determinants order by 1, 2, 3"
    ).fetchall()
    regular: dict[tuple, list] = defaultdict(list)
    for point, band, first, last, _, true_up, month in rows:
        if true_up:
            # a true-up restates exactly the estimates of earlier bills
            estimates = [
                (f, lst)
                for p, b, f, lst, prov, t, m in rows
                if (p, b) == (point, band)
                and prov == "estimate"
                and m < month
                and first <= f
                and lst <= last
            ]
            assert sum((lst - f).days + 1 for f, lst in estimates) == (last - first).days + 1
        else:
            regular[(point, band)].append((first, last))
    for key, periods in regular.items():
        for (_, last), (first, _) in zip(periods, periods[1:], strict=False):
            assert first == last + dt.timedelta(days=1), key


def test_market_prices_place_pun_hours_on_the_clock(warehouse) -> None:
    rows = warehouse.execute(
        "select index_name, price_date, hour, hour_start_utc, band, price_eur_mwh "
        "from reports.rpt_market_prices order by index_name, price_date, hour"
    ).fetchall()
    pun = [r for r in rows if r[0] == "PUN"]
    spring_day = D(2025, 3, 30)
    assert [r[2] for r in pun if r[1] == spring_day] == list(range(1, 24))
    for _, day, hour, start, band, price in pun:
        assert start == ref.local_midnight_utc(day) + dt.timedelta(hours=hour - 1)
        assert band == ref.band(start, set(HOLIDAYS_2025))
        assert price == Decimal("110.5")
    assert [r for r in rows if r[0] == "PSV"] == [
        ("PSV", D(2025, 3, 28), None, None, None, Decimal("41.2"))
    ]


def test_hourly_consumption_of_the_indexed_interval_point(warehouse) -> None:
    rows = warehouse.execute(
        "select local_date, local_hour, hour_start_utc, band, kwh "
        "from reports.rpt_hourly_consumption where supply_point_id = ? order by hour_start_utc",
        [INTERVAL_POD],
    ).fetchall()
    per_day = defaultdict(list)
    for day, hour, start, band, kwh in rows:
        per_day[day].append((hour, start, kwh))
        assert band == ref.band(start, set(HOLIDAYS_2025))
    # the point's offer is indexed from February 2025: every day of its curve
    assert set(per_day) == {*SAMPLE_CURVE_DAYS, SAMPLE_AUTUMN_DAY}
    autumn = per_day[SAMPLE_AUTUMN_DAY]
    assert len(autumn) == 25 and [h for h, _, _ in autumn].count(2) == 2
    assert {kwh for _, _, kwh in autumn} == {Decimal("0.4")}
    midnight = ref.local_midnight_utc(SAMPLE_AUTUMN_DAY)
    assert [s for _, s, _ in autumn] == [midnight + dt.timedelta(hours=i) for i in range(25)]
    assert len(per_day[D(2025, 3, 30)]) == 23


def test_supply_point_history_dates_meter_and_contract_changes(warehouse) -> None:
    rows = warehouse.execute(
        "select valid_from, valid_to, change_kinds, contract_version, offer_id, meter_serial "
        "from marts.dim_supply_point_history where supply_point_id = ? order by valid_from",
        [REPLACED_POD],
    ).fetchall()
    changes = {valid_from: rest for valid_from, *rest in rows}
    assert changes[REPLACEMENT_DAY][1:] == ["meter, registry", 1, "O-ELE-FIX", "M6"]
    assert changes[OFFER_CHANGE_DAY] == [None, "contract", 2, "O-ELE-PUN", "M6"]
    assert changes[REPLACEMENT_DAY][0] == OFFER_CHANGE_DAY - dt.timedelta(days=1)
    for (_, valid_to, *_), (next_from, *_) in zip(rows, rows[1:], strict=False):
        assert valid_to == next_from - dt.timedelta(days=1)


def test_gas_conversion_coefficients(warehouse) -> None:
    rows = dict(
        warehouse.execute(
            "select supply_point_id, conversion_coefficient "
            "from marts.dim_gas_conversion_coefficient"
        ).fetchall()
    )
    assert rows == {
        GAS_PDR: ref.conversion_coefficient(120, "E"),
        ROLLOVER_PDR: ref.conversion_coefficient(300, "F"),
    }
