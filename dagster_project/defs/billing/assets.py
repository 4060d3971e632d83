"""Rating assets: price the monthly determinants into draft invoices."""

import dagster as dg

from dagster_project.resources import Warehouse
from rating.engine import rate_all_months


@dg.asset(
    key=dg.AssetKey(["billing", "invoices"]),
    group_name="billing",
    deps=[
        dg.AssetKey(["reports", "rpt_monthly_consumption"]),
        dg.AssetKey(["reports", "rpt_supply_points"]),
        dg.AssetKey(["reports", "rpt_offers"]),
        dg.AssetKey(["reference", "ref_regulated_tariffs"]),
        dg.AssetKey(["reference", "ref_tax_rates"]),
    ],
    kinds={"duckdb", "python"},
)
def invoices(context: dg.AssetExecutionContext, warehouse: Warehouse) -> dg.MaterializeResult:
    """One draft invoice per billing account and month; re-running replaces drafts only."""
    with warehouse.connect() as con:
        summaries = rate_all_months(con)
    for s in summaries:
        context.log.info(str(s))
    return dg.MaterializeResult(
        metadata={
            "months": len(summaries),
            "invoices": sum(s.invoices for s in summaries),
            "lines": sum(s.lines for s in summaries),
        }
    )
