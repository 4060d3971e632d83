"""The jobs and their schedules: the daily load of every asset not partitioned by billing month
× lot, and the billing run of one month and lot (from rating to the documents going out), one
schedule per lot."""

import dagster as dg

from dagster_project.defs.billing import assets as billing_assets
from dagster_project.defs.billing.partitions import billing_partitions
from dagster_project.defs.billing.schedules import lot_schedules
from dagster_project.defs.exports import assets as exports_assets

# an unpartitioned job cannot hold partitioned assets: they run in billing_run
PARTITIONED = [
    key
    for asset in dg.load_assets_from_modules([billing_assets, exports_assets])
    if isinstance(asset, dg.AssetsDefinition) and asset.partitions_def is not None
    for key in asset.keys
]

daily_load = dg.define_asset_job(
    "daily_load",
    selection=dg.AssetSelection.all() - dg.AssetSelection.assets(*PARTITIONED),
    description="Ingest landing files, build the dbt models, and publish the snapshot.",
)

daily_load_schedule = dg.ScheduleDefinition(
    job=daily_load, cron_schedule="0 6 * * *", execution_timezone="Europe/Rome"
)

# after billing or an operator's approval, so the dashboards show the new invoices
publish_snapshot = dg.define_asset_job(
    "publish_snapshot",
    selection=dg.AssetSelection.assets(dg.AssetKey(["serving", "snapshot"])),
    description="Publish the report and billing tables as a new snapshot for the dashboards.",
)

billing_run = dg.define_asset_job(
    "billing_run",
    selection=dg.AssetSelection.assets(*PARTITIONED),
    partitions_def=billing_partitions,
    description="Rate, check, pre-invoice, issue and send one billing month of one lot.",
)

# after an operator approves a lot's checked invoices: no rating again, only their issue and
# the documents that go out after it
issue_approved = dg.define_asset_job(
    "issue_approved",
    selection=dg.AssetSelection.assets(dg.AssetKey(["billing", "issued_invoices"])).downstream(),
    partitions_def=billing_partitions,
    description="Issue the approved invoices of one billing month of one lot, and send them.",
)

billing_schedules = lot_schedules(billing_run)
