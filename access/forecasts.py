"""Forecast consumption commitments uploaded by customers (OM12): read, check every row, save all
or nothing, and hand the saved ones to the landing folder as the `consumption_forecasts` source.

A file is CSV (`;`, UTF-8, header row) or xlsx (first sheet, header row) with the columns
supply point, month, band and quantity (Italian landing labels or English names). Months are
`2025-03`, `03/2025` or a first day (`01/03/2025`, `2025-03-01`, an Excel date); quantities take
a decimal comma or point. Errors come back as codes with the row, the field and the value, so
the pages can say them in the user's language.
"""

from __future__ import annotations

import csv
import io
import os
import re
import unicodedata
import zipfile
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from pathlib import Path
from zoneinfo import ZoneInfo

from sqlalchemy import Engine, func, select, update

from access.directory import utc_now
from energia.store import ConsumptionForecast, ForecastUpload, store_sessions
from landing.sources import SOURCES_BY_NAME, header_line

MAX_BYTES = 2_000_000
MAX_ROWS = 10_000
MAX_INTEGER_DIGITS = 12  # DECIMAL(18, 6)
MAX_DECIMALS = 6
ELE_BANDS = ("F1", "F2", "F3", "ALL")
UNITS = {"ELE": "kWh", "GAS": "Smc"}
LOCAL_TIME_ZONE = ZoneInfo("Europe/Rome")

FIELDS = ("supply_point", "month", "band", "quantity")
HEADER_NAMES = {
    "supply_point": {"pod_pdr", "pod", "pdr", "supply_point", "supply_point_id"},
    "month": {"mese", "month"},
    "band": {"fascia", "band"},
    "quantity": {"quantita", "quantity"},
}

# error codes; `file` errors concern the whole file (row 0 or the header's row 1)
TOO_LARGE = "too_large"
UNKNOWN_FORMAT = "unknown_format"
NOT_UTF8 = "not_utf8"
BAD_XLSX = "bad_xlsx"
MISSING_COLUMN = "missing_column"
WRONG_SEPARATOR = "wrong_separator"
NO_ROWS = "no_rows"
TOO_MANY_ROWS = "too_many_rows"
MISSING = "missing"
UNKNOWN_SUPPLY_POINT = "unknown_supply_point"  # unknown or not the user's: never told apart
BAD_MONTH = "bad_month"
BAD_BAND = "bad_band"
GAS_BAND = "gas_band"
BAD_QUANTITY = "bad_quantity"
NEGATIVE = "negative"
TOO_MANY_DECIMALS = "too_many_decimals"
DUPLICATE = "duplicate"
MIXED_BANDS = "mixed_bands"

FORECASTS_SOURCE = SOURCES_BY_NAME["consumption_forecasts"]


@dataclass(frozen=True)
class RowError:
    row: int  # line of the CSV or row of the sheet, the header being 1; 0 for the whole file
    field: str  # one of FIELDS, or "file"
    code: str
    value: str = ""
    other_row: int | None = None  # the earlier row a duplicate repeats


@dataclass(frozen=True)
class SupplyPointInfo:
    company_id: str
    commodity: str


@dataclass(frozen=True)
class ForecastRow:
    row: int
    supply_point_id: str
    company_id: str
    commodity: str
    month: date
    band: str
    quantity: Decimal


class UploadRejected(ValueError):
    """The file is refused and nothing of it was saved; `errors` says every reason by row."""

    def __init__(self, errors: list[RowError]) -> None:
        super().__init__(f"{len(errors)} error(s) in the upload")
        self.errors = errors


@dataclass(frozen=True)
class SavedUpload:
    upload_id: int
    rows: int


# ------------------------------------------------------------------ reading the file


def _header_key(label: object) -> str:
    text = unicodedata.normalize("NFKD", str(label or "")).encode("ascii", "ignore").decode()
    return re.sub(r"[\s/-]+", "_", text.strip().lower())


def _columns(header: list[object]) -> dict[str, int]:
    keys = [_header_key(label) for label in header]
    found = {}
    for field, names in HEADER_NAMES.items():
        for index, key in enumerate(keys):
            if key in names:
                found[field] = index
                break
    missing = [f for f in FIELDS if f not in found]
    if missing:
        raise UploadRejected([RowError(1, f, MISSING_COLUMN) for f in missing])
    return found


def _csv_rows(content: bytes) -> list[tuple[int, list[object]]]:
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise UploadRejected([RowError(0, "file", NOT_UTF8)]) from None
    lines = text.splitlines()
    if lines and ";" not in lines[0] and ("," in lines[0] or "\t" in lines[0]):
        raise UploadRejected([RowError(1, "file", WRONG_SEPARATOR, lines[0][:80])])
    return [(number, cells) for number, cells in enumerate(csv.reader(lines, delimiter=";"), 1)]


def _xlsx_rows(content: bytes) -> list[tuple[int, list[object]]]:
    from openpyxl import load_workbook

    try:
        workbook = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, ValueError, OSError):
        raise UploadRejected([RowError(0, "file", BAD_XLSX)]) from None
    try:
        sheet = workbook.worksheets[0]
        return [
            (number, list(cells))
            for number, cells in enumerate(sheet.iter_rows(values_only=True), 1)
        ]
    finally:
        workbook.close()


def read_rows(file_name: str, content: bytes) -> list[tuple[int, dict[str, object]]]:
    """The data rows of the file by field, with their row numbers; blank rows are skipped."""
    if len(content) > MAX_BYTES:
        raise UploadRejected([RowError(0, "file", TOO_LARGE, str(len(content)))])
    suffix = Path(file_name).suffix.lower()
    if suffix == ".csv":
        table = _csv_rows(content)
    elif suffix == ".xlsx":
        table = _xlsx_rows(content)
    else:
        raise UploadRejected([RowError(0, "file", UNKNOWN_FORMAT, suffix or file_name)])
    table = [(n, cells) for n, cells in table if any(str(c or "").strip() for c in cells)]
    if not table:
        raise UploadRejected([RowError(0, "file", NO_ROWS)])
    (_, header), data = table[0], table[1:]
    columns = _columns(header)
    if not data:
        raise UploadRejected([RowError(0, "file", NO_ROWS)])
    if len(data) > MAX_ROWS:
        raise UploadRejected([RowError(0, "file", TOO_MANY_ROWS, str(len(data)))])
    return [
        (n, {f: cells[i] if i < len(cells) else None for f, i in columns.items()})
        for n, cells in data
    ]


# ------------------------------------------------------------------ checking each value

_MONTH_PATTERNS = (
    (re.compile(r"^(\d{4})-(\d{1,2})$"), ("y", "m")),
    (re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})$"), ("y", "m", "d")),
    (re.compile(r"^(\d{1,2})/(\d{4})$"), ("m", "y")),
    (re.compile(r"^(\d{1,2})/(\d{1,2})/(\d{4})$"), ("d", "m", "y")),
)


def parse_month(value: object) -> date | None:
    """The first day of the month, or None if `value` is no month (or a day other than 1st)."""
    if isinstance(value, datetime):
        value = value.date()
    if isinstance(value, date):
        return value if value.day == 1 and 2000 <= value.year <= 2100 else None
    text = str(value).strip()
    for pattern, parts in _MONTH_PATTERNS:
        match = pattern.match(text)
        if match:
            found = dict(zip(parts, map(int, match.groups()), strict=True))
            if found.get("d", 1) != 1 or not 2000 <= found["y"] <= 2100:
                return None
            try:
                return date(found["y"], found["m"], 1)
            except ValueError:
                return None
    return None


def parse_quantity(value: object) -> Decimal:
    """A Decimal from `1234,5`, `1.234,5`, `1234.5` or a number cell; InvalidOperation if none.

    With both separators the right-most one is the decimal one."""
    if isinstance(value, bool):
        raise InvalidOperation
    if isinstance(value, int | Decimal):
        return Decimal(value)
    if isinstance(value, float):
        return Decimal(repr(value))  # the shortest text that reads back as the cell's number
    text = str(value).strip().replace(" ", "").replace("\u00a0", "")
    if "," in text and "." in text:
        grouping = "." if text.rfind(",") > text.rfind(".") else ","
        text = text.replace(grouping, "")
    text = text.replace(",", ".")
    if not re.fullmatch(r"[+-]?\d+(\.\d+)?", text):
        raise InvalidOperation
    return Decimal(text)


def _text(value: object) -> str:
    return "" if value is None else str(value).strip()


def check_rows(
    rows: Iterable[tuple[int, Mapping[str, object]]], allowed: Mapping[str, SupplyPointInfo]
) -> tuple[list[ForecastRow], list[RowError]]:
    """Every row checked; errors for all of them, not only the first."""
    good: list[ForecastRow] = []
    errors: list[RowError] = []
    seen: dict[tuple[str, date, str], int] = {}
    bands_of_month: dict[tuple[str, date], dict[str, int]] = {}
    for number, values in rows:
        row_errors: list[RowError] = []
        for field in FIELDS:
            if not _text(values.get(field)):
                row_errors.append(RowError(number, field, MISSING))
        point_id = _text(values.get("supply_point")).upper()
        info = allowed.get(point_id)
        if point_id and info is None:
            row_errors.append(RowError(number, "supply_point", UNKNOWN_SUPPLY_POINT, point_id))
        raw_month = values.get("month")
        month = parse_month(raw_month) if _text(raw_month) else None
        if _text(raw_month) and month is None:
            row_errors.append(RowError(number, "month", BAD_MONTH, _text(raw_month)))
        band = _text(values.get("band")).upper()
        if band and band not in ELE_BANDS:
            row_errors.append(RowError(number, "band", BAD_BAND, band))
        elif band and info is not None and info.commodity == "GAS" and band != "ALL":
            row_errors.append(RowError(number, "band", GAS_BAND, band))
        raw_quantity = values.get("quantity")
        quantity = None
        if _text(raw_quantity):
            try:
                quantity = parse_quantity(raw_quantity)
            except InvalidOperation:
                row_errors.append(RowError(number, "quantity", BAD_QUANTITY, _text(raw_quantity)))
            else:
                exponent = quantity.normalize().as_tuple().exponent
                if quantity < 0:
                    row_errors.append(RowError(number, "quantity", NEGATIVE, _text(raw_quantity)))
                    quantity = None
                elif isinstance(exponent, int) and -exponent > MAX_DECIMALS:
                    code = TOO_MANY_DECIMALS
                    row_errors.append(RowError(number, "quantity", code, _text(raw_quantity)))
                    quantity = None
                elif quantity >= Decimal(10) ** MAX_INTEGER_DIGITS:
                    row_errors.append(
                        RowError(number, "quantity", BAD_QUANTITY, _text(raw_quantity))
                    )
                    quantity = None
        if point_id and month is not None and band in ELE_BANDS:
            key = (point_id, month, band)
            if key in seen:
                row_errors.append(
                    RowError(
                        number, "band", DUPLICATE, f"{point_id} {month:%Y-%m} {band}", seen[key]
                    )
                )
            else:
                seen[key] = number
                # ALL next to F1-F3 for one month would count the month twice
                bands = bands_of_month.setdefault((point_id, month), {})
                clash = [b for b in bands if (b == "ALL") != (band == "ALL")]
                if clash:
                    row_errors.append(RowError(number, "band", MIXED_BANDS, band, bands[clash[0]]))
                bands[band] = number
        if row_errors:
            errors.extend(row_errors)
        elif info is not None and month is not None and quantity is not None:
            good.append(
                ForecastRow(
                    number, point_id, info.company_id, info.commodity, month, band, quantity
                )
            )
    return good, errors


# ------------------------------------------------------------------ the store


class ForecastBook:
    """Uploads saved in the operational store, and their export to the landing folder."""

    def __init__(self, engine: Engine) -> None:
        self.sessions = store_sessions(engine)

    def upload(
        self,
        user_id: int,
        file_name: str,
        content: bytes,
        allowed: Mapping[str, SupplyPointInfo],
        now: datetime | None = None,
    ) -> SavedUpload:
        """Check the whole file and save every row in one transaction, or raise UploadRejected
        with every error and save nothing."""
        good, errors = check_rows(read_rows(file_name, content), allowed)
        if errors:
            raise UploadRejected(errors)
        upload = ForecastUpload(
            user_id=user_id,
            file_name=Path(file_name).name[:255],
            row_count=len(good),
            uploaded_at=now or utc_now(),
        )
        with self.sessions.begin() as session:
            session.add(upload)
            session.flush()
            session.add_all(
                ConsumptionForecast(
                    upload_id=upload.id,
                    company_id=row.company_id,
                    supply_point_id=row.supply_point_id,
                    commodity=row.commodity,
                    month=row.month,
                    band=row.band,
                    quantity=row.quantity,
                    unit=UNITS[row.commodity],
                    source_row=row.row,
                )
                for row in good
            )
        return SavedUpload(upload.id, len(good))

    def current(self, supply_point_ids: Iterable[str]) -> list[dict]:
        """The forecast in force per supply point, month and band: the latest upload's."""
        ids = sorted(set(supply_point_ids))
        if not ids:
            return []
        latest = (
            select(
                ConsumptionForecast.supply_point_id,
                ConsumptionForecast.month,
                ConsumptionForecast.band,
                func.max(ConsumptionForecast.upload_id).label("upload_id"),
            )
            .where(ConsumptionForecast.supply_point_id.in_(ids))
            .group_by(
                ConsumptionForecast.supply_point_id,
                ConsumptionForecast.month,
                ConsumptionForecast.band,
            )
            .subquery()
        )
        query = (
            select(ConsumptionForecast, ForecastUpload.uploaded_at)
            .join(
                latest,
                (ConsumptionForecast.supply_point_id == latest.c.supply_point_id)
                & (ConsumptionForecast.month == latest.c.month)
                & (ConsumptionForecast.band == latest.c.band)
                & (ConsumptionForecast.upload_id == latest.c.upload_id),
            )
            .join(ForecastUpload, ForecastUpload.id == ConsumptionForecast.upload_id)
            .order_by(
                ConsumptionForecast.supply_point_id,
                ConsumptionForecast.month,
                ConsumptionForecast.band,
            )
        )
        with self.sessions() as session:
            return [
                {
                    "supply_point_id": f.supply_point_id,
                    "company_id": f.company_id,
                    "commodity": f.commodity,
                    "month": f.month,
                    "band": f.band,
                    "quantity": f.quantity,
                    "unit": f.unit,
                    "upload_id": f.upload_id,
                    "uploaded_at": uploaded_at,
                }
                for f, uploaded_at in session.execute(query)
            ]

    def export_to_landing(self, landing_dir: Path, now: datetime | None = None) -> list[Path]:
        """Write each upload not yet exported as one landing file per company, in the layout of
        `landing/sources.py`'s consumption_forecasts, then mark it exported.

        A file is written under a temporary name and renamed, so the landing sensor never
        reads half of one; the key orders uploads, so the latest declaration wins downstream."""
        folder = landing_dir / FORECASTS_SOURCE.folder
        written: list[Path] = []
        with self.sessions() as session:
            pending = session.execute(
                select(ForecastUpload.id, ForecastUpload.uploaded_at)
                .where(ForecastUpload.exported_at.is_(None))
                .order_by(ForecastUpload.id)
            ).all()
        for upload_id, uploaded_at in pending:
            with self.sessions() as session:
                rows = session.scalars(
                    select(ConsumptionForecast)
                    .where(ConsumptionForecast.upload_id == upload_id)
                    .order_by(ConsumptionForecast.company_id, ConsumptionForecast.source_row)
                ).all()
            declared_on = _local_day(uploaded_at)
            by_company: dict[str, list[ConsumptionForecast]] = {}
            for row in rows:
                by_company.setdefault(row.company_id, []).append(row)
            for company_id, company_rows in by_company.items():
                path = folder / f"{company_id}_portal_{upload_id:08d}.csv"
                _write_atomically(path, _landing_lines(company_rows, declared_on))
                written.append(path)
            with self.sessions.begin() as session:
                session.execute(
                    update(ForecastUpload)
                    .where(ForecastUpload.id == upload_id)
                    .values(exported_at=now or utc_now())
                )
        return written


def _local_day(moment: datetime) -> date:
    if moment.tzinfo is None:  # SQLite gives back the UTC it was given, without the zone
        moment = moment.replace(tzinfo=ZoneInfo("UTC"))
    return moment.astimezone(LOCAL_TIME_ZONE).date()


def _italian_date(day: date) -> str:
    return f"{day.day:02d}/{day.month:02d}/{day.year}"


def _landing_lines(rows: list[ConsumptionForecast], declared_on: date) -> str:
    lines = [header_line(FORECASTS_SOURCE)]
    for row in rows:
        quantity = format(row.quantity.normalize(), "f").replace(".", ",")
        lines.append(
            ";".join(
                [
                    row.supply_point_id,
                    _italian_date(row.month),
                    row.band,
                    quantity,
                    _italian_date(declared_on),
                ]
            )
        )
    return "\n".join(lines) + "\n"


def _write_atomically(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    pending = path.with_name(f".{path.name}.tmp")
    pending.write_text(text, encoding="utf-8", newline="\n")
    os.replace(pending, path)
