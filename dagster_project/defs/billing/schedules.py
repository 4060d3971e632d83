"""One schedule per lot (BI7, IN8): each run bills the month(s) of the lot's cycle just ended."""

import dagster as dg

from dagster_project.defs.billing.partitions import LOTS, partition_key
from invoicing.lots import Lot


def lot_schedule(lot: Lot, job) -> dg.ScheduleDefinition:
    """Runs `job` (partitioned by billing month × lot) for the lot's months ended before the
    run, oldest first."""

    @dg.schedule(
        name=f"billing_{lot.id.replace('-', '_')}",
        job=job,
        cron_schedule=lot.schedule,
        execution_timezone="Europe/Rome",
        description=f"Bills lot {lot.id} (company {lot.company_id}, {lot.billing_cycle} cycle,"
        f" segment {lot.segment}).",
    )
    def _schedule(context: dg.ScheduleEvaluationContext):
        run_day = context.scheduled_execution_time.date()
        for month in lot.months_to_bill(run_day):
            yield dg.RunRequest(
                run_key=f"{lot.id}|{month:%Y-%m}", partition_key=partition_key(month, lot.id)
            )

    return _schedule


def lot_schedules(job) -> list[dg.ScheduleDefinition]:
    return [lot_schedule(lot, job) for lot in LOTS]
