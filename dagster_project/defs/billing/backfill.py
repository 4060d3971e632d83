"""Backfill the billing job: every lot, every month the warehouse has determinants for.

    python -m dagster_project.defs.billing.backfill [--months 2025-01,2025-02] [--lots A,B]
    python -m dagster_project.defs.billing.backfill --approved

Runs go through the Dagster instance of DAGSTER_HOME (one after the other, oldest month first,
since a true-up restates months billed before), so they show in the UI like scheduled ones.
`--approved` runs only the partitions holding invoices an operator approved, to issue them.
"""

import argparse
import os
import sys
from collections.abc import Callable, Sequence
from datetime import date
from typing import TypeVar

import dagster as dg
import duckdb

from dagster_project.defs.billing.partitions import LOTS, billing_partitions, partition_key
from dagster_project.resources import default_warehouse
from invoicing.lots import lot_of_accounts

T = TypeVar("T")

# the run's events at INFO on the console: a step's start, its summary and its end
QUIET_CONSOLE = {"loggers": {"console": {"config": {"log_level": "INFO"}}}}


def _read(warehouse_path: str, read: Callable[[duckdb.DuckDBPyConnection], T], empty: T) -> T:
    """`read` on one read-only connection; `empty` when the warehouse or its tables do not
    exist yet."""
    try:
        connection = duckdb.connect(warehouse_path, read_only=True)
    except duckdb.IOException:
        return empty
    try:
        return read(connection)
    except duckdb.CatalogException:
        return empty
    finally:
        connection.close()


def months_with_determinants(warehouse_path: str) -> list[date]:
    sql = "SELECT DISTINCT billing_month FROM reports.rpt_billing_determinants ORDER BY 1"
    return _read(warehouse_path, lambda c: [month for (month,) in c.execute(sql).fetchall()], [])


APPROVED = """
SELECT DISTINCT billing_account_id, date_trunc('month', period_end)::DATE
FROM billing.invoices WHERE status = 'approved'
"""


def approved_keys(
    warehouse_path: str, say: Callable[[str], None] = print
) -> list[dg.MultiPartitionKey]:
    """The partitions holding invoices approved but not issued yet, oldest month first. An
    approved invoice no partition can issue (its account in no lot, its month outside the
    partitions) is named through `say`, not dropped in silence."""

    def approved(connection: duckdb.DuckDBPyConnection) -> tuple[list[tuple], dict]:
        rows = connection.execute(APPROVED).fetchall()
        return rows, lot_of_accounts(connection, LOTS) if rows else {}

    rows, lot_of = _read(warehouse_path, approved, ([], {}))
    known = set(billing_partitions.get_partition_keys())
    lot_order = {lot.id: position for position, lot in enumerate(LOTS)}
    pairs = set()
    for account, month in sorted(rows):
        lot_id = lot_of.get(account)
        if lot_id and partition_key(month, lot_id) in known:
            pairs.add((month, lot_id))
        else:
            where = f"lot {lot_id}" if lot_id else "no lot"
            say(f"{account} {month:%Y-%m} ({where}): approved, but no billing partition issues it")
    ordered = sorted(pairs, key=lambda pair: (pair[0], lot_order[pair[1]]))
    return [partition_key(month, lot_id) for month, lot_id in ordered]


def backfill_keys(months: list[date], lot_ids: list[str]) -> list[dg.MultiPartitionKey]:
    """The partitions to run, oldest month first, skipping months outside the partitions."""
    known = set(billing_partitions.get_partition_keys())
    keys = [partition_key(month, lot_id) for month in sorted(months) for lot_id in lot_ids]
    return [key for key in keys if key in known]


def run_partitions(
    keys: Sequence[dg.MultiPartitionKey],
    instance: dg.DagsterInstance,
    *,
    issue_only: bool = False,
    say: Callable[[str], None] = print,
    **execute_options,
) -> list[dg.ExecuteInProcessResult]:
    """Run the billing job for each key in turn, printing each outcome; with `issue_only`, the
    job that issues approved invoices and sends them, without rating again."""
    from dagster_project.definitions import defs

    job = defs.resolve_job_def("issue_approved" if issue_only else "billing_run")
    results = []
    for position, key in enumerate(keys, 1):
        result = job.execute_in_process(
            partition_key=key, instance=instance, raise_on_error=False, **execute_options
        )
        say(f"billing {position}/{len(keys)} {key}: {'ok' if result.success else 'FAILED'}")
        results.append(result)
    return results


def _month(text: str) -> date:
    try:
        return date.fromisoformat(f"{text}-01")
    except ValueError:
        raise argparse.ArgumentTypeError(f"month {text!r}: expected YYYY-MM") from None


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--months", help="YYYY-MM,... (default: every month with determinants)")
    parser.add_argument("--lots", help="lot ids, comma separated (default: every lot)")
    parser.add_argument(
        "--approved",
        action="store_true",
        help="only the partitions holding approved invoices (to issue them)",
    )
    args = parser.parse_args(argv)
    lot_ids = [lot.id for lot in LOTS]
    if args.approved and (args.months or args.lots):
        parser.error("--approved picks its own partitions: leave out --months and --lots")
    if args.lots:
        unknown = sorted(set(args.lots.split(",")) - set(lot_ids))
        if unknown:
            parser.error(f"lots: {unknown[0]} is not in invoicing/lots.yaml")
        lot_ids = args.lots.split(",")
    warehouse = str(default_warehouse().path)
    if args.approved:
        keys = approved_keys(warehouse)
    else:
        if args.months:
            try:
                months = [_month(text) for text in args.months.split(",")]
            except argparse.ArgumentTypeError as error:
                parser.error(str(error))
        else:
            months = months_with_determinants(warehouse)
        keys = backfill_keys(months, lot_ids)
    if not keys:
        print(
            "billing backfill: no approved invoice waits to be issued"
            if args.approved
            else "billing backfill: nothing to bill (no determinants in the warehouse yet)"
        )
        return 0

    # DAGSTER_HOME's instance, so the runs show in the UI; a throwaway one without it
    instance = dg.DagsterInstance.get() if os.environ.get("DAGSTER_HOME") else None
    with instance or dg.DagsterInstance.ephemeral() as instance:
        results = run_partitions(keys, instance, issue_only=args.approved, run_config=QUIET_CONSOLE)
    failed = sum(not result.success for result in results)
    if failed:
        print(f"billing backfill: {failed} of {len(keys)} partitions failed", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
