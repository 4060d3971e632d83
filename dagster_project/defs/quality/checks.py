"""Quality gates as asset checks: GX suites on new metering files, SQL over the whole warehouse.

Every check is declared blocking so that whatever reads the raw tables downstream (the dbt
build, the holds asset) waits until the holds are written; rating reads them afterwards, in
the billing run. A failure that holds some supply points reports
severity WARN, and the run goes on for every other point; only a raw table whose schema no
longer matches (the whole asset unusable) fails with ERROR and stops what depends on it.
"""

from functools import cache

import dagster as dg

from dagster_project.defs.landing.assets import raw_key
from dagster_project.resources import Warehouse
from quality.batches import METERING_SOURCES
from quality.gate import validate_new_files
from quality.store import HoldSummary, summarise
from quality.suites import GxValidator
from quality.warehouse import WarehouseCheck, run_warehouse_check, warehouse_checks


@cache
def shared_validator() -> GxValidator:
    """One GX context per process: importing GX and building suites costs seconds."""
    return GxValidator()


def _held(summary: HoldSummary) -> dict[str, object]:
    return {
        "open_findings": summary.findings,
        "points_held": summary.points_held,
        "point_months_held": summary.point_months_held,
        "held_sample": dg.MetadataValue.json(summary.sample),
    }


def build_suite_check(source: str) -> dg.AssetChecksDefinition:
    @dg.asset_check(
        asset=raw_key(source),
        name="quality_suite",
        blocking=True,
        additional_deps=[raw_key("supply_points")],
        description=(
            "Great Expectations suite on each file loaded since the last run: schema, ranges, "
            "uniqueness, completeness, committed power, plausibility against history. "
            "Failing supply points are held for the month; the rest are billed."
        ),
    )
    def _check(context: dg.AssetCheckExecutionContext, warehouse: Warehouse) -> dg.AssetCheckResult:
        with warehouse.connect() as con:
            report = validate_new_files(con, source, context.run.run_id, shared_validator)
            summary = summarise(con, [f"{source}/%"])
        for batch in report.batches:
            if batch.findings:
                context.log.info(
                    f"{batch.batch}: {batch.findings} findings, {batch.points_held} points held"
                )
        return dg.AssetCheckResult(
            passed=summary.findings == 0,
            severity=dg.AssetCheckSeverity.ERROR
            if summary.schema_failures
            else dg.AssetCheckSeverity.WARN,
            metadata={
                "batches_checked": len(report.batches),
                "findings_this_run": report.findings,
                "points_held_this_run": report.points_held,
                "unusable_files": dg.MetadataValue.json(report.unusable_files),
                **_held(summary),
            },
        )

    return _check


def build_warehouse_check(check: WarehouseCheck) -> dg.AssetChecksDefinition:
    @dg.asset_check(
        asset=raw_key(check.about),
        name=check.name,
        blocking=True,
        additional_deps=[raw_key(t) for t in check.reads],
        description=f"SQL over the whole warehouse ({check.batch}); failing points are held.",
    )
    def _check(context: dg.AssetCheckExecutionContext, warehouse: Warehouse) -> dg.AssetCheckResult:
        with warehouse.connect() as con:
            counts, _ = run_warehouse_check(con, check, context.run.run_id)
            summary = summarise(con, [check.batch])
        return dg.AssetCheckResult(
            passed=counts.findings == 0,
            severity=dg.AssetCheckSeverity.WARN,
            metadata={"findings": counts.findings, **_held(summary)},
        )

    return _check


suite_checks = [build_suite_check(s) for s in METERING_SOURCES]
sql_checks = [build_warehouse_check(c) for c in warehouse_checks()]
