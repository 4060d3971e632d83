"""The daily load: every asset from landing to the dashboard snapshot."""

import dagster as dg

daily_load = dg.define_asset_job(
    "daily_load",
    selection=dg.AssetSelection.all(),
    description="Ingest landing files, build the dbt models, rate, and publish the snapshot.",
)

daily_load_schedule = dg.ScheduleDefinition(
    job=daily_load, cron_schedule="0 6 * * *", execution_timezone="Europe/Rome"
)
