"""The Dagster code location: loads every domain's definitions and adds global settings."""

import dagster as dg

from dagster_project.dbt_project import dbt_cli
from dagster_project.defs.billing import assets as billing_assets
from dagster_project.defs.landing import assets as landing_assets
from dagster_project.defs.landing import sensors as landing_sensors
from dagster_project.defs.schedules import daily_load, daily_load_schedule
from dagster_project.defs.serving import assets as serving_assets
from dagster_project.defs.transform import assets as transform_assets
from dagster_project.resources import default_warehouse

defs = dg.Definitions(
    assets=dg.load_assets_from_modules(
        [landing_assets, transform_assets, billing_assets, serving_assets]
    ),
    asset_checks=dg.load_asset_checks_from_modules([landing_assets]),
    jobs=[daily_load],
    schedules=[daily_load_schedule],
    sensors=[landing_sensors.landing_files_sensor],
    resources={
        "warehouse": default_warehouse(),
        "dbt": dbt_cli(),
    },
    # one process: the warehouse has a single writer and each step is short
    executor=dg.in_process_executor,
)
