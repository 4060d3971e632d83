"""Publish the report and billing tables as the Parquet snapshot the dashboards read."""

import dagster as dg

from dagster_project.resources import Warehouse
from energia.serving import publish_snapshot


@dg.asset(
    key=dg.AssetKey(["serving", "snapshot"]),
    group_name="serving",
    deps=[
        dg.AssetKey(["reports", "rpt_supply_points"]),
        dg.AssetKey(["reports", "rpt_monthly_consumption"]),
        dg.AssetKey(["reports", "rpt_load_curve"]),
        dg.AssetKey(["reports", "rpt_offers"]),
        dg.AssetKey(["reports", "rpt_customers"]),
        dg.AssetKey(["reports", "rpt_forward_curves"]),
        dg.AssetKey(["reports", "rpt_market_prices"]),
        dg.AssetKey(["billing", "invoices"]),
    ],
    kinds={"parquet"},
)
def snapshot(context: dg.AssetExecutionContext, warehouse: Warehouse) -> dg.MaterializeResult:
    """A new snapshot per run, switched atomically: a user never sees a half-written run."""
    with warehouse.connect() as con:
        published = publish_snapshot(con, warehouse.serving_dir)
    context.log.info(f"published snapshot {published.snapshot_id} to {published.path}")
    return dg.MaterializeResult(
        metadata={
            "snapshot_id": published.snapshot_id,
            "path": dg.MetadataValue.path(str(published.path)),
            **{f"rows_{t}": n for t, n in published.tables.items()},
        }
    )
