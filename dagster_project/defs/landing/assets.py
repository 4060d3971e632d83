"""Ingest assets: one per landing source, loading new and re-delivered files into `raw`."""

import dagster as dg

from dagster_project.resources import Warehouse
from landing.loader import load_public_holidays, load_source
from landing.sources import SOURCES, Source

HOLIDAY_YEARS = range(2020, 2031)


def raw_key(name: str) -> dg.AssetKey:
    return dg.AssetKey(["raw", name])


def build_source_asset(source: Source) -> dg.AssetsDefinition:
    @dg.asset(
        key=raw_key(source.name),
        group_name="landing",
        description=source.description,
        deps=[raw_key(d) for d in source.depends_on],
        kinds={"duckdb"},
        metadata={"landing_folder": source.folder},
    )
    def _asset(context: dg.AssetExecutionContext, warehouse: Warehouse) -> dg.MaterializeResult:
        with warehouse.connect() as con:
            results = load_source(con, warehouse.landing_dir, source)
            total_rows = con.execute(f"SELECT count(*) FROM {source.table}").fetchone()[0]
        new = [r for r in results if r.status != "unchanged"]
        for r in new:
            context.log.info(
                f"{r.file}: {r.status}, {r.lines_in} lines, {r.rows_loaded} rows, "
                f"{r.lines_quarantined} quarantined" + (f" ({r.reason})" if r.reason else "")
            )
        return dg.MaterializeResult(
            metadata={
                "files_seen": len(results),
                "files_loaded": sum(r.status == "loaded" for r in new),
                "files_rejected": sum(r.status == "rejected" for r in new),
                "lines_in": sum(r.lines_in for r in new),
                "lines_quarantined": sum(r.lines_quarantined for r in new),
                "rows_in_table": total_rows,
            }
        )

    return _asset


source_assets = [build_source_asset(s) for s in SOURCES]


@dg.asset(key=raw_key("public_holidays"), group_name="landing", kinds={"duckdb"})
def public_holidays(warehouse: Warehouse) -> dg.MaterializeResult:
    """Italian national holidays from the `holidays` package, for the band calendar."""
    with warehouse.connect() as con:
        n = load_public_holidays(con, HOLIDAY_YEARS)
    return dg.MaterializeResult(metadata={"holidays": n})


def build_source_check(source: Source) -> dg.AssetChecksDefinition:
    count = "count(DISTINCT _line)" if source.wide_values else "count(*)"

    @dg.asset_check(
        asset=raw_key(source.name),
        name="lines_accounted_for",
        blocking=True,
        description="Nothing lost: every data line of every loaded file is loaded or quarantined.",
    )
    def _check(warehouse: Warehouse) -> dg.AssetCheckResult:
        with warehouse.connect() as con:
            rows = con.execute(
                f"""
                SELECT f._file, f.lines_in, coalesce(l.n, 0), coalesce(q.n, 0)
                FROM raw.landing_files f
                LEFT JOIN (SELECT _file, {count} AS n FROM {source.table} GROUP BY 1) l
                    USING (_file)
                LEFT JOIN (SELECT _file, count(*) AS n FROM raw.quarantine GROUP BY 1) q
                    USING (_file)
                WHERE f.status = 'loaded' AND f.source = ?
                """,
                [source.name],
            ).fetchall()
        unbalanced = [
            f for f, lines_in, loaded, quarantined in rows if lines_in != loaded + quarantined
        ]
        return dg.AssetCheckResult(
            passed=not unbalanced,
            metadata={
                "files_checked": len(rows),
                "lines_quarantined": sum(r[3] for r in rows),
                "unbalanced_files": unbalanced[:20],
            },
        )

    return _check


source_checks = [build_source_check(s) for s in SOURCES]
