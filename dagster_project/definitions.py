"""The Dagster code location: loads every domain's definitions and adds global settings."""

import dagster as dg

from dagster_project.dbt_project import dbt_cli
from dagster_project.defs.billing import assets as billing_assets
from dagster_project.defs.billing.resources import default_store
from dagster_project.defs.exports import assets as exports_assets
from dagster_project.defs.exports import schedules as exports_schedules
from dagster_project.defs.exports.resources import default_exports
from dagster_project.defs.landing import assets as landing_assets
from dagster_project.defs.landing import sensors as landing_sensors
from dagster_project.defs.quality import assets as quality_assets
from dagster_project.defs.quality import checks as quality_checks
from dagster_project.defs.schedules import (
    billing_run,
    billing_schedules,
    daily_load,
    daily_load_schedule,
    issue_approved,
    publish_snapshot,
)
from dagster_project.defs.serving import assets as serving_assets
from dagster_project.defs.transform import assets as transform_assets
from dagster_project.resources import default_warehouse

defs = dg.Definitions(
    assets=dg.load_assets_from_modules(
        [
            landing_assets,
            quality_assets,
            transform_assets,
            billing_assets,
            serving_assets,
            exports_assets,
        ]
    ),
    asset_checks=dg.load_asset_checks_from_modules(
        [landing_assets, quality_checks, billing_assets]
    ),
    jobs=[
        daily_load,
        billing_run,
        issue_approved,
        publish_snapshot,
        exports_schedules.outbox_retry,
    ],
    schedules=[
        daily_load_schedule,
        *billing_schedules,
        exports_schedules.outbox_retry_schedule,
    ],
    sensors=[landing_sensors.landing_files_sensor],
    resources={
        "warehouse": default_warehouse(),
        "dbt": dbt_cli(),
        "exports": default_exports(),
        "store": default_store(),
    },
    # one process: the warehouse has a single writer and each step is short
    executor=dg.in_process_executor,
)
