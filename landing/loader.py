"""Load landing files into the warehouse `raw` schema: parse, validate, quarantine, replace.

Every line of a file ends up in exactly one place: its typed row in `raw.<source>`, or
`raw.quarantine` with a reason. Parsing and validation run inside DuckDB over the whole
file (no Python loop per line), so a month of quarter-hour curves loads in seconds.
"""

from __future__ import annotations

import codecs
import hashlib
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

import duckdb

from landing.sources import (
    DATE,
    INT,
    SOURCES,
    SUPPLY_POINT_COLUMN,
    TEXT,
    Column,
    Source,
    file_identity,
    header_line,
    slot_segment_sql,
)

# physical cap: a quarter hour cannot carry more than committed power x 0.25 h; DSO
# limiters let a supply run 10% over its committed power, so allow that much
POWER_CAP_TOLERANCE = "1.1"

_LINEAGE_DDL = """
    _file VARCHAR NOT NULL,
    _file_key VARCHAR NOT NULL,
    _line INTEGER NOT NULL,
    _loaded_at TIMESTAMP WITH TIME ZONE NOT NULL
"""

RAW_SCHEMA_DDL = f"""
CREATE SCHEMA IF NOT EXISTS raw;
CREATE TABLE IF NOT EXISTS raw.quarantine (
    source VARCHAR NOT NULL,
    raw_line VARCHAR,
    reason VARCHAR NOT NULL,
    {_LINEAGE_DDL}
);
CREATE TABLE IF NOT EXISTS raw.landing_files (
    source VARCHAR NOT NULL,
    _file VARCHAR NOT NULL,
    _file_key VARCHAR NOT NULL,
    version INTEGER NOT NULL,
    sha256 VARCHAR NOT NULL,
    size_bytes BIGINT NOT NULL,
    lines_in INTEGER,
    lines_loaded INTEGER,
    rows_loaded BIGINT,
    lines_quarantined INTEGER,
    status VARCHAR NOT NULL,
    reason VARCHAR,
    _loaded_at TIMESTAMP WITH TIME ZONE NOT NULL
);
CREATE TABLE IF NOT EXISTS raw.public_holidays (
    holiday_date DATE NOT NULL,
    name VARCHAR NOT NULL
);
"""

# A load curve's quarter hours summed per delivered line and slot segment, written by ingestion
# beside the quarter hours themselves: once per delivered file, so billing determinants read
# three rows per POD-day instead of up to a hundred (docs/contracts.md §1).
INTERVAL_SOURCE = "ele_interval_readings"
INTERVAL_SEGMENTS = "raw.ele_interval_segments"
INTERVAL_SEGMENTS_DDL = f"""
CREATE TABLE IF NOT EXISTS {INTERVAL_SEGMENTS} (
    pod VARCHAR NOT NULL,
    reading_date DATE NOT NULL,
    slot_segment SMALLINT NOT NULL,
    kwh DECIMAL(18, 6) NOT NULL,
    interval_count SMALLINT NOT NULL,
    peak_kwh DECIMAL(18, 6) NOT NULL,
    -- another line delivers the same POD and day too: dbt ranks these lines, and only these
    redelivered BOOLEAN NOT NULL DEFAULT false,
    {_LINEAGE_DDL}
)
"""


def interval_segments_sql(quarter_hours: str) -> str:
    """SELECT the segment rows of `quarter_hours` (a relation with pod, reading_date, slot,
    kwh and the lineage columns), one per delivered line and slot segment."""
    return f"""
        SELECT
            pod, reading_date, {slot_segment_sql("slot")} AS slot_segment,
            sum(kwh) AS kwh, count(*) AS interval_count, max(kwh) AS peak_kwh,
            false AS redelivered, _file, _file_key, _line, max(_loaded_at) AS _loaded_at
        FROM {quarter_hours}
        GROUP BY pod, reading_date, slot_segment, _file, _file_key, _line
    """


def mark_redelivered_days(con: duckdb.DuckDBPyConnection, days: str | None = None) -> None:
    """Flag the segment rows of every POD-day that more than one line delivers. `days` (a
    relation of pod, reading_date: the days a file just loaded) limits the search to its PODs
    and dates; without it, the whole table is searched."""
    scope = ""
    if days is not None:
        scope = f"""
            WHERE reading_date BETWEEN (SELECT min(reading_date) FROM {days})
                AND (SELECT max(reading_date) FROM {days})
            AND pod IN (SELECT DISTINCT pod FROM {days})
        """
    con.execute(
        f"""
        UPDATE {INTERVAL_SEGMENTS} AS segments SET redelivered = true
        FROM (
            SELECT pod, reading_date FROM {INTERVAL_SEGMENTS} {scope}
            GROUP BY pod, reading_date
            HAVING min(_file) <> max(_file) OR min(_line) <> max(_line)
        ) AS twice
        WHERE segments.pod = twice.pod AND segments.reading_date = twice.reading_date
            AND NOT segments.redelivered
        """
    )


class LandingError(Exception):
    """A landing file that cannot be read at all (reported per file, never raised past it)."""


@dataclass(frozen=True)
class FileResult:
    source: str
    file: str
    status: str  # loaded | unchanged | superseded | rejected
    lines_in: int = 0
    lines_loaded: int = 0
    rows_loaded: int = 0
    lines_quarantined: int = 0
    reason: str | None = None


def ensure_raw_schema(con: duckdb.DuckDBPyConnection) -> None:
    con.execute(RAW_SCHEMA_DDL)
    # warehouses created before lines_loaded existed
    con.execute("ALTER TABLE raw.landing_files ADD COLUMN IF NOT EXISTS lines_loaded INTEGER")
    for source in SOURCES:
        con.execute(f"CREATE TABLE IF NOT EXISTS {source.table} ({_table_columns(source)})")
    segments_exist = con.execute(
        "SELECT count(*) FROM information_schema.tables "
        "WHERE table_schema = 'raw' AND table_name = ?",
        [INTERVAL_SEGMENTS.removeprefix("raw.")],
    ).fetchone()[0]
    if not segments_exist:
        con.execute(INTERVAL_SEGMENTS_DDL)
        # a warehouse loaded before the segments existed gets them from its quarter hours
        con.execute(
            f"INSERT INTO {INTERVAL_SEGMENTS} {interval_segments_sql(f'raw.{INTERVAL_SOURCE}')}"
        )
        mark_redelivered_days(con)


def _table_columns(source: Source) -> str:
    cols = [f"{c.name} {c.type}" for c in source.columns]
    if source.wide_values:
        _, _, value_type = source.wide_values
        cols += ["slot SMALLINT NOT NULL", f"kwh {value_type} NOT NULL"]
    return ",\n".join(cols) + "," + _LINEAGE_DDL


def landing_files(landing_dir: Path, source: Source) -> list[Path]:
    """The source's files, newest version of each key first: once it loads, older ones are
    recorded as superseded without being parsed; if it is rejected, the next one loads."""
    folder = landing_dir / source.folder
    if not folder.is_dir():
        return []
    files = [p for p in folder.rglob("*.csv") if p.is_file()]
    return sorted(files, key=lambda p: (file_identity(p)[0], -file_identity(p)[1], str(p)))


def load_source(
    con: duckdb.DuckDBPyConnection, landing_dir: Path, source: Source
) -> list[FileResult]:
    """Load every new or changed file of one source; files already loaded are left alone."""
    ensure_raw_schema(con)
    return [
        load_file(con, landing_dir, source, path) for path in landing_files(landing_dir, source)
    ]


def load_file(
    con: duckdb.DuckDBPyConnection, landing_dir: Path, source: Source, path: Path
) -> FileResult:
    rel = path.relative_to(landing_dir).as_posix()
    key, version = file_identity(path)
    file_key = f"{source.name}/{key}"
    digest, size = _sha256(path)

    seen = con.execute(
        "SELECT status FROM raw.landing_files WHERE _file = ? AND sha256 = ? "
        "ORDER BY _loaded_at DESC LIMIT 1",
        [rel, digest],
    ).fetchone()
    if seen is not None:
        return FileResult(source.name, rel, "unchanged")

    newer = con.execute(
        "SELECT max(version) FROM raw.landing_files "
        "WHERE _file_key = ? AND status = 'loaded' AND version > ?",
        [file_key, version],
    ).fetchone()[0]
    if newer is not None:
        result = FileResult(source.name, rel, "superseded", reason=f"version {newer} is loaded")
        _record(con, result, file_key, version, digest, size)
        return result

    try:
        _check_header(path, source)
    except LandingError as exc:
        result = FileResult(source.name, rel, "rejected", reason=str(exc))
        _record(con, result, file_key, version, digest, size)
        return result

    con.execute("BEGIN TRANSACTION")
    try:
        con.execute(f"DELETE FROM {source.table} WHERE _file_key = ?", [file_key])
        if source.name == INTERVAL_SOURCE:
            con.execute(f"DELETE FROM {INTERVAL_SEGMENTS} WHERE _file_key = ?", [file_key])
        con.execute("DELETE FROM raw.quarantine WHERE _file_key = ?", [file_key])
        con.execute(
            "UPDATE raw.landing_files SET status = 'superseded', "
            "reason = 'replaced by ' || ? WHERE _file_key = ? AND status = 'loaded'",
            [rel, file_key],
        )
        counts = _load_lines(con, source, path, rel, file_key)
        result = FileResult(source.name, rel, "loaded", *counts)
        _record(con, result, file_key, version, digest, size)
        con.execute("COMMIT")
    except Exception:
        con.execute("ROLLBACK")
        raise
    return result


def _sha256(path: Path) -> tuple[str, int]:
    h = hashlib.sha256()
    size = 0
    with path.open("rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
            size += len(chunk)
    return h.hexdigest(), size


def _check_header(path: Path, source: Source) -> None:
    # the whole file must decode: DuckDB would otherwise stop half-way through it
    decoder = codecs.getincrementaldecoder("utf-8")()
    with path.open("rb") as f:
        try:
            header = f.readline().decode("utf-8-sig").rstrip("\r\n")
            for chunk in iter(lambda: f.read(1 << 22), b""):
                decoder.decode(chunk)
            decoder.decode(b"", final=True)
        except UnicodeDecodeError as exc:
            raise LandingError(f"not UTF-8: {exc.reason} at byte {exc.start}") from exc
    expected = header_line(source)
    if header != expected:
        raise LandingError(
            f"unexpected header: expected {expected[:120]!r}, found {header[:120]!r}"
        )


def _record(
    con: duckdb.DuckDBPyConnection,
    r: FileResult,
    file_key: str,
    version: int,
    digest: str,
    size: int,
) -> None:
    con.execute(
        "INSERT INTO raw.landing_files (source, _file, _file_key, version, sha256, size_bytes, "
        "lines_in, lines_loaded, rows_loaded, lines_quarantined, status, reason, _loaded_at) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, now())",
        [
            r.source,
            r.file,
            file_key,
            version,
            digest,
            size,
            r.lines_in,
            r.lines_loaded,
            r.rows_loaded,
            r.lines_quarantined,
            r.status,
            r.reason,
        ],
    )


# ---- parsing and validation in SQL -------------------------------------------------------

_NUMBER_RE = "-?[0-9]+(,[0-9]+)?"


def _field(i: int) -> str:
    return f"nullif(trim(f[{i}]), '')"


def _parse(col: Column, raw: str) -> str:
    if col.type == TEXT:
        return raw
    if col.type == DATE:
        return f"try_strptime({raw}, '%d/%m/%Y')::DATE"
    if col.type == INT:
        return f"CASE WHEN regexp_full_match({raw}, '-?[0-9]+') THEN TRY_CAST({raw} AS INTEGER) END"
    return (
        f"CASE WHEN regexp_full_match({raw}, '{_NUMBER_RE}') "
        f"THEN TRY_CAST(replace({raw}, ',', '.') AS {col.type}) END"
    )


def _type_label(col: Column) -> str:
    return {DATE: "date DD/MM/YYYY", INT: "whole number"}.get(col.type, "number")


def _sql_str(s: str) -> str:
    return "'" + s.replace("'", "''") + "'"


def _reasons(source: Source) -> Iterator[str]:
    """SQL expressions, each a reason or NULL, in the order they are reported."""
    width = len(source.columns) + (source.wide_values[1] if source.wide_values else 0)
    yield (f"CASE WHEN len(f) <> {width} THEN 'expected {width} fields, found ' || len(f) END")
    for i, col in enumerate(source.columns, start=1):
        raw = _field(i)
        label = _sql_str(col.header)
        if col.required:
            yield f"CASE WHEN {raw} IS NULL THEN 'missing ' || {label} END"
        if col.type != TEXT:
            yield (
                f"CASE WHEN {raw} IS NOT NULL AND p_{col.name} IS NULL THEN "
                f"{label} || ' is not a valid {_type_label(col)}: ' || {raw} END"
            )
        if col.check:
            check = re.sub(r"\bv\b", f"p_{col.name}", col.check)
            yield (
                f"CASE WHEN p_{col.name} IS NOT NULL AND NOT ({check}) THEN "
                f"{_sql_str(col.check_reason or 'check failed')} || ': ' || {label} "
                f"|| '=' || {raw} END"
            )
    if source.wide_values:
        prefix, _, _ = source.wide_values

        # the first offending slot is named, so an operator can find it in the file
        def first_slot(predicate: str) -> str:
            return f"list_position(list_transform(raw_vals, lambda x, i: {predicate}), true)"

        def slot_label(predicate: str) -> str:
            return f"'{prefix}' || lpad({first_slot(predicate)}::VARCHAR, 3, '0')"

        # a line without any value would be accepted yet load nothing: make it visible
        yield "CASE WHEN list_count(raw_vals) = 0 THEN 'no quarter-hour values' END"
        unparsed = "x IS NOT NULL AND vals[i] IS NULL"
        negative = "vals[i] < 0"
        beyond = "x IS NOT NULL AND i > day_slots"
        for predicate, reason in (
            (unparsed, "not a valid number in "),
            (negative, "negative value in "),
        ):
            label = slot_label(predicate)
            yield f"CASE WHEN {first_slot(predicate)} > 0 THEN '{reason}' || {label} END"
        yield (
            f"CASE WHEN p_reading_date IS NOT NULL AND {first_slot(beyond)} > 0 THEN "
            f"'value in ' || {slot_label(beyond)} || ' beyond the day''s ' || day_slots "
            "|| ' quarter hours' END"
        )


def _load_lines(
    con: duckdb.DuckDBPyConnection, source: Source, path: Path, rel: str, file_key: str
) -> tuple[int, int, int]:
    parsed_cols = ",\n".join(
        f"{_parse(c, _field(i))} AS p_{c.name}" for i, c in enumerate(source.columns, start=1)
    )
    wide = ""
    if source.wide_values:
        _, count, value_type = source.wide_values
        first = len(source.columns) + 1
        num = (
            f"CASE WHEN regexp_full_match(x, '{_NUMBER_RE}') "
            f"THEN TRY_CAST(replace(x, ',', '.') AS {value_type}) END"
        )
        values = f"f[{first}:{first + count - 1}]"
        wide = f", list_transform({values}, lambda x: nullif(trim(x), '')) AS raw_vals"
        wide_vals = f", list_transform(raw_vals, lambda x: {num}) AS vals"
        day_slots = (
            ", CAST((epoch(timezone('Europe/Rome', (p_reading_date + 1)::TIMESTAMP)) - "
            "epoch(timezone('Europe/Rome', p_reading_date::TIMESTAMP))) / 900 AS INTEGER) "
            "AS day_slots"
        )
    else:
        wide_vals = day_slots = ""

    con.execute(
        f"""
        CREATE OR REPLACE TEMP TABLE _lines AS
        WITH text AS (
            SELECT string_split(replace(content, chr(13), ''), chr(10)) AS parts
            FROM read_text(?)
        ), numbered AS (
            SELECT unnest(parts) AS raw_line, generate_subscripts(parts, 1) AS _line FROM text
        ), data_lines AS (
            -- line 1 is the header; the empty piece after the final newline is no line
            SELECT _line, raw_line FROM numbered
            WHERE _line > 1 AND NOT (raw_line = '' AND _line = (SELECT len(parts) FROM text))
        ), split AS (
            SELECT _line, raw_line, string_split(raw_line, ';') AS f {wide} FROM data_lines
        ), typed AS (
            SELECT *, {parsed_cols} {wide_vals} FROM split
        )
        SELECT * {day_slots} FROM typed
        """,
        [str(path)],
    )
    reasons = list(_reasons(source))
    con.execute(
        f"""
        CREATE OR REPLACE TEMP TABLE _checked AS
        SELECT *, coalesce({", ".join(reasons)}) AS reason FROM _lines
        """
    )
    _flag_duplicates(con, source)
    _flag_unknown_supply_points(con, source)
    if source.wide_values:
        _flag_power_cap(con)

    lines_in = con.execute("SELECT count(*) FROM _checked").fetchone()[0]
    con.execute(
        """
        INSERT INTO raw.quarantine
        SELECT ?, raw_line, reason, ?, ?, _line, now() FROM _checked WHERE reason IS NOT NULL
        """,
        [source.name, rel, file_key],
    )
    quarantined = con.execute("SELECT count(*) FROM _checked WHERE reason IS NOT NULL").fetchone()[
        0
    ]

    cols = ", ".join(f"p_{c.name}" for c in source.columns)
    if source.wide_values:
        insert = f"""
            INSERT INTO {source.table}
            SELECT {cols}, slot, kwh, ?, ?, _line, now() FROM (
                SELECT {cols}, _line, unnest(vals) AS kwh, generate_subscripts(vals, 1) AS slot
                FROM _checked WHERE reason IS NULL
            ) WHERE kwh IS NOT NULL
        """
        if source.name == INTERVAL_SOURCE:
            # the line's segment sums, from the parsed values still in memory
            quarter_hours = """(
                SELECT p_pod AS pod, p_reading_date AS reading_date, slot, kwh,
                    $file AS _file, $file_key AS _file_key, _line, now() AS _loaded_at
                FROM (
                    SELECT p_pod, p_reading_date, _line, unnest(vals) AS kwh,
                        generate_subscripts(vals, 1) AS slot
                    FROM _checked WHERE reason IS NULL
                ) WHERE kwh IS NOT NULL
            )"""
            con.execute(
                f"INSERT INTO {INTERVAL_SEGMENTS} {interval_segments_sql(quarter_hours)}",
                {"file": rel, "file_key": file_key},
            )
            con.execute(
                "CREATE OR REPLACE TEMP TABLE _file_days AS SELECT DISTINCT p_pod AS pod, "
                "p_reading_date AS reading_date FROM _checked WHERE reason IS NULL"
            )
            mark_redelivered_days(con, "_file_days")
            con.execute("DROP TABLE _file_days")
    else:
        insert = f"""
            INSERT INTO {source.table}
            SELECT {cols}, ?, ?, _line, now() FROM _checked WHERE reason IS NULL
        """
    con.execute(insert, [rel, file_key])
    lines_loaded, rows_loaded = con.execute(
        f"SELECT count(DISTINCT _line), count(*) FROM {source.table} WHERE _file_key = ?",
        [file_key],
    ).fetchone()
    con.execute("DROP TABLE _lines; DROP TABLE _checked")
    return lines_in, lines_loaded, rows_loaded, quarantined


def _flag_duplicates(con: duckdb.DuckDBPyConnection, source: Source) -> None:
    """A second line with the same natural key in one delivery is quarantined, the first kept."""
    key = ", ".join(f"p_{k}" for k in source.key)
    con.execute(
        f"""
        UPDATE _checked SET reason = 'duplicate of line ' || d.first_line
        FROM (
            SELECT _line, first_value(_line) OVER (PARTITION BY {key} ORDER BY _line) AS first_line
            FROM _checked WHERE reason IS NULL
        ) d
        WHERE _checked._line = d._line AND d.first_line <> d._line
        """
    )


def _flag_unknown_supply_points(con: duckdb.DuckDBPyConnection, source: Source) -> None:
    column = SUPPLY_POINT_COLUMN.get(source.name)
    if column is None:
        return
    con.execute(
        f"""
        UPDATE _checked SET reason = 'unknown supply point ' || p_{column}
        WHERE reason IS NULL AND p_{column} NOT IN (SELECT supply_point_id FROM raw.supply_points)
        """
    )


def _flag_power_cap(con: duckdb.DuckDBPyConnection) -> None:
    con.execute(
        f"""
        UPDATE _checked SET reason = 'value above the physical cap of '
            || (sp.power_kw * 0.25 * {POWER_CAP_TOLERANCE})::DECIMAL(12, 3)
            || ' kWh per quarter hour (committed power ' || sp.power_kw || ' kW)'
        FROM (SELECT supply_point_id, max(power_kw) AS power_kw FROM raw.supply_points
              GROUP BY supply_point_id) sp
        WHERE _checked.reason IS NULL AND sp.supply_point_id = _checked.p_pod
          AND sp.power_kw IS NOT NULL
          AND list_max(_checked.vals) > sp.power_kw * 0.25 * {POWER_CAP_TOLERANCE}
        """
    )


def load_public_holidays(con: duckdb.DuckDBPyConnection, years: Iterable[int]) -> int:
    """Italian national holidays from the `holidays` package (DOMAIN.md §3), replaced whole."""
    import holidays

    ensure_raw_schema(con)
    rows = sorted(holidays.country_holidays("IT", years=list(years)).items())
    con.execute("BEGIN TRANSACTION")
    con.execute("DELETE FROM raw.public_holidays")
    con.executemany("INSERT INTO raw.public_holidays VALUES (?, ?)", rows)
    con.execute("COMMIT")
    return len(rows)
