"""CPU instructions per invoice PDF, counted by valgrind: a figure that does not move with the
machine's load, to compare two versions of the template or the renderer.

    python benchmarks/pdf_instructions.py [--invoices 64] [--templates FOLDER]

Runs one process rendering a warm-up run, and another rendering the same plus `--invoices`
more, under `valgrind --tool=callgrind` (about a minute each, needs Debian's valgrind); the
difference divided by `--invoices` is the cost of one invoice without the start-up.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

from exports.i18n import TEMPLATES_DIR
from exports.pdf import RUN

WARM_UP = RUN  # one whole run first: fonts, template and caches are loaded in both processes


def render(count: int, templates: Path) -> None:
    """What valgrind measures: `count` sample invoices rendered in one process."""
    os.environ.setdefault("RAYON_NUM_THREADS", "1")  # as in the pool's workers
    from exports.pdf import InvoiceRenderer
    from exports.samples import sample_invoice

    InvoiceRenderer(templates).render_many([sample_invoice(n) for n in range(count)])


def instructions(count: int, templates: Path) -> int:
    command = [
        "valgrind",
        "--tool=callgrind",
        "--callgrind-out-file=/dev/null",
        sys.executable,
        __file__,
        "--render",
        str(count),
        "--templates",
        str(templates),
    ]
    done = subprocess.run(command, capture_output=True, text=True, check=True)
    collected = re.search(r"Collected : (\d+)", done.stderr)
    if collected is None:
        raise SystemExit(f"valgrind printed no count:\n{done.stderr[-2000:]}")
    return int(collected.group(1))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--invoices", type=int, default=64, help="invoices counted")
    parser.add_argument("--templates", type=Path, default=TEMPLATES_DIR, help="template folder")
    parser.add_argument("--render", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.render is not None:
        render(args.render, args.templates)
        return 0
    if shutil.which("valgrind") is None:
        raise SystemExit("valgrind is not installed (apt-get install valgrind)")
    if args.invoices < 1 or args.invoices % RUN:
        # a part-run would be laid out alone, at a cost per invoice no real batch pays
        parser.error(f"--invoices must be a positive multiple of {RUN}")
    print(f"templates: {args.templates}; {args.invoices} invoices after a warm-up of {WARM_UP}")
    base = instructions(WARM_UP, args.templates)
    total = instructions(WARM_UP + args.invoices, args.templates)
    print(f"{(total - base) / args.invoices / 1e6:.1f}M instructions per invoice")
    return 0


if __name__ == "__main__":
    sys.exit(main())
