"""Forecast uploads: every bad row named, nothing saved from a bad file, export to landing."""

from __future__ import annotations

import io
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path

import duckdb
import pytest
from openpyxl import Workbook
from sqlalchemy import func, select

from access import forecasts as fc
from access.directory import Directory
from access.forecasts import ForecastBook, RowError, SupplyPointInfo, UploadRejected
from energia.store import ConsumptionForecast, ForecastUpload
from landing.loader import ensure_raw_schema, load_file
from landing.sources import SOURCES_BY_NAME

POD = "IT001E00000001"
POD_2 = "IT001E00000002"
PDR = "01234567890123"
FOREIGN_POD = "IT009E00000009"  # exists, but another customer's: never in `allowed`
ALLOWED = {
    POD: SupplyPointInfo("C01", "ELE"),
    POD_2: SupplyPointInfo("C01", "ELE"),
    PDR: SupplyPointInfo("C02", "GAS"),
}


def csv_bytes(*lines: str) -> bytes:
    return ("\n".join(lines) + "\n").encode()


def xlsx_bytes(rows: list[list[object]]) -> bytes:
    workbook = Workbook()
    for row in rows:
        workbook.active.append(row)
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


@pytest.fixture
def book(engine) -> ForecastBook:
    return ForecastBook(engine)


@pytest.fixture
def user(directory: Directory) -> int:
    return directory.create_user("cliente", "correct horse battery", "Cliente")


def saved_rows(engine) -> tuple[int, int]:
    with engine.connect() as connection:
        uploads = connection.execute(select(func.count()).select_from(ForecastUpload)).scalar()
        rows = connection.execute(select(func.count()).select_from(ConsumptionForecast)).scalar()
    return uploads, rows


def test_a_good_csv_is_saved_whole(book: ForecastBook, user: int, engine) -> None:
    content = csv_bytes(
        "POD_PDR;MESE;FASCIA;QUANTITA",
        f"{POD};2025-04;F1;1.234,5",
        f"{POD};04/2025;F2;800",
        f"{POD.lower()};01/04/2025;f3;12.75",
        "",
        f"{PDR};2025-04-01;ALL;150,000001",
    )
    saved = book.upload(user, "impegni.csv", content, ALLOWED)
    assert saved.rows == 4 and saved_rows(engine) == (1, 4)
    current = {(r["supply_point_id"], r["band"]): r for r in book.current([POD, PDR])}
    assert current[(POD, "F1")]["quantity"] == Decimal("1234.5")
    assert current[(POD, "F3")]["quantity"] == Decimal("12.75")
    assert current[(PDR, "ALL")]["quantity"] == Decimal("150.000001")
    assert current[(PDR, "ALL")]["unit"] == "Smc" and current[(POD, "F1")]["unit"] == "kWh"
    assert {r["month"] for r in current.values()} == {date(2025, 4, 1)}


def test_the_latest_upload_is_in_force(book: ForecastBook, user: int) -> None:
    book.upload(
        user,
        "a.csv",
        csv_bytes("month;band;quantity;supply_point", f"2025-04;ALL;1;{PDR}"),
        ALLOWED,
    )
    book.upload(
        user,
        "b.csv",
        csv_bytes("month;band;quantity;supply_point", f"2025-04;ALL;2;{PDR}"),
        ALLOWED,
    )
    (row,) = book.current([PDR])
    assert row["quantity"] == Decimal(2)
    assert book.current([]) == []


def test_every_bad_row_is_named_and_nothing_is_saved(book: ForecastBook, user: int, engine) -> None:
    content = csv_bytes(
        "POD_PDR;MESE;FASCIA;QUANTITA",
        f"{POD};2025-04;F1;100",  # 2: good
        f"{FOREIGN_POD};2025-04;F1;100",  # 3: another customer's
        f"{POD};2025-13;F1;100",  # 4: no such month
        f"{POD};15/04/2025;F2;100",  # 5: not a first day
        f"{POD};2025-04;F2;-5",  # 6: negative
        f"{POD};2025-04;F1;7",  # 7: repeats row 2
        f"{POD};2025-04;F4;7",  # 8: no such band
        f"{PDR};2025-04;F1;7",  # 9: gas has no bands
        f"{POD};2025-04;;abc",  # 10: band missing, quantity not a number
        f"{POD};2025-04;F3;1,1234567",  # 11: more than six decimals
        f"{POD};2025-04;ALL;10",  # 12: ALL beside F1
        f"{POD_2}",  # 13: month, band, quantity missing
    )
    with pytest.raises(UploadRejected) as rejected:
        book.upload(user, "impegni.csv", content, ALLOWED)
    errors = rejected.value.errors
    assert RowError(3, "supply_point", fc.UNKNOWN_SUPPLY_POINT, FOREIGN_POD) in errors
    assert RowError(4, "month", fc.BAD_MONTH, "2025-13") in errors
    assert RowError(5, "month", fc.BAD_MONTH, "15/04/2025") in errors
    assert RowError(6, "quantity", fc.NEGATIVE, "-5") in errors
    assert RowError(7, "band", fc.DUPLICATE, f"{POD} 2025-04 F1", 2) in errors
    assert RowError(8, "band", fc.BAD_BAND, "F4") in errors
    assert RowError(9, "band", fc.GAS_BAND, "F1") in errors
    assert RowError(10, "band", fc.MISSING) in errors
    assert RowError(10, "quantity", fc.BAD_QUANTITY, "abc") in errors
    assert RowError(11, "quantity", fc.TOO_MANY_DECIMALS, "1,1234567") in errors
    assert RowError(12, "band", fc.MIXED_BANDS, "ALL", 2) in errors
    assert {(e.row, e.field) for e in errors if e.row == 13} == {
        (13, "month"),
        (13, "band"),
        (13, "quantity"),
    }
    assert 2 not in {e.row for e in errors}
    assert saved_rows(engine) == (0, 0)


@pytest.mark.parametrize(
    ("name", "content", "expected"),
    [
        ("f.csv", b"\xff\xfe\x00bad", RowError(0, "file", fc.NOT_UTF8)),
        (
            "f.csv",
            b"POD_PDR,MESE,FASCIA,QUANTITA\n",
            RowError(1, "file", fc.WRONG_SEPARATOR, "POD_PDR,MESE,FASCIA,QUANTITA"),
        ),
        ("f.csv", b"POD_PDR;MESE;QUANTITA\nx;2025-04;1\n", RowError(1, "band", fc.MISSING_COLUMN)),
        ("f.csv", b"POD_PDR;MESE;FASCIA;QUANTITA\n", RowError(0, "file", fc.NO_ROWS)),
        ("f.csv", b"", RowError(0, "file", fc.NO_ROWS)),
        ("f.xlsx", b"PK\x03\x04 not really a workbook", RowError(0, "file", fc.BAD_XLSX)),
        ("f.pdf", b"%PDF-1.4", RowError(0, "file", fc.UNKNOWN_FORMAT, ".pdf")),
        (
            "f.csv",
            b"x" * (fc.MAX_BYTES + 1),
            RowError(0, "file", fc.TOO_LARGE, str(fc.MAX_BYTES + 1)),
        ),
    ],
)
def test_unusable_files_are_refused_whole(
    book: ForecastBook, user: int, engine, name: str, content: bytes, expected: RowError
) -> None:
    with pytest.raises(UploadRejected) as rejected:
        book.upload(user, name, content, ALLOWED)
    assert expected in rejected.value.errors
    assert saved_rows(engine) == (0, 0)


def test_too_many_rows(book: ForecastBook, user: int, monkeypatch) -> None:
    monkeypatch.setattr(fc, "MAX_ROWS", 2)
    content = csv_bytes(
        "POD_PDR;MESE;FASCIA;QUANTITA", *[f"{POD};2025-0{m};ALL;1" for m in (1, 2, 3)]
    )
    with pytest.raises(UploadRejected) as rejected:
        book.upload(user, "f.csv", content, ALLOWED)
    assert rejected.value.errors == [RowError(0, "file", fc.TOO_MANY_ROWS, "3")]


def test_xlsx_with_dates_and_numbers(book: ForecastBook, user: int, engine) -> None:
    content = xlsx_bytes(
        [
            ["Supply point", "Month", "Band", "Quantity"],
            [POD, datetime(2025, 5, 1), "F1", 1500.25],
            [POD, "2025-05", "F2", 10],
            [None, None, None, None],
            [PDR, datetime(2025, 5, 3), "ALL", -1],
        ]
    )
    with pytest.raises(UploadRejected) as rejected:
        book.upload(user, "impegni.xlsx", content, ALLOWED)
    assert {(e.row, e.field, e.code) for e in rejected.value.errors} == {
        (5, "month", fc.BAD_MONTH),
        (5, "quantity", fc.NEGATIVE),
    }
    good = xlsx_bytes(
        [["POD_PDR", "MESE", "FASCIA", "QUANTITA"], [POD, datetime(2025, 5, 1), "F1", 1500.25]]
    )
    assert book.upload(user, "impegni.xlsx", good, ALLOWED).rows == 1
    assert book.current([POD])[0]["quantity"] == Decimal("1500.25")
    assert saved_rows(engine) == (1, 1)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("1.234,5", "1234.5"),
        ("1,234.5", "1234.5"),
        ("1234,5", "1234.5"),
        ("12", "12"),
        (" 7 ", "7"),
    ],
)
def test_quantities_take_either_decimal_mark(text: str, expected: str) -> None:
    assert fc.parse_quantity(text) == Decimal(expected)


def test_export_to_landing_loads_with_the_landing_loader(
    book: ForecastBook, user: int, tmp_path: Path
) -> None:
    content = csv_bytes(
        "POD_PDR;MESE;FASCIA;QUANTITA", f"{POD};2025-04;F1;1234,5", f"{PDR};2025-04;ALL;80"
    )
    saved = book.upload(
        user, "impegni.csv", content, ALLOWED, now=datetime(2025, 3, 31, 22, 30, tzinfo=UTC)
    )
    landing = tmp_path / "landing"
    paths = book.export_to_landing(landing)
    assert [p.name for p in paths] == [
        f"C01_portal_{saved.upload_id:08d}.csv",
        f"C02_portal_{saved.upload_id:08d}.csv",
    ]
    assert book.export_to_landing(landing) == []  # exported once
    assert paths[0].read_text().splitlines()[1] == f"{POD};01/04/2025;F1;1234,5;01/04/2025"

    source = SOURCES_BY_NAME["consumption_forecasts"]
    with duckdb.connect() as con:
        ensure_raw_schema(con)
        con.executemany(
            "INSERT INTO raw.supply_points (supply_point_id, _file, _file_key, _line, _loaded_at) "
            "VALUES (?, 'f', 'k', 2, now())",
            [[POD], [PDR]],
        )
        results = [load_file(con, landing, source, path) for path in paths]
        assert [r.status for r in results] == ["loaded", "loaded"]
        rows = con.execute(
            "SELECT supply_point_id, month, band, quantity, declared_on "
            "FROM raw.consumption_forecasts ORDER BY 1"
        ).fetchall()
        assert con.execute("SELECT count(*) FROM raw.quarantine").fetchone()[0] == 0
    assert rows == [
        (PDR, date(2025, 4, 1), "ALL", Decimal("80"), date(2025, 4, 1)),
        (POD, date(2025, 4, 1), "F1", Decimal("1234.5"), date(2025, 4, 1)),
    ]
