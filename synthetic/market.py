"""Market prices: hourly PUN, daily PSV and the monthly forward curves quoted on a trade date."""

from __future__ import annotations

from datetime import date, timedelta

import numpy as np

from landing.sources import SOURCES_BY_NAME
from synthetic.formats import LandingWriter, italian_date, rng_for, rounded
from synthetic.local_time import (
    SUNDAY_OR_HOLIDAY,
    Period,
    add_months,
    clock_hours,
    day_type,
    days_of,
    is_business_day,
)

# €/MWh by calendar month, the order of magnitude of 2024-2025
PUN_BY_MONTH = np.array([143, 150, 120, 100, 93, 112, 113, 109, 109, 111, 117, 115], dtype=float)
PSV_BY_MONTH = np.array([45, 46, 41, 36, 35, 36, 36, 35, 35, 37, 40, 43], dtype=float)
# the daily price shape: night trough, morning ramp, solar dip at midday, evening peak
_PUN_HOURLY = np.array(
    [
        0.90,
        0.86,
        0.84,
        0.83,
        0.84,
        0.88,
        0.97,
        1.08,
        1.10,
        1.02,
        0.95,
        0.90,
        0.86,
        0.85,
        0.88,
        0.95,
        1.03,
        1.12,
        1.22,
        1.25,
        1.20,
        1.10,
        1.00,
        0.94,
    ]
)
PUN_HOURLY_SHAPE = _PUN_HOURLY / _PUN_HOURLY.mean()
FORWARD_MONTHS = 12
TRADE_DAY = 15  # forwards are read on the 15th, or the business day before it


def _daily_levels(
    days: list[date], base: np.ndarray, sigma: float, rng: np.random.Generator
) -> np.ndarray:
    """Base price of each day's month, moved by a persistent (AR(1)) random factor."""
    factor = np.empty(len(days))
    level = 0.0
    for i, shock in enumerate(rng.normal(0.0, sigma, len(days))):
        level = 0.85 * level + shock
        factor[i] = level
    return base[[d.month - 1 for d in days]] * np.exp(factor)


def trade_date(month: date) -> date:
    day = month.replace(day=TRADE_DAY)
    while not is_business_day(day):
        day -= timedelta(days=1)
    return day


def write_market(writer: LandingWriter, period: Period, seed: int) -> None:
    rng = rng_for(seed, "market")
    days = [d for m in period.months for d in days_of(m)]
    pun_day = dict(zip(days, _daily_levels(days, PUN_BY_MONTH, 0.06, rng), strict=True))
    psv_day = dict(zip(days, _daily_levels(days, PSV_BY_MONTH, 0.03, rng), strict=True))

    for month in period.months:
        pun_rows, psv_rows = [], []
        for day in days_of(month):
            hours = clock_hours(day)
            weekend = 0.9 if day_type(day) == SUNDAY_OR_HOLIDAY else 1.0
            noise = rng.normal(1.0, 0.03, len(hours))
            for hour, (clock, n) in enumerate(zip(hours, noise, strict=True), start=1):
                price = pun_day[day] * PUN_HOURLY_SHAPE[clock] * weekend * n
                pun_rows.append(
                    {
                        "price_date": italian_date(day),
                        "hour": str(hour),
                        "price_eur_mwh": rounded(price, 6),
                    }
                )
            psv_rows.append(
                {"price_date": italian_date(day), "price_eur_mwh": rounded(psv_day[day], 3)}
            )
        writer.write_rows(SOURCES_BY_NAME["pun_hourly"], f"PUN_{month:%Y%m}.csv", pun_rows)
        writer.write_rows(SOURCES_BY_NAME["psv_daily"], f"PSV_{month:%Y%m}.csv", psv_rows)

        traded = trade_date(month)
        forward_rows = []
        for index_name, spot, base in (
            ("PUN", pun_day, PUN_BY_MONTH),
            ("PSV", psv_day, PSV_BY_MONTH),
        ):
            # the curve keeps the seasonal shape, shifted by how far spot is from normal
            level = spot[traded] / base[traded.month - 1]
            for k in range(1, FORWARD_MONTHS + 1):
                delivery = add_months(month, k)
                drift = level ** (1 - k / (FORWARD_MONTHS + 1))  # far months revert to normal
                price = base[delivery.month - 1] * drift * rng.normal(1.0, 0.02)
                forward_rows.append(
                    {
                        "trade_date": italian_date(traded),
                        "index_name": index_name,
                        "delivery_month": italian_date(delivery),
                        "price_eur_mwh": rounded(price, 2),
                    }
                )
        writer.write_rows(
            SOURCES_BY_NAME["forward_curves"], f"FWD_{traded:%Y%m%d}.csv", forward_rows
        )
