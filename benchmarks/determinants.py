"""Interval determinants benchmark: a month of load curves for many points, against a bare scan.

Generates (synthetic, benchmark mode: load curves and the least registry) one month for N
interval-metered supply points, loads it with landing/loader.py into a temporary DuckDB file,
builds what the interval determinants read (calendar, registry, contract periods) with dbt,
then times, on the same DuckDB, the compiled SQL of the two interval models
(int_load_curve_days_summed, a view, and int_interval_determinants_summed, a table) against a bare
`SELECT supply_point_id, sum(kwh) ... GROUP BY` over the same quarter-hour rows, each the best
of --repeat runs taken in turn, and prints both and their ratio (goal: at most 2).

Ingestion sums each delivered line's quarter hours per slot segment as it loads the file
(raw.ele_interval_segments), once per delivery, and the determinants read those sums. That
work is printed too, timed as the same GROUP BY over every quarter hour already loaded (an
upper bound: ingestion sums the parsed values of one file while they are in memory), with
the ratio it would give if it were paid at every billing run.

    .venv/bin/python -m benchmarks.determinants [--points 10000] [--month 2025-03] [--repeat 3]
"""

from __future__ import annotations

import argparse
import os
import platform
import shlex
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
# run as a script, this file's folder comes first on the path and would hide the packages
if sys.path and Path(sys.path[0]).resolve() == Path(__file__).resolve().parent:
    sys.path[0] = str(ROOT)

import duckdb  # noqa: E402

from landing.loader import (  # noqa: E402
    interval_segments_sql,
    load_public_holidays,
    load_source,
)
from landing.sources import SOURCES  # noqa: E402
from synthetic import generate  # noqa: E402

DBT_DIR = ROOT / "dbt"
# the interval determinants and what they read, built by dbt before the timing
TIMED_MODELS = ("int_load_curve_days_summed", "int_interval_determinants_summed")
BARE_SCAN = (
    "CREATE OR REPLACE TEMP TABLE bare_scan AS "
    "SELECT pod AS supply_point_id, sum(kwh) AS kwh FROM raw.ele_interval_readings GROUP BY 1"
)
# what ingestion does per file, here over every loaded quarter hour at once
SEGMENT_SUMS = "CREATE OR REPLACE TEMP TABLE segment_sums AS " + interval_segments_sql(
    "raw.ele_interval_readings"
)


def machine() -> str:
    memory = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    return (
        f"{platform.processor() or platform.machine()}, {os.cpu_count()} cores, "
        f"{memory:.1f} GiB RAM, {platform.system()} {platform.release()}, "
        f"Python {platform.python_version()}, DuckDB {duckdb.__version__}"
    )


def dbt(command: str, home: Path, warehouse: Path, *args: str) -> None:
    """Run the dbt beside this interpreter with its target and logs in `home`."""
    env = {**os.environ, "ENERGIA_WAREHOUSE": str(warehouse)}
    executable = Path(sys.executable).parent / "dbt"
    subprocess.run(
        [
            str(executable),
            command,
            *("--project-dir", str(DBT_DIR), "--profiles-dir", str(DBT_DIR)),
            *("--target-path", str(home / "target"), "--log-path", str(home / "logs")),
            "--quiet",
            *args,
        ],
        check=True,
        env=env,
        # dbt compile --quiet prints the compiled SQL
        stdout=subprocess.DEVNULL,
    )


def compiled_sql(home: Path, model: str) -> str:
    path = next((home / "target" / "compiled").rglob(f"{model}.sql"))
    return path.read_text(encoding="utf-8")


def best_of(con: duckdb.DuckDBPyConnection, statements: list[str], repeat: int) -> list[float]:
    """The best time of each statement, the statements run in turn `repeat` times."""
    best = [float("inf")] * len(statements)
    for _ in range(repeat):
        for i, sql in enumerate(statements):
            started = time.perf_counter()
            con.execute(sql)
            best[i] = min(best[i], time.perf_counter() - started)
    return best


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.determinants", description=__doc__)
    parser.add_argument("--points", type=int, default=10_000, help="interval-metered points")
    parser.add_argument("--month", default="2025-03", help="the month generated, YYYY-MM")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument(
        "--defect-rate", type=float, default=0.01, help="the generator's share of damaged lines"
    )
    parser.add_argument("--repeat", type=int, default=3, help="timed runs of each query")
    parser.add_argument("--threads", type=int, default=None, help="DuckDB threads (default all)")
    parser.add_argument("--workdir", type=Path, default=None, help="default: a temporary folder")
    args = parser.parse_args(argv)

    given = argv if argv is not None else sys.argv[1:]
    print(f"command: {shlex.join(['python', '-m', 'benchmarks.determinants', *given])}")
    print(f"machine: {machine()}")
    with tempfile.TemporaryDirectory(prefix="determinants-") as scratch:
        home = args.workdir or Path(scratch)
        home.mkdir(parents=True, exist_ok=True)
        landing, warehouse = home / "landing", home / "warehouse.duckdb"
        warehouse.unlink(missing_ok=True)

        started = time.perf_counter()
        generate(
            landing,
            seed=args.seed,
            months=1,
            start=args.month,
            defect_rate=args.defect_rate,
            interval_points=args.points,
            overwrite=True,
        )
        print(
            f"generated in {time.perf_counter() - started:.1f} s: python -m synthetic "
            f"--out {landing} --interval-points {args.points} --months 1 --start {args.month} "
            f"--defect-rate {args.defect_rate} --seed {args.seed}"
        )

        started = time.perf_counter()
        with duckdb.connect(str(warehouse)) as con:
            load_public_holidays(con, range(2020, 2031))
            for source in SOURCES:
                load_source(con, landing, source)
            rows = con.execute("SELECT count(*) FROM raw.ele_interval_readings").fetchone()[0]
        print(f"loaded {rows:,} quarter-hour rows in {time.perf_counter() - started:.1f} s")

        started = time.perf_counter()
        upstream = [f"+{m}" for m in TIMED_MODELS]
        dbt("seed", home, warehouse)
        dbt("run", home, warehouse, "--select", *upstream, "--exclude", *TIMED_MODELS)
        dbt("compile", home, warehouse, "--select", *TIMED_MODELS)
        print(f"dbt built the models upstream in {time.perf_counter() - started:.1f} s")

        with duckdb.connect(str(warehouse)) as con:
            if args.threads:
                con.execute(f"SET threads = {args.threads}")
            # as dbt materialises them: the day sums a view, the determinants a table
            determinants = [
                f"CREATE OR REPLACE {kind} intermediate.{model} AS {compiled_sql(home, model)}"
                for model, kind in zip(TIMED_MODELS, ("VIEW", "TABLE"), strict=True)
            ]
            # the models in dbt's order, then the bare scan, each the best of its runs
            times = best_of(con, [*determinants, BARE_SCAN, SEGMENT_SUMS], args.repeat)
            out = con.execute(
                "SELECT count(*) FROM intermediate.int_interval_determinants_summed"
            ).fetchone()[0]
            threads = con.execute("SELECT current_setting('threads')").fetchone()[0]

    *model_times, bare_time, segment_time = times
    print(f"DuckDB threads: {threads}; best of {args.repeat} runs each")
    for model, seconds in zip(TIMED_MODELS, model_times, strict=True):
        print(f"  {model}: {seconds:.3f} s ({seconds / bare_time:.2f} x the bare scan)")
    total = sum(model_times)
    print(f"interval determinants from the segment sums: {total:.3f} s, {out:,} rows")
    print(f"bare scan (SELECT supply_point_id, sum(kwh) ... GROUP BY 1): {bare_time:.3f} s")
    print(f"ratio: {total / bare_time:.2f} (goal <= 2)")
    print(
        f"segment sums, paid by ingestion once per delivered file: {segment_time:.3f} s "
        f"(one GROUP BY over every quarter hour; {segment_time / bare_time:.2f} x the bare scan)"
    )
    print(
        f"ratio if the segment sums were redone at every run: "
        f"{(total + segment_time) / bare_time:.2f}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
