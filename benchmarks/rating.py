"""Rating benchmark: rate and assemble a month of invoices for many billing accounts.

Builds, in a temporary DuckDB file, the reports rating reads (supply points, offers, billing
determinants, hourly consumption of the PUN-indexed interval meters, market prices) for
N billing accounts, loads the reference seeds, then times rating.engine.rate_month against a
bare scan of the determinants, and prints invoices per hour and the ratio of the two.

    .venv/bin/python -m benchmarks.rating [--accounts 100000] [--threads N]
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
# run as a script, this file's folder comes first on the path and its name would hide the
# rating package
if sys.path and Path(sys.path[0]).resolve() == Path(__file__).resolve().parent:
    sys.path[0] = str(ROOT)

import duckdb  # noqa: E402
import yaml  # noqa: E402

from rating.engine import rate_month  # noqa: E402
from rating.rules import Period  # noqa: E402

SEEDS = ROOT / "dbt" / "seeds"
BARE_SCAN = (
    "SELECT billing_account_id, sum(quantity) FROM reports.rpt_billing_determinants GROUP BY 1"
)

# Attributes drawn from hash(key, salt) so that the data set is the same on every run.
# An account has 1 supply point (60%), an electricity and a gas point (30%) or four business
# electricity sites (10%); electricity meters are interval (80%) or register; offers come
# from a catalogue of fixed band, fixed single and PUN-indexed electricity offers and fixed
# and PSV-indexed gas offers; 8% of points are billed on estimates, 4% on self-readings.
BUILD = """
CREATE SCHEMA reports;
CREATE TABLE reports.rpt_offers AS
SELECT
    offer_id, 'C01' AS company_id, commodity, offer_id AS name, kind,
    CASE WHEN style = 'band' THEN CAST(0.110000 + number * 0.002 AS DECIMAL(18, 6)) END
        AS price_f1,
    CASE WHEN style = 'band' THEN CAST(0.100000 + number * 0.002 AS DECIMAL(18, 6)) END
        AS price_f2,
    CASE WHEN style = 'band' THEN CAST(0.090000 + number * 0.002 AS DECIMAL(18, 6)) END
        AS price_f3,
    CASE WHEN style = 'single' THEN CAST(
        CASE commodity WHEN 'ELE' THEN 0.105 ELSE 0.55 END + number * 0.003
        AS DECIMAL(18, 6)) END AS price_single,
    CASE WHEN kind = 'indexed' THEN CASE commodity WHEN 'ELE' THEN 'PUN' ELSE 'PSV' END END
        AS index_name,
    CASE WHEN kind = 'indexed' THEN CAST(
        CASE commodity WHEN 'ELE' THEN 0.008 ELSE 0.09 END + number * 0.001
        AS DECIMAL(18, 6)) END AS spread,
    CAST(6 + number * 0.5 AS DECIMAL(18, 6)) AS fee_month,
    DATE '2024-01-01' AS valid_from,
    CAST(NULL AS DATE) AS valid_to
FROM (
    SELECT
        commodity || '-' || style || '-' || number AS offer_id, commodity, style, number,
        CASE WHEN style = 'indexed' THEN 'indexed' ELSE 'fixed' END AS kind
    FROM (VALUES ('ELE', 'band'), ('ELE', 'single'), ('ELE', 'indexed'), ('GAS', 'single'),
                 ('GAS', 'indexed')) AS styles(commodity, style),
        range(10) AS numbers(number)
);

CREATE TABLE bench_points AS
WITH accounts AS (
    SELECT range AS account, hash(range, 'points') % 10 AS shape FROM range($accounts)
),
points AS (
    SELECT
        account,
        unnest(range(CASE WHEN shape < 6 THEN 1 WHEN shape < 9 THEN 2 ELSE 4 END)) AS site,
        shape
    FROM accounts
)
SELECT
    account,
    site,
    'SP' || lpad(CAST(account AS VARCHAR), 7, '0') || '-' || site AS supply_point_id,
    'BA' || lpad(CAST(account AS VARCHAR), 7, '0') AS billing_account_id,
    CASE
        WHEN shape < 6 THEN CASE WHEN hash(account, 'gas') % 10 < 3 THEN 'GAS' ELSE 'ELE' END
        WHEN shape < 9 THEN CASE site WHEN 0 THEN 'ELE' ELSE 'GAS' END
        ELSE 'ELE'
    END AS commodity,
    CASE
        WHEN shape = 9 THEN 'non_domestic'
        WHEN hash(account, 'use') % 10 < 6 THEN 'domestic_resident'
        WHEN hash(account, 'use') % 10 < 7 THEN 'domestic_nonresident'
        ELSE 'non_domestic'
    END AS use,
    CAST(hash(account, site, 'pick') % 1000000007 AS BIGINT) AS pick
FROM points;

CREATE TABLE reports.rpt_supply_points AS
SELECT
    supply_point_id,
    CASE WHEN account % 2 = 0 THEN 'C01' ELSE 'C02' END AS company_id,
    CAST(NULL AS VARCHAR) AS company_name,
    commodity,
    'CU' || billing_account_id AS customer_id,
    CAST(NULL AS VARCHAR) AS customer_name,
    billing_account_id,
    use,
    CASE WHEN commodity = 'GAS' THEN NULL
        WHEN use <> 'non_domestic' OR pick % 100 < 80 THEN 'LV'
        WHEN pick % 100 < 98 THEN 'MV' ELSE 'HV' END AS voltage,
    CAST(CASE WHEN commodity = 'GAS' THEN NULL
        WHEN use <> 'non_domestic' THEN [3, 3, 3, 4.5, 6][1 + pick % 5]
        ELSE 10 + pick % 490 END AS DECIMAL(12, 3)) AS power_kw,
    CASE WHEN commodity = 'ELE' AND pick % 10 < 8 THEN 'interval' ELSE 'register' END
        AS meter_type,
    'DSO001' AS dso_code,
    CAST(NULL AS VARCHAR) AS city,
    CAST(NULL AS VARCHAR) AS province,
    commodity || '-' || CASE
        WHEN commodity = 'GAS' THEN ['single', 'indexed'][1 + (pick // 10) % 2]
        ELSE ['band', 'single', 'indexed'][1 + (pick // 10) % 3] END
        || '-' || (pick // 100) % 10 AS offer_id,
    CAST(NULL AS VARCHAR) AS offer_name,
    CAST(NULL AS DATE) AS last_month,
    CAST(NULL AS DECIMAL(18, 6)) AS last_month_quantity,
    CASE commodity WHEN 'GAS' THEN 'm3' ELSE 'kWh' END AS unit
FROM bench_points;

CREATE TABLE reports.rpt_billing_determinants AS
WITH points AS (
    SELECT points.*, registry.meter_type, registry.company_id, registry.offer_id
    FROM bench_points AS points
    JOIN reports.rpt_supply_points AS registry USING (supply_point_id)
),
bands AS (
    SELECT points.*, unnest(CASE
        WHEN commodity = 'GAS' THEN ['ALL']
        -- single-register meters, on offers with one price for every band
        WHEN meter_type = 'register' AND pick % 2 = 0 AND offer_id NOT LIKE '%-band-%'
            THEN ['ALL']
        ELSE ['F1', 'F2', 'F3'] END) AS band
    FROM points
)
SELECT
    supply_point_id || '-' || strftime($month_start::DATE, '%Y%m') || '-' || band
        AS determinant_id,
    company_id,
    billing_account_id,
    supply_point_id,
    commodity,
    $month_start::DATE AS billing_month,
    $month_start::DATE AS period_start,
    $month_end::DATE AS period_end,
    -- each row names its contract version's offer, as dbt writes it
    offer_id,
    CAST(NULL AS DATE) AS contract_end_date,
    band,
    CAST(CAST(hash(supply_point_id, band) % CASE
        WHEN commodity = 'GAS' AND use = 'non_domestic' THEN 30000000000
        WHEN commodity = 'GAS' THEN 250000000
        WHEN use = 'non_domestic' THEN 100000000000
        ELSE 250000000 END AS DECIMAL(18, 0)) * 0.000001 AS DECIMAL(18, 6)) AS quantity,
    CASE commodity WHEN 'GAS' THEN 'Smc' ELSE 'kWh' END AS unit,
    CAST(NULL AS DECIMAL(18, 6)) AS quantity_m3,
    CAST(NULL AS DECIMAL(12, 6)) AS conversion_coefficient,
    CASE WHEN hash(supply_point_id, 'provenance') % 100 < 8 THEN 'estimate'
        WHEN hash(supply_point_id, 'provenance') % 100 < 12 THEN 'self_reading'
        ELSE 'actual' END AS provenance,
    false AS is_true_up,
    CAST(NULL AS DECIMAL(12, 3)) AS peak_kw,
    CAST(NULL AS INTEGER) AS interval_count,
    CAST(NULL AS INTEGER) AS expected_interval_count,
    CAST(NULL AS DECIMAL(5, 4)) AS completeness,
    CAST(NULL AS DECIMAL(18, 6)) AS measured_quantity
FROM bands;

CREATE TABLE bench_hours AS
SELECT
    hour_start_utc,
    CAST(timezone('Europe/Rome', hour_start_utc) AS DATE) AS local_date,
    hour(timezone('Europe/Rome', hour_start_utc)) AS local_hour,
    CASE
        WHEN dayofweek(timezone('Europe/Rome', hour_start_utc)) = 0
            OR hour(timezone('Europe/Rome', hour_start_utc)) < 7
            OR hour(timezone('Europe/Rome', hour_start_utc)) = 23 THEN 'F3'
        WHEN dayofweek(timezone('Europe/Rome', hour_start_utc)) = 6
            OR hour(timezone('Europe/Rome', hour_start_utc)) IN (7, 19, 20, 21, 22) THEN 'F2'
        ELSE 'F1'
    END AS band
FROM (
    SELECT unnest(generate_series(
        timezone('Europe/Rome', $month_start::TIMESTAMP),
        timezone('Europe/Rome', ($month_end::DATE + 1)::TIMESTAMP) - INTERVAL 1 HOUR,
        INTERVAL 1 HOUR)) AS hour_start_utc
);

CREATE TABLE reports.rpt_market_prices AS
SELECT
    'PUN' AS index_name,
    local_date AS price_date,
    CAST(row_number() OVER (PARTITION BY local_date ORDER BY hour_start_utc) AS INTEGER) AS hour,
    hour_start_utc,
    band,
    CAST(CAST(60000000 + hash(hour_start_utc, 'pun') % 140000000 AS DECIMAL(18, 0))
        * 0.000001 AS DECIMAL(18, 6)) AS price_eur_mwh
FROM bench_hours
UNION ALL
SELECT 'PSV', day, NULL, NULL, NULL,
    CAST(CAST(30000000 + hash(day, 'psv') % 20000000 AS DECIMAL(18, 0)) * 0.000001
        AS DECIMAL(18, 6))
FROM (SELECT CAST(unnest(generate_series($month_start::TIMESTAMP, $month_end::TIMESTAMP,
    INTERVAL 1 DAY)) AS DATE) AS day);

CREATE TABLE reports.rpt_hourly_consumption AS
SELECT
    registry.supply_point_id,
    registry.company_id,
    hours.hour_start_utc,
    hours.local_date,
    hours.local_hour,
    hours.band,
    CAST(CAST(hash(registry.supply_point_id, hours.hour_start_utc) % 2000000
        AS DECIMAL(18, 0)) * 0.000001 AS DECIMAL(18, 6)) AS kwh
FROM reports.rpt_supply_points AS registry
JOIN reports.rpt_offers AS offer USING (offer_id)
CROSS JOIN bench_hours AS hours
WHERE registry.commodity = 'ELE' AND registry.meter_type = 'interval' AND offer.kind = 'indexed';
"""


def load_seeds(connection: duckdb.DuckDBPyConnection) -> None:
    """The reference schema from the dbt seeds, typed as their properties declare."""
    properties = yaml.safe_load((SEEDS / "_ref__seeds.yml").read_text())
    connection.execute("CREATE SCHEMA reference")
    for seed in properties["seeds"]:
        types = seed["config"]["column_types"]
        columns = ", ".join(f"'{column}': '{kind}'" for column, kind in types.items())
        connection.execute(
            f"CREATE TABLE reference.{seed['name']} AS SELECT * FROM read_csv("
            f"'{SEEDS / seed['name']}.csv', header = true, columns = {{{columns}}})"
        )


def build(connection: duckdb.DuckDBPyConnection, accounts: int, month: date) -> None:
    period = Period.of_month(month)
    parameters = {"accounts": accounts, "month_start": period.start, "month_end": period.end}
    for statement in BUILD.split(";\n"):
        if statement.strip():
            used = {k: v for k, v in parameters.items() if f"${k}" in statement}
            connection.execute(statement, used)
    load_seeds(connection)
    connection.execute("DROP TABLE bench_points")
    connection.execute("DROP TABLE bench_hours")
    connection.execute("CHECKPOINT")


def count(connection: duckdb.DuckDBPyConnection, table: str) -> int:
    return connection.execute(f"SELECT count(*) FROM {table}").fetchone()[0]


def memory_gib() -> float:
    return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30


def timed(action) -> float:
    started = time.perf_counter()
    action()
    return time.perf_counter() - started


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--accounts", type=int, default=100_000, help="billing accounts")
    parser.add_argument("--threads", type=int, default=None, help="DuckDB threads (all cores)")
    parser.add_argument("--month", type=date.fromisoformat, default=date(2025, 3, 1))
    arguments = parser.parse_args(argv)
    if arguments.accounts < 1:
        parser.error("--accounts: must be at least 1")
    command = [Path(sys.executable).name, "-m", "benchmarks.rating", *(argv or sys.argv[1:])]
    print(f"command: {' '.join(command)}")
    print(
        f"machine: {os.cpu_count()} cores, {memory_gib():.1f} GiB RAM, {platform.machine()},"
        f" Python {platform.python_version()}, DuckDB {duckdb.__version__};"
        f" load average {os.getloadavg()[0]:.1f} at start"
    )
    with tempfile.TemporaryDirectory() as folder:
        connection = duckdb.connect(str(Path(folder) / "bench.duckdb"))
        if arguments.threads:
            connection.execute(f"SET threads = {arguments.threads}")
        threads = connection.execute("SELECT current_setting('threads')").fetchone()[0]
        seconds = timed(lambda: build(connection, arguments.accounts, arguments.month))
        print(
            f"data: {arguments.accounts:,} billing accounts,"
            f" {count(connection, 'reports.rpt_supply_points'):,} supply points,"
            f" {count(connection, 'reports.rpt_billing_determinants'):,} determinants,"
            f" {count(connection, 'reports.rpt_hourly_consumption'):,} hourly readings of"
            f" PUN-indexed interval meters (built in {seconds:.1f} s); DuckDB threads {threads}"
        )
        # the scan's result is kept in a table, as rating keeps its own
        scan = min(
            timed(lambda: connection.execute(f"CREATE OR REPLACE TEMP TABLE scan AS {BARE_SCAN}"))
            for _ in range(3)
        )
        runs = []
        for _ in range(2):
            started = time.perf_counter()
            summary = rate_month(connection, arguments.month)
            runs.append(time.perf_counter() - started)
        connection.close()
    rating = min(runs)
    print(f"rating: {summary}")
    print(
        f"rate_month: {runs[0]:.2f} s, then {runs[1]:.2f} s re-run replacing the drafts;"
        f" bare scan ({BARE_SCAN}): {scan * 1000:.0f} ms"
    )
    print(f"invoices per hour: {summary.invoices / rating * 3600:,.0f}")
    print(f"ratio rating / bare scan: {rating / scan:,.0f}")
    print(f"load average {os.getloadavg()[0]:.1f} at the end")
    return 0


if __name__ == "__main__":
    sys.exit(main())
