"""Report rendering: cells per language, CSV and xlsx exports, the imbalance arithmetic."""

from __future__ import annotations

import io
from datetime import date, datetime
from decimal import Decimal

from openpyxl import load_workbook

from dashboards.reports import REPORTS, Column, Report, format_cell, imbalance_rows, to_csv, to_xlsx

MONEY = Column("total", "Total", "money")
REPORT = Report(
    "sample",
    "Invoices",
    (),
    (
        Column("invoice_id", "Invoice id"),
        Column("period_start", "From", "date"),
        Column("month", "Month", "month"),
        MONEY,
        Column("share", "Imbalance %", "percent"),
    ),
    lambda scope, params: [],
)
ROWS = [
    {
        "invoice_id": "C01-1",
        "period_start": date(2025, 3, 1),
        "month": date(2025, 3, 1),
        "total": Decimal("1234.5"),
        "share": Decimal("0.125"),
    },
    {"invoice_id": "C01-2", "period_start": None, "month": None, "total": None, "share": None},
]


def test_cells_speak_the_language() -> None:
    assert format_cell(Decimal("1234.5"), MONEY, "it") == "1.234,50\xa0€"
    assert format_cell(Decimal("1234.5"), MONEY, "en") == "€1,234.50"
    assert format_cell(date(2025, 3, 1), Column("d", "d", "date"), "it") == "1 mar 2025"
    assert format_cell(date(2025, 3, 1), Column("d", "d", "date"), "en") == "1 Mar 2025"
    assert format_cell(Decimal("0.125"), Column("p", "p", "percent"), "it") == "12,5%"
    stamp = datetime(2025, 3, 1, 14, 5)
    assert format_cell(stamp, Column("t", "t", "datetime"), "en") == "01/03/2025 14:05"
    assert format_cell("TD04", REPORTS["invoices"].columns[5], "it") == "Nota di credito"
    assert format_cell(None, MONEY, "it") == ""


def test_csv_per_language_with_exact_numbers() -> None:
    italian = to_csv(REPORT, ROWS, "it").decode("utf-8")
    assert italian.startswith("\ufeff")
    assert italian.lstrip("\ufeff").splitlines() == [
        "Id fattura;Dal;Mese;Totale;Sbilanciamento %",
        "C01-1;01/03/2025;03/2025;1234,5;0,125",
        "C01-2;;;;",
    ]
    english = to_csv(REPORT, ROWS, "en").decode("utf-8-sig").splitlines()
    assert english[1] == "C01-1,01/03/2025,03/2025,1234.5,0.125"


def test_xlsx_keeps_types_and_formats() -> None:
    sheet = load_workbook(io.BytesIO(to_xlsx(REPORT, ROWS, "it"))).worksheets[0]
    assert sheet.title == "Fatture"
    assert [c.value for c in sheet[1]] == [
        "Id fattura",
        "Dal",
        "Mese",
        "Totale",
        "Sbilanciamento %",
    ]
    assert sheet["B2"].value == datetime(2025, 3, 1) and sheet["B2"].number_format == "DD/MM/YYYY"
    assert sheet["D2"].value == 1234.5 and sheet["D2"].number_format == "#,##0.00"
    assert sheet["E2"].number_format == "0.0%"
    assert sheet["D3"].value is None


def test_imbalance_against_banded_and_total_forecasts() -> None:
    march = date(2025, 3, 1)
    actual = [
        {"supply_point_id": "P1", "month": march, "band": b, "quantity": Decimal(q), "unit": "kWh"}
        for b, q in (("F1", "22"), ("F2", "5"), ("F3", "15.5"))
    ]
    forecast = [
        {
            "supply_point_id": "P1",
            "month": march,
            "band": "F1",
            "quantity": Decimal(20),
            "unit": "kWh",
        },
        {
            "supply_point_id": "P1",
            "month": march,
            "band": "ALL",
            "quantity": Decimal(50),
            "unit": "kWh",
        },
        {
            "supply_point_id": "P1",
            "month": date(2025, 4, 1),
            "band": "F1",
            "quantity": Decimal(0),
            "unit": "kWh",
        },
    ]
    rows = {(r["month"], r["band"]): r for r in imbalance_rows(actual, forecast)}
    assert rows[(march, "F1")]["imbalance"] == 2 and rows[(march, "F1")]["share"] == Decimal("0.1")
    assert rows[(march, "ALL")]["actual"] == Decimal("42.5")
    assert rows[(march, "ALL")]["share"] == Decimal("-0.15")
    april = rows[(date(2025, 4, 1), "F1")]
    assert april["actual"] is None and april["imbalance"] is None and april["share"] is None
    assert list(rows)[0] == (date(2025, 4, 1), "F1")  # newest month first
