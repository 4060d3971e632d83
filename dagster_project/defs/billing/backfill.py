"""Backfill the billing job: every lot, every month the warehouse has determinants for.

    python -m dagster_project.defs.billing.backfill [--months 2025-01,2025-02] [--lots A,B]

Runs go through the Dagster instance of DAGSTER_HOME (one after the other, oldest month first,
since a true-up restates months billed before), so they show in the UI like scheduled ones.
"""

import argparse
import os
import sys
from datetime import date

import dagster as dg
import duckdb

from dagster_project.defs.billing.partitions import LOTS, billing_partitions, partition_key
from dagster_project.resources import default_warehouse


def months_with_determinants(warehouse_path: str) -> list[date]:
    try:
        connection = duckdb.connect(warehouse_path, read_only=True)
    except duckdb.IOException:
        return []
    try:
        rows = connection.execute(
            "SELECT DISTINCT billing_month FROM reports.rpt_billing_determinants ORDER BY 1"
        ).fetchall()
    except duckdb.CatalogException:
        rows = []
    finally:
        connection.close()
    return [month for (month,) in rows]


def backfill_keys(months: list[date], lot_ids: list[str]) -> list[dg.MultiPartitionKey]:
    """The partitions to run, oldest month first, skipping months outside the partitions."""
    known = set(billing_partitions.get_partition_keys())
    keys = [partition_key(month, lot_id) for month in sorted(months) for lot_id in lot_ids]
    return [key for key in keys if key in known]


def _month(text: str) -> date:
    try:
        return date.fromisoformat(f"{text}-01")
    except ValueError:
        raise argparse.ArgumentTypeError(f"month {text!r}: expected YYYY-MM") from None


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--months", help="YYYY-MM,... (default: every month with determinants)")
    parser.add_argument("--lots", help="lot ids, comma separated (default: every lot)")
    args = parser.parse_args(argv)
    lot_ids = [lot.id for lot in LOTS]
    if args.lots:
        unknown = sorted(set(args.lots.split(",")) - set(lot_ids))
        if unknown:
            parser.error(f"lots: {unknown[0]} is not in invoicing/lots.yaml")
        lot_ids = args.lots.split(",")
    if args.months:
        try:
            months = [_month(text) for text in args.months.split(",")]
        except argparse.ArgumentTypeError as error:
            parser.error(str(error))
    else:
        months = months_with_determinants(str(default_warehouse().path))
    keys = backfill_keys(months, lot_ids)
    if not keys:
        print("billing backfill: nothing to bill (no determinants in the warehouse yet)")
        return 0

    from dagster_project.definitions import defs

    job = defs.resolve_job_def("billing_run")
    failed = []
    # DAGSTER_HOME's instance, so the runs show in the UI; a throwaway one without it
    instance = dg.DagsterInstance.get() if os.environ.get("DAGSTER_HOME") else None
    with instance or dg.DagsterInstance.ephemeral() as instance:
        for key in keys:
            result = job.execute_in_process(
                partition_key=key, instance=instance, raise_on_error=False
            )
            print(f"billing {key}: {'ok' if result.success else 'FAILED'}")
            if not result.success:
                failed.append(key)
    if failed:
        print(f"billing backfill: {len(failed)} of {len(keys)} partitions failed", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
