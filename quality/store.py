"""The `quality` schema: findings (the operator's quarantine), supply-point holds, run counts.

A finding is one failing row or point of one check on one batch. Batches are a landing file
(its `_file_key`, so a re-delivery replaces the findings of the version it supersedes) or
`warehouse/<check>` for the checks over the whole warehouse. Findings live in
`quality.quarantine`, not `raw.quarantine`: the rows stay in raw (they are delivered data,
loaded whole), and ingestion's balance `lines_in = loaded + quarantined` counts
`raw.quarantine` per file, so recording them there would count those lines twice. The view
`quality.all_quarantine` shows both to the operator.

`quality.supply_point_holds` is derived: one row per supply point, billing month and check
with at least one blocking finding, rebuilt after every change of findings. So re-running a
batch replaces its holds, and a clean re-delivery releases them.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass
from datetime import date, datetime

import duckdb
import pandas as pd

from landing.loader import ensure_raw_schema

HOLDS_DDL = """
CREATE SCHEMA IF NOT EXISTS quality;
CREATE TABLE IF NOT EXISTS quality.supply_point_holds (
    supply_point_id VARCHAR NOT NULL,
    company_id VARCHAR,
    billing_month DATE NOT NULL,
    check_name VARCHAR NOT NULL,
    reason VARCHAR NOT NULL,
    detected_at TIMESTAMP WITH TIME ZONE NOT NULL,
    run_id VARCHAR NOT NULL
);
"""

QUALITY_DDL = """
CREATE TABLE IF NOT EXISTS quality.quarantine (
    source VARCHAR NOT NULL,
    check_name VARCHAR NOT NULL,
    batch VARCHAR NOT NULL,
    supply_point_id VARCHAR,
    billing_month DATE,
    reading_date DATE,
    reason VARCHAR NOT NULL,
    blocking BOOLEAN NOT NULL,
    _file VARCHAR,
    _file_key VARCHAR,
    _line INTEGER,
    detected_at TIMESTAMP WITH TIME ZONE NOT NULL,
    run_id VARCHAR NOT NULL
);
CREATE TABLE IF NOT EXISTS quality.validated_files (
    source VARCHAR NOT NULL,
    _file VARCHAR NOT NULL,
    _file_key VARCHAR NOT NULL,
    file_loaded_at TIMESTAMP WITH TIME ZONE NOT NULL,
    validated_at TIMESTAMP WITH TIME ZONE NOT NULL,
    run_id VARCHAR NOT NULL
);
CREATE TABLE IF NOT EXISTS quality.check_runs (
    run_id VARCHAR NOT NULL,
    batch VARCHAR NOT NULL,
    check_name VARCHAR NOT NULL,
    findings INTEGER NOT NULL,
    points_held INTEGER NOT NULL,
    recorded_at TIMESTAMP WITH TIME ZONE NOT NULL
);
CREATE OR REPLACE VIEW quality.all_quarantine AS
SELECT source, _file, _line, raw_line, reason, NULL::VARCHAR AS supply_point_id,
    _loaded_at AS recorded_at
FROM raw.quarantine
UNION ALL
SELECT source, _file, _line, NULL, reason, supply_point_id, detected_at
FROM quality.quarantine;
"""

_FINDING_COLUMNS = (
    "check_name",
    "reason",
    "supply_point_id",
    "billing_month",
    "reading_date",
    "file",
    "file_key",
    "line",
    "blocking",
)


@dataclass(frozen=True)
class Finding:
    """One failing row or point; `blocking` findings hold their point for `billing_month`."""

    check_name: str
    reason: str
    supply_point_id: str | None = None
    billing_month: date | None = None
    reading_date: date | None = None
    file: str | None = None
    file_key: str | None = None
    line: int | None = None
    blocking: bool = True


@dataclass(frozen=True)
class PendingFile:
    source: str
    file: str
    file_key: str
    loaded_at: datetime


@dataclass(frozen=True)
class BatchCounts:
    batch: str
    findings: int
    points_held: int  # distinct supply points with a blocking finding in this batch


def ensure_holds_table(con: duckdb.DuckDBPyConnection) -> None:
    """The holds table rating reads; safe to call from either side, any number of times."""
    con.execute(HOLDS_DDL)


def ensure_quality_schema(con: duckdb.DuckDBPyConnection) -> None:
    # the operator's view unions raw.quarantine, so raw must exist first
    ensure_raw_schema(con)
    con.execute(HOLDS_DDL)
    con.execute(QUALITY_DDL)


def pending_files(con: duckdb.DuckDBPyConnection, source: str) -> list[PendingFile]:
    """The source's loaded files not validated since they were loaded, oldest first.

    A file found unusable because the raw table's schema was wrong is tried again on every
    run, so fixing the table releases its holds without a re-delivery.
    """
    rows = con.execute(
        """
        SELECT f.source, f._file, f._file_key, f._loaded_at
        FROM raw.landing_files f
        WHERE f.source = ? AND f.status = 'loaded'
          AND (
              NOT EXISTS (
                  SELECT 1 FROM quality.validated_files v
                  WHERE v._file = f._file AND v.file_loaded_at = f._loaded_at
              )
              OR EXISTS (
                  SELECT 1 FROM quality.quarantine q
                  WHERE q.batch = f._file_key AND q.check_name = 'schema'
              )
          )
        ORDER BY f._loaded_at, f._file
        """,
        [source],
    ).fetchall()
    return [PendingFile(*row) for row in rows]


def mark_validated(con: duckdb.DuckDBPyConnection, file: PendingFile, run_id: str) -> None:
    con.execute(
        "INSERT INTO quality.validated_files VALUES (?, ?, ?, ?, now(), ?)",
        [file.source, file.file, file.file_key, file.loaded_at, run_id],
    )


def replace_findings(
    con: duckdb.DuckDBPyConnection,
    batch: str,
    findings: Sequence[Finding],
    checks: Iterable[str],
    run_id: str,
) -> BatchCounts:
    """Replace one batch's findings, count them for the run, and rebuild the holds.

    A finding that was already there keeps the time and run that first detected it.
    """
    frame = pd.DataFrame(
        [asdict(f) for f in findings] or None, columns=list(_FINDING_COLUMNS)
    ).astype({"line": "Int64", "blocking": "bool"})
    con.register("_new_findings", frame)
    con.execute("BEGIN TRANSACTION")
    try:
        con.execute(
            """
            CREATE OR REPLACE TEMP TABLE _old_findings AS
            SELECT check_name, supply_point_id, billing_month, reading_date, _line, reason,
                min(detected_at) AS detected_at, arg_min(run_id, detected_at) AS run_id
            FROM quality.quarantine WHERE batch = ?
            GROUP BY ALL
            """,
            [batch],
        )
        con.execute("DELETE FROM quality.quarantine WHERE batch = ?", [batch])
        con.execute(
            """
            INSERT INTO quality.quarantine
            SELECT 'quality:' || n.check_name, n.check_name, ?, n.supply_point_id,
                n.billing_month::DATE, n.reading_date::DATE, n.reason, n.blocking, n.file,
                n.file_key, n.line::INTEGER, coalesce(o.detected_at, now()),
                coalesce(o.run_id, ?)
            FROM _new_findings n
            LEFT JOIN _old_findings o
                ON o.check_name = n.check_name
                AND o.supply_point_id IS NOT DISTINCT FROM n.supply_point_id
                AND o.billing_month IS NOT DISTINCT FROM n.billing_month::DATE
                AND o.reading_date IS NOT DISTINCT FROM n.reading_date::DATE
                AND o._line IS NOT DISTINCT FROM n.line::INTEGER
                AND o.reason = n.reason
            """,
            [batch, run_id],
        )
        con.execute(
            """
            INSERT INTO quality.check_runs
            SELECT ?, ?, c.check_name, count(n.check_name),
                count(DISTINCT CASE WHEN n.blocking THEN n.supply_point_id END), now()
            FROM (SELECT unnest(?::VARCHAR[]) AS check_name) c
            LEFT JOIN _new_findings n USING (check_name)
            GROUP BY c.check_name
            """,
            [run_id, batch, sorted(set(checks) | {f.check_name for f in findings})],
        )
        rebuild_holds(con)
        con.execute("DROP TABLE _old_findings")
        con.execute("COMMIT")
    except Exception:
        con.execute("ROLLBACK")
        raise
    finally:
        con.unregister("_new_findings")
    held = {f.supply_point_id for f in findings if f.blocking and f.supply_point_id}
    return BatchCounts(batch, len(findings), len(held))


def rebuild_holds(con: duckdb.DuckDBPyConnection) -> None:
    """One hold per supply point, billing month and check with a blocking finding."""
    con.execute("DELETE FROM quality.supply_point_holds")
    con.execute(
        """
        INSERT INTO quality.supply_point_holds
        SELECT
            q.supply_point_id,
            sp.company_id,
            q.billing_month,
            q.check_name,
            arg_min(q.reason, (q.reading_date, q._line))
                || CASE WHEN count(*) > 1 THEN ' (and ' || (count(*) - 1) || ' more)' ELSE '' END,
            min(q.detected_at),
            arg_min(q.run_id, q.detected_at)
        FROM quality.quarantine q
        LEFT JOIN (
            SELECT supply_point_id, arg_max(company_id, valid_from) AS company_id
            FROM raw.supply_points GROUP BY supply_point_id
        ) sp USING (supply_point_id)
        WHERE q.blocking AND q.supply_point_id IS NOT NULL AND q.billing_month IS NOT NULL
        GROUP BY q.supply_point_id, sp.company_id, q.billing_month, q.check_name
        """
    )


@dataclass(frozen=True)
class HoldSummary:
    """The open findings of some batches, for check metadata."""

    findings: int
    points_held: int
    point_months_held: int
    schema_failures: int
    sample: list[str]  # a few held points with their month and check


def summarise(con: duckdb.DuckDBPyConnection, batches: Sequence[str]) -> HoldSummary:
    """Open findings of the batches named (a trailing `%` matches a prefix)."""
    where = " OR ".join("batch LIKE ?" for _ in batches) or "false"
    findings, points, point_months, schema = con.execute(
        f"""
        SELECT count(*),
            count(DISTINCT CASE WHEN blocking THEN supply_point_id END),
            count(DISTINCT CASE WHEN blocking THEN (supply_point_id, billing_month) END),
            count(*) FILTER (WHERE check_name = 'schema')
        FROM quality.quarantine WHERE {where}
        """,
        list(batches),
    ).fetchone()
    sample = con.execute(
        f"""
        SELECT DISTINCT supply_point_id || ' ' || strftime(billing_month, '%Y-%m') || ' '
            || check_name AS hold
        FROM quality.quarantine
        WHERE blocking AND supply_point_id IS NOT NULL AND ({where})
        ORDER BY hold LIMIT 20
        """,
        list(batches),
    ).fetchall()
    return HoldSummary(findings, points, point_months, schema, [s for (s,) in sample])


def run_counts(con: duckdb.DuckDBPyConnection, run_id: str) -> dict[str, int]:
    """Findings recorded per check by one run (every batch it validated)."""
    rows = con.execute(
        "SELECT check_name, sum(findings) FROM quality.check_runs WHERE run_id = ? "
        "GROUP BY check_name ORDER BY check_name",
        [run_id],
    ).fetchall()
    return {check: int(n) for check, n in rows}
