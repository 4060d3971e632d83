"""Invoice PDFs per second on this machine: python benchmarks/pdfs.py [--count N] [--workers W]."""

from __future__ import annotations

import argparse
import os
import platform
import resource
import shlex
import sys
import tempfile
import time
from pathlib import Path

from pypdf import PdfReader

from exports.i18n import TEMPLATES_DIR
from exports.pdf import default_workers, render_invoices
from exports.samples import sample_invoice


def machine() -> str:
    model = "unknown CPU"
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.exists():
        for line in cpuinfo.read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    cores = len(os.sched_getaffinity(0))
    return f"{platform.node()} · {model} · {cores} cores · Python {platform.python_version()}"


def _cpu_seconds() -> float:
    """CPU used by this process and by its finished children (the pool's workers)."""
    own = resource.getrusage(resource.RUSAGE_SELF)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--count", type=int, default=10_000, help="invoices to render")
    parser.add_argument("--workers", type=int, default=default_workers(), help="processes")
    parser.add_argument(
        "--points", type=int, help="supply points on every invoice (default: the samples' mix)"
    )
    parser.add_argument("--out", type=Path, help="keep the PDFs here (default: a temp folder)")
    parser.add_argument(
        "--templates", type=Path, default=TEMPLATES_DIR, help="template folder, to compare layouts"
    )
    args = parser.parse_args(argv)

    print(f"command: {shlex.join([Path(sys.executable).name, *sys.argv])}")
    print(f"machine: {machine()}")
    print(f"load average before: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    started = time.perf_counter()
    docs = [sample_invoice(n, points=args.points) for n in range(args.count)]
    points = sum(len(d.supply_points) for d in docs) / len(docs)
    print(
        f"documents built: {args.count} in {time.perf_counter() - started:.1f} s (not timed), "
        f"{points:.2f} supply points and {sum(len(d.lines) for d in docs) / len(docs):.1f} "
        "lines per invoice"
    )

    with tempfile.TemporaryDirectory() as scratch:
        out = args.out or Path(scratch)
        started = time.perf_counter()
        cpu_started = _cpu_seconds()
        rendered = render_invoices(docs, out, workers=args.workers, templates_dir=args.templates)
        seconds = time.perf_counter() - started
        cpu = _cpu_seconds() - cpu_started
        sample = rendered[:: max(1, len(rendered) // 50)]
        pages = sum(len(PdfReader(r.path).pages) for r in sample) / len(sample)
        size = sum(r.size_bytes for r in rendered)

    print(f"load average after: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    # on a shared machine the wall clock depends on the neighbours; CPU time much less
    print(
        f"CPU: {cpu / len(rendered) * 1000:.1f} ms per PDF over all processes, so "
        f"{args.workers * len(rendered) / cpu:.1f} PDFs/s with {args.workers} idle cores"
    )
    print(
        f"rendered {len(rendered)} PDFs with {args.workers} workers in {seconds:.1f} s: "
        f"{len(rendered) / seconds:.1f} PDFs/s "
        f"({pages:.1f} pages and {size / len(rendered) / 1024:.0f} KiB per PDF on average)"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
