"""What customers declare themselves: self-readings of register meters, consumption forecasts.

Self-readings: each month a few register-metered customers read their meter on a day of
their choosing and send it on a channel. Most are right (the true register on that day);
some are implausible, as back offices see them: a misread digit that puts the register
below the previous actual reading, or a value far above what the supply could use.
Forecasts: some customers declare the consumption they expect per month (kWh per band,
Smc for gas), once, before the period.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

import numpy as np

from landing.sources import SOURCES_BY_NAME
from synthetic.formats import LandingWriter, italian_date, rng_for
from synthetic.local_time import Period, add_months, month_end
from synthetic.profiles import DOMESTIC_BAND_SHARE, ELE_SEASON, GAS_MONTH_SHARE, SEGMENTS
from synthetic.registers import RegisterPath
from synthetic.registry import SupplyPoint

SELF_READINGS = SOURCES_BY_NAME["self_readings"]
FORECASTS = SOURCES_BY_NAME["consumption_forecasts"]

SELF_READING_SHARE = 0.2  # register points sending a self-reading in a given month
IMPLAUSIBLE_SHARE = 0.3  # of the self-readings sent
CHANNELS = ("web", "app", "phone", "email")
CHANNEL_WEIGHTS = (0.45, 0.3, 0.2, 0.05)
BELOW_PREVIOUS, FAR_TOO_HIGH = "below_previous_actual", "far_above_history"
FLAWS = (BELOW_PREVIOUS, FAR_TOO_HIGH)

BUSINESS_FORECAST_SHARE = 0.35
DOMESTIC_REGISTER_FORECAST_SHARE = 0.15
BUSINESS_BAND_SHARE = np.array([0.52, 0.22, 0.26])
FORECAST_MONTHS_AHEAD = 2  # forecasts reach past the generated period


@dataclass(frozen=True)
class SelfReading:
    supply_point_id: str
    company_id: str
    commodity: str
    reading_date: date
    meter_serial: str  # empty when the customer left it out
    channel: str
    registers: tuple[int, ...]  # F1, F2, F3 for electricity; m³ for gas
    month: date
    flaw: str | None  # None for a right reading

    def fields(self) -> list[str]:
        ele = self.commodity == "ELE"
        bands = [str(r) for r in self.registers] if ele else ["", "", ""]
        gas = "" if ele else str(self.registers[0])
        return [
            self.supply_point_id,
            italian_date(self.reading_date),
            self.meter_serial,
            self.channel,
            *bands,
            gas,
        ]

    def event(self) -> dict[str, str]:
        return {
            "supply_point_id": self.supply_point_id,
            "reading_date": self.reading_date.isoformat(),
            "flaw": self.flaw or "",
        }


def self_readings(paths: list[RegisterPath], period: Period, seed: int) -> list[SelfReading]:
    """Self-readings of meters whose true registers are known, some of them implausible.

    The implausible ones take turns between the two flaws, so even a small portfolio has both.
    """
    rng = rng_for(seed, "self readings")
    sent: list[tuple[int, RegisterPath, date]] = []
    for i, month in enumerate(period.months):
        sending = [p for p in paths if rng.random() < SELF_READING_SHARE]
        if not sending and paths:
            sending = [paths[int(rng.integers(len(paths)))]]
        # never on a month end, where the DSO's own reading would supersede it
        sent += [
            (i, p, month + timedelta(days=int(rng.integers(4, month_end(month).day - 3))))
            for p in sending
        ]
    implausible = max(min(2, len(sent)), round(IMPLAUSIBLE_SHARE * len(sent)))
    flaws = dict(
        zip(
            (int(n) for n in rng.permutation(len(sent))[:implausible]),
            (FLAWS[k % len(FLAWS)] for k in range(implausible)),
            strict=True,
        )
    )
    found = []
    for n, (i, path, day) in enumerate(sent):
        registers = np.array(path.registers_on(i, day))
        flaw = flaws.get(n)
        if flaw == BELOW_PREVIOUS:
            # a misread digit: a whole 100 below the registers at the period start
            registers = np.maximum(path.opening.astype(np.int64) - 100, 0)
        elif flaw == FAR_TOO_HIGH:
            registers = registers + np.ceil(path.usage[i] * 12).astype(np.int64) + 500
        point = path.point
        found.append(
            SelfReading(
                point.supply_point_id,
                point.company_id,
                point.commodity,
                day,
                point.meter_serial if rng.random() < 0.4 else "",
                CHANNELS[int(rng.choice(len(CHANNELS), p=CHANNEL_WEIGHTS))],
                tuple(int(r) % 10**point.meter_digits for r in registers),
                period.months[i],
                flaw,
            )
        )
    return sorted(found, key=lambda r: (r.company_id, r.reading_date, r.supply_point_id))


def write_self_readings(writer: LandingWriter, readings: list[SelfReading]) -> None:
    """One file per company and month, as the portal exports them."""
    files: dict[str, list[SelfReading]] = {}
    for r in readings:
        files.setdefault(f"{r.company_id}_{r.month:%Y%m}.csv", []).append(r)
    for name, rows in sorted(files.items()):
        with writer.open(SELF_READINGS, name) as out:
            for r in rows:
                out.write(r.fields())


@dataclass(frozen=True)
class Forecast:
    supply_point_id: str
    company_id: str
    month: date
    band: str
    quantity: int  # kWh, or Smc for gas
    declared_on: date

    def fields(self) -> list[str]:
        return [
            self.supply_point_id,
            italian_date(self.month),
            self.band,
            str(self.quantity),
            italian_date(self.declared_on),
        ]


def forecasts(points: list[SupplyPoint], period: Period, seed: int) -> list[Forecast]:
    """Monthly forecasts of a share of business points and of domestic register points."""
    rng = rng_for(seed, "forecasts")
    supplied = sorted((p for p in points if p.supplied_in(period)), key=lambda p: p.supply_point_id)
    chosen = [
        p
        for p in supplied
        if rng.random()
        < (
            BUSINESS_FORECAST_SHARE
            if p.segment == "business"
            else DOMESTIC_REGISTER_FORECAST_SHARE
            if p.meter_type == "register"
            else 0
        )
    ]
    register = [p for p in supplied if p.meter_type == "register"]
    if register and not any(p.meter_type == "register" for p in chosen):
        chosen.append(register[int(rng.integers(len(register)))])
    months = [
        add_months(period.start, i) for i in range(len(period.months) + FORECAST_MONTHS_AHEAD)
    ]
    declared_on = period.start - timedelta(days=20)
    found = []
    for point in chosen:
        segment = SEGMENTS[point.segment]
        for month in months:
            noise = rng.lognormal(0.0, 0.1)
            if point.commodity == "GAS":
                smc = point.annual_consumption * GAS_MONTH_SHARE[segment, month.month - 1]
                bands = {"ALL": smc * noise}
            else:
                kwh = (
                    point.annual_consumption
                    * ELE_SEASON[segment, month.month - 1]
                    * month_end(month).day
                    / 365
                    * noise
                )
                shares = BUSINESS_BAND_SHARE if point.segment == "business" else DOMESTIC_BAND_SHARE
                bands = dict(zip(("F1", "F2", "F3"), kwh * shares, strict=True))
            found += [
                Forecast(
                    point.supply_point_id,
                    point.company_id,
                    month,
                    band,
                    round(float(quantity)),
                    declared_on,
                )
                for band, quantity in bands.items()
            ]
    return sorted(found, key=lambda f: (f.company_id, f.supply_point_id, f.month, f.band))


def write_forecasts(writer: LandingWriter, rows: list[Forecast]) -> None:
    """One upload per company, before the period."""
    files: dict[str, list[Forecast]] = {}
    for f in rows:
        files.setdefault(f"{f.company_id}.csv", []).append(f)
    for name, company_rows in sorted(files.items()):
        with writer.open(FORECASTS, name) as out:
            for f in company_rows:
                out.write(f.fields())
