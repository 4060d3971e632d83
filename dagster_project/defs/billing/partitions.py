"""Billing partitions: billing month × lot, the lots coming from invoicing/lots.yaml."""

from datetime import date, datetime

import dagster as dg

from invoicing.lots import Lot, find_lot, load_lots

# the first month the warehouse's calendar covers (dbt var calendar_start)
FIRST_BILLING_MONTH = "2024-01-01"

LOTS = load_lots()

billing_partitions = dg.MultiPartitionsDefinition(
    {
        "month": dg.MonthlyPartitionsDefinition(start_date=FIRST_BILLING_MONTH),
        "lot": dg.StaticPartitionsDefinition([lot.id for lot in LOTS]),
    }
)


def partition_key(month: date, lot_id: str) -> dg.MultiPartitionKey:
    return dg.MultiPartitionKey({"month": month.strftime("%Y-%m-%d"), "lot": lot_id})


def month_and_lot(key: str) -> tuple[date, Lot]:
    """The billing month (first day) and the lot of a partition key."""
    keys = billing_partitions.get_partition_key_from_str(key).keys_by_dimension
    return datetime.strptime(keys["month"], "%Y-%m-%d").date(), find_lot(keys["lot"], LOTS)
