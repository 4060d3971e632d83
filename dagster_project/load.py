"""The whole load in one process, step by step: what `make load` runs.

    python -m dagster_project.load [--approve-as ACTOR]

1. the daily load: landing files, quality checks, dbt, snapshot;
2. billing, every month with determinants × every lot;
3. with --approve-as: that operator approves every invoice the checks passed
   (the demo's operator; leave it out and approval waits for a person, see invoicing.operator);
4. the issue of the approved invoices, and their documents, in the partitions holding them;
5. a fresh snapshot for the dashboards.

The runs go through the Dagster instance of DAGSTER_HOME, so they show in the UI as if the
schedules had started them. One process pays the definitions' import once (about 8 s here)
instead of once per step.
"""

import argparse
import os
import sys
import time
from collections.abc import Callable

import dagster as dg

from dagster_project.defs.billing.backfill import (
    QUIET_CONSOLE,
    approved_keys,
    backfill_keys,
    months_with_determinants,
    run_partitions,
)
from dagster_project.defs.billing.partitions import LOTS
from dagster_project.resources import default_warehouse


class LoadFailed(RuntimeError):
    """A step of the load failed; the message names it."""


def load(
    instance: dg.DagsterInstance,
    *,
    approve_as: str | None = None,
    resources: dict | None = None,
    say: Callable[[str], None] = print,
) -> list[dg.ExecuteInProcessResult]:
    """Run every step in turn and return the runs' results; raise LoadFailed naming the first
    step that failed. `resources` replace the code location's (a test's warehouse and store)."""
    from dagster_project.definitions import defs

    resources = resources or {}
    warehouse = str(resources.get("warehouse", default_warehouse()).path)
    options = {"run_config": QUIET_CONSOLE, **({"resources": resources} if resources else {})}
    steps = 5 if approve_as else 3
    step = 0
    results: list[dg.ExecuteInProcessResult] = []

    def begin(title: str) -> float:
        nonlocal step
        step += 1
        say(f"[{step}/{steps}] {title}")
        return time.perf_counter()

    def done(started: float) -> None:
        say(f"      done in {time.perf_counter() - started:.1f} s")

    def bill(keys: list, issue_only: bool = False) -> None:
        billed = run_partitions(keys, instance, issue_only=issue_only, say=say, **options)
        results.extend(billed)
        failed = sum(not result.success for result in billed)
        if failed:
            raise LoadFailed(f"billing failed for {failed} of {len(keys)} partitions")

    def execute(job: dg.JobDefinition, what: str) -> None:
        result = job.execute_in_process(instance=instance, raise_on_error=False, **options)
        results.append(result)
        if not result.success:
            raise LoadFailed(f"{what} failed: see its run {result.run_id} in the Dagster UI")

    started = begin("daily load: landing files, quality checks, dbt models, snapshot")
    execute(defs.resolve_job_def("daily_load"), "the daily load")
    done(started)

    keys = backfill_keys(months_with_determinants(warehouse), [lot.id for lot in LOTS])
    started = begin(f"billing: {len(keys)} partitions (month × lot)")
    bill(keys)
    done(started)

    if approve_as:
        from invoicing.operator import main as operator

        started = begin(f"{approve_as} approves every invoice the checks passed")
        store = ["--store", resources["store"].store_url] if "store" in resources else []
        approve = ["--warehouse", warehouse, *store, "--actor", approve_as, "approve"]
        if operator([*approve, "--all-checked"]) != 0:
            raise LoadFailed("the approval of checked invoices failed")
        done(started)
        keys = approved_keys(warehouse, say=say)
        started = begin(f"issuing and sending what was approved: {len(keys)} partitions")
        bill(keys, issue_only=True)
        done(started)

    started = begin("snapshot for the dashboards")
    execute(defs.resolve_job_def("publish_snapshot"), "the snapshot")
    done(started)
    return results


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m dagster_project.load", description=__doc__.splitlines()[0]
    )
    parser.add_argument(
        "--approve-as",
        metavar="ACTOR",
        help="approve every checked invoice as this operator, then issue it (the demo)",
    )
    args = parser.parse_args(argv)
    # DAGSTER_HOME's instance, so the runs show in the UI; a throwaway one without it
    instance = dg.DagsterInstance.get() if os.environ.get("DAGSTER_HOME") else None
    started = time.perf_counter()
    with instance or dg.DagsterInstance.ephemeral() as instance:
        try:
            load(instance, approve_as=args.approve_as)
        except LoadFailed as failure:
            print(f"load: {failure}", file=sys.stderr)
            return 1
    print(f"load: finished in {time.perf_counter() - started:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
