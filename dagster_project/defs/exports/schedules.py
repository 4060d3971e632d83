"""The outbox retry: failed and bounced mails are sent again when their wait is over."""

import dagster as dg

outbox_retry = dg.define_asset_job(
    "outbox_retry",
    selection=dg.AssetSelection.assets(dg.AssetKey(["exports", "outbox"])),
    description="Record bounces and send every message whose next attempt is due.",
)

outbox_retry_schedule = dg.ScheduleDefinition(
    job=outbox_retry, cron_schedule="*/15 * * * *", execution_timezone="Europe/Rome"
)
