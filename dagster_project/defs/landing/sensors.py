"""A sensor that starts the daily load when files land or are re-delivered."""

import hashlib

import dagster as dg

from dagster_project.defs.schedules import daily_load
from energia.settings import get_settings


def landing_fingerprint(landing_dir) -> str:
    """Changes whenever a file is added, replaced or touched under the landing folder."""
    h = hashlib.sha256()
    if landing_dir.is_dir():
        for p in sorted(landing_dir.rglob("*.csv")):
            st = p.stat()
            h.update(f"{p.relative_to(landing_dir)}|{st.st_size}|{st.st_mtime_ns}\n".encode())
    return h.hexdigest()


@dg.sensor(
    job=daily_load, minimum_interval_seconds=60, default_status=dg.DefaultSensorStatus.RUNNING
)
def landing_files_sensor(context: dg.SensorEvaluationContext) -> dg.SensorResult:
    fingerprint = landing_fingerprint(get_settings().landing_dir)
    if fingerprint == context.cursor:
        return dg.SensorResult(skip_reason="no new landing files", cursor=fingerprint)
    return dg.SensorResult(run_requests=[dg.RunRequest(run_key=fingerprint)], cursor=fingerprint)
