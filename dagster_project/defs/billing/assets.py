"""Billing assets, partitioned by billing month × lot: rated and checked drafts, pre-invoices,
issued invoices, and the check that issued invoices never changed."""

from pathlib import Path

import dagster as dg

from dagster_project.defs.billing.partitions import billing_partitions, month_and_lot
from dagster_project.defs.billing.resources import OperationalStore
from dagster_project.resources import Warehouse
from invoicing.issue import audit_issued
from invoicing.runs import bill_lot, issue_lot, write_lot_pre_invoices

INVOICES = dg.AssetKey(["billing", "invoices"])
PRE_INVOICES = dg.AssetKey(["billing", "pre_invoices"])
ISSUED_INVOICES = dg.AssetKey(["billing", "issued_invoices"])
# held invoices listed in the run's metadata for the operator; the rest are counted
HELD_SHOWN = 20


def _held_table(held: dict[str, str]) -> dg.MetadataValue:
    rows = "\n".join(
        f"| {invoice_id} | {reason} |" for invoice_id, reason in list(held.items())[:HELD_SHOWN]
    )
    more = f"\n\n{len(held) - HELD_SHOWN} more" if len(held) > HELD_SHOWN else ""
    return dg.MetadataValue.md(f"| invoice | held because |\n| --- | --- |\n{rows}{more}")


@dg.asset(
    key=INVOICES,
    group_name="billing",
    partitions_def=billing_partitions,
    deps=[
        dg.AssetKey(["reports", "rpt_billing_determinants"]),
        dg.AssetKey(["reports", "rpt_monthly_consumption"]),
        dg.AssetKey(["reports", "rpt_supply_points"]),
        dg.AssetKey(["reports", "rpt_offers"]),
        dg.AssetKey(["reports", "rpt_hourly_consumption"]),
        dg.AssetKey(["reports", "rpt_market_prices"]),
        dg.AssetKey(["reference", "ref_regulated_tariffs"]),
        dg.AssetKey(["reference", "ref_tax_rates"]),
        dg.AssetKey(["marts", "dim_billing_account"]),
        dg.AssetKey(["marts", "dim_customer"]),
    ],
    kinds={"duckdb", "python"},
)
def invoices(
    context: dg.AssetExecutionContext, warehouse: Warehouse, store: OperationalStore
) -> dg.MaterializeResult:
    """The lot's invoices for the month: rated into drafts (a re-run replaces what no one has
    approved yet, never an issued invoice), then checked, or held with a reason."""
    month, lot = month_and_lot(context.partition_key)
    with warehouse.connect() as connection:
        result = bill_lot(connection, store.sessions(), month, lot)
    context.log.info(f"{lot.id}: {result}")
    metadata = {
        "invoices": result.rating.invoices,
        "lines": result.rating.lines,
        "checked": len(result.checks.checked),
        "on_hold": len(result.checks.held),
        **{f"skipped_{reason}": n for reason, n in sorted(result.rating.skipped.items())},
    }
    if result.checks.held:
        metadata["held"] = _held_table(result.checks.held)
    return dg.MaterializeResult(metadata=metadata)


@dg.asset(
    key=PRE_INVOICES,
    group_name="billing",
    partitions_def=billing_partitions,
    deps=[INVOICES],
    kinds={"excel"},
)
def pre_invoices(context: dg.AssetExecutionContext, warehouse: Warehouse) -> dg.MaterializeResult:
    """A pre-invoice workbook per document not issued yet, to check or send ahead (IN1, PR1)."""
    month, lot = month_and_lot(context.partition_key)
    out_dir = Path(warehouse.data_home).resolve() / "out" / "pre_invoices" / f"{month:%Y-%m}"
    out_dir = out_dir / lot.id
    with warehouse.connect() as connection:
        paths = write_lot_pre_invoices(connection, month, lot, out_dir)
    return dg.MaterializeResult(
        metadata={"workbooks": len(paths), "folder": dg.MetadataValue.path(str(out_dir))}
    )


@dg.asset(
    key=ISSUED_INVOICES,
    group_name="billing",
    partitions_def=billing_partitions,
    deps=[INVOICES, PRE_INVOICES],
    kinds={"duckdb", "python"},
)
def issued_invoices(
    context: dg.AssetExecutionContext, warehouse: Warehouse, store: OperationalStore
) -> dg.MaterializeResult:
    """Approved invoices issued with gap-free numbers (checked ones approved first where the
    lot says so); an invoice that would bill a day twice is held instead."""
    month, lot = month_and_lot(context.partition_key)
    with warehouse.connect() as connection:
        result = issue_lot(connection, store.sessions(), month, lot)
    context.log.info(f"{lot.id}: {result}")
    metadata = {
        "issued": len(result.issued),
        "on_hold": len(result.held),
        "numbers": ", ".join(f"{r.series} {r.year}/{r.number}" for r in result.issued) or "-",
    }
    if result.held:
        metadata["held"] = _held_table(result.held)
    return dg.MaterializeResult(metadata=metadata)


@dg.asset_check(asset=ISSUED_INVOICES, blocking=True)
def issued_invoices_unchanged(warehouse: Warehouse, store: OperationalStore) -> dg.AssetCheckResult:
    """Every issued invoice is exactly as it was issued, with its number from the store."""
    with warehouse.connect() as connection:
        problems = audit_issued(connection, store.sessions())
    return dg.AssetCheckResult(
        passed=not problems,
        metadata={"problems": len(problems)}
        | ({"invoices": _held_table(problems)} if problems else {}),
    )
