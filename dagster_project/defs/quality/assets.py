"""The holds rating reads: one asset, downstream of the blocking quality checks."""

import dagster as dg

from dagster_project.defs.landing.assets import raw_key
from dagster_project.resources import Warehouse
from quality.batches import METERING_SOURCES
from quality.store import ensure_quality_schema, rebuild_holds, run_counts


@dg.asset(
    key=dg.AssetKey(["quality", "supply_point_holds"]),
    group_name="quality",
    # the blocking checks on these assets write the findings, so this runs after all of them
    deps=[raw_key(s) for s in (*METERING_SOURCES, "contracts")],
    kinds={"duckdb"},
)
def supply_point_holds(
    context: dg.AssetExecutionContext, warehouse: Warehouse
) -> dg.MaterializeResult:
    """Supply points and months that rating must skip, one row per failing check."""
    with warehouse.connect() as con:
        ensure_quality_schema(con)
        rebuild_holds(con)
        by_check = dict(
            con.execute(
                "SELECT check_name, count(*) FROM quality.supply_point_holds "
                "GROUP BY ALL ORDER BY ALL"
            ).fetchall()
        )
        by_month = {
            str(month): n
            for month, n in con.execute(
                "SELECT billing_month, count(DISTINCT supply_point_id) "
                "FROM quality.supply_point_holds GROUP BY ALL ORDER BY ALL"
            ).fetchall()
        }
        points = con.execute(
            "SELECT count(DISTINCT supply_point_id) FROM quality.supply_point_holds"
        ).fetchone()[0]
        this_run = run_counts(con, context.run_id)
    return dg.MaterializeResult(
        metadata={
            "points_held": points,
            "holds_by_check": dg.MetadataValue.json(by_check),
            "points_held_by_month": dg.MetadataValue.json(by_month),
            "findings_this_run_by_check": dg.MetadataValue.json(this_run),
            "findings_this_run": sum(this_run.values()),
        }
    )
