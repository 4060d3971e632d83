"""Command line: `python -m synthetic --out data/landing --seed 1 --companies 2 ...`."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from energia.settings import get_settings
from synthetic.generator import generate


def main(argv: list[str] | None = None) -> int:
    settings = get_settings()
    parser = argparse.ArgumentParser(
        prog="python -m synthetic",
        description="Write a deterministic synthetic landing folder (registry, market, metering).",
    )
    parser.add_argument(
        "--out",
        type=Path,
        default=settings.landing_dir,
        help="landing folder (default: %(default)s)",
    )
    parser.add_argument("--seed", type=int, default=settings.seed)
    parser.add_argument("--companies", type=int, default=settings.companies)
    parser.add_argument(
        "--customers",
        type=int,
        default=settings.customers,
        help="end customers of the whole installation",
    )
    parser.add_argument("--months", type=int, default=settings.months)
    parser.add_argument("--start", default=settings.start_month, help="first month, YYYY-MM")
    parser.add_argument(
        "--defect-rate",
        type=float,
        default=settings.defect_rate,
        help="share of metering lines damaged; 0 gives a clean set",
    )
    parser.add_argument(
        "--interval-points",
        type=int,
        default=None,
        help="benchmark: load-curve files and the least registry, for this many points",
    )
    parser.add_argument(
        "--overwrite",
        action="store_true",
        help="replace landing files this generator did not write",
    )
    parser.add_argument(
        "--summary-json",
        type=Path,
        default=None,
        help="also write the full summary (defects per line) as JSON here",
    )
    args = parser.parse_args(argv)
    try:
        summary = generate(
            args.out,
            seed=args.seed,
            companies=args.companies,
            customers=args.customers,
            months=args.months,
            start=args.start,
            defect_rate=args.defect_rate,
            interval_points=args.interval_points,
            overwrite=args.overwrite,
        )
    except (ValueError, FileExistsError) as exc:
        parser.exit(2, f"error: {exc}\n")
    print(summary.describe())
    if args.summary_json:
        args.summary_json.write_text(json.dumps(summary.to_dict(), indent=2), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
