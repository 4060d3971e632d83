"""Consumption profiles: daily load shapes, day-type and seasonal factors, band and month shares."""

from __future__ import annotations

import numpy as np

DOMESTIC, BUSINESS = 0, 1
SEGMENTS = {"domestic": DOMESTIC, "business": BUSINESS}

# relative load per local clock hour 0..23, for workday, Saturday, Sunday or holiday
_HOURLY = {
    DOMESTIC: (
        (
            0.45,
            0.38,
            0.35,
            0.34,
            0.34,
            0.38,
            0.60,
            0.95,
            0.85,
            0.65,
            0.60,
            0.65,
            0.85,
            0.90,
            0.75,
            0.65,
            0.70,
            0.90,
            1.30,
            1.75,
            1.85,
            1.60,
            1.20,
            0.75,
        ),
        (
            0.50,
            0.42,
            0.38,
            0.36,
            0.35,
            0.36,
            0.45,
            0.65,
            0.90,
            1.00,
            1.00,
            1.05,
            1.15,
            1.10,
            0.90,
            0.80,
            0.85,
            1.00,
            1.30,
            1.65,
            1.70,
            1.55,
            1.25,
            0.85,
        ),
        (
            0.55,
            0.45,
            0.40,
            0.37,
            0.36,
            0.36,
            0.42,
            0.55,
            0.80,
            1.00,
            1.10,
            1.30,
            1.45,
            1.25,
            0.95,
            0.85,
            0.85,
            0.95,
            1.25,
            1.60,
            1.65,
            1.50,
            1.20,
            0.80,
        ),
    ),
    BUSINESS: (
        (
            0.30,
            0.28,
            0.28,
            0.28,
            0.29,
            0.32,
            0.45,
            0.85,
            1.45,
            1.60,
            1.65,
            1.65,
            1.45,
            1.50,
            1.65,
            1.65,
            1.55,
            1.35,
            0.95,
            0.65,
            0.45,
            0.38,
            0.34,
            0.32,
        ),
        (
            0.30,
            0.28,
            0.28,
            0.28,
            0.28,
            0.30,
            0.35,
            0.50,
            0.75,
            0.85,
            0.85,
            0.85,
            0.70,
            0.55,
            0.50,
            0.50,
            0.48,
            0.45,
            0.40,
            0.36,
            0.34,
            0.32,
            0.31,
            0.30,
        ),
        (0.30,) * 24,
    ),
}
# daily energy by day type relative to the average day (a week averages to about 1)
DAY_TYPE_FACTOR = np.array([[0.97, 1.06, 1.10], [1.22, 0.55, 0.35]])
# monthly electricity relative to the average month: households heat and light more in
# winter, businesses cool in July and close in August
ELE_SEASON = np.array(
    [
        [1.20, 1.12, 1.02, 0.92, 0.88, 0.92, 1.02, 0.95, 0.90, 0.95, 1.05, 1.20],
        [1.05, 1.05, 1.00, 0.95, 0.95, 1.05, 1.15, 0.75, 1.00, 0.95, 1.00, 0.95],
    ]
)
# share of the year's gas by month: heating makes winter heavy
GAS_MONTH_SHARE = np.array(
    [
        [0.18, 0.15, 0.12, 0.07, 0.04, 0.02, 0.02, 0.02, 0.03, 0.06, 0.11, 0.18],
        [0.14, 0.12, 0.10, 0.07, 0.06, 0.05, 0.05, 0.03, 0.05, 0.07, 0.11, 0.15],
    ]
)
# a household's usual split of energy over the F1, F2, F3 bands
DOMESTIC_BAND_SHARE = np.array([0.33, 0.31, 0.36])


def quarter_hour_shapes() -> np.ndarray:
    """(segment, day type, 97): share of the day's energy per wall-clock quarter hour.

    Index 96 is zero, for the file slots a short day does not have.
    """
    hours = np.arange(24) + 0.5
    quarters = (np.arange(96) + 0.5) / 4
    shapes = np.zeros((2, 3, 97))
    for segment, by_day_type in _HOURLY.items():
        for day_type, hourly in enumerate(by_day_type):
            curve = np.interp(quarters, hours, hourly, period=24)
            shapes[segment, day_type, :96] = curve / curve.sum()
    return shapes
