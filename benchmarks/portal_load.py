"""Customer-portal load on the loopback: python benchmarks/portal_load.py [--users N] [--seconds S].

Copies the published snapshot of the data home (`make load` first) into a temporary data home,
creates one portal user per customer (cycling when there are fewer customers than users) in a
temporary operational store, starts `python -m dashboards` on 127.0.0.1 at a random port
(waitress; `--threads N` sizes its pool, `--dev-server` serves with Flask's development server
instead), signs every user in through the form, then each user repeats a portal visit (the
shell, the invoices, consumption and curve pages, a CSV and an xlsx export) as fast as answers
come, for the given time. With `--republish S` a new snapshot is switched in every S seconds
meanwhile, as a run does. Prints the median and 95th percentile response times, overall and
per request, then stops the server.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import secrets
import shlex
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import defaultdict
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import duckdb
import requests

from access import roles
from access.directory import Directory
from access.scope import CUSTOMER, Grant
from energia.serving import current_snapshot_id
from energia.settings import get_settings
from energia.store import create_store_engine, migrate_store

ROOT = Path(__file__).resolve().parents[1]
PASSWORD = "portal-load-" + secrets.token_hex(6)
ROUTING_OUTPUT = ".._pages_content.children..._pages_store.data.."


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


# docs/contracts.md §3: the invoice columns the portal reads
INVOICE_COLUMNS = {
    "number": "VARCHAR",
    "document_type": "VARCHAR",
    "kind": "VARCHAR",
    "issue_date": "DATE",
    "due_date": "DATE",
}


def copy_snapshot(source_home: Path, target_home: Path) -> str:
    serving = source_home / "serving"
    snapshot_id = current_snapshot_id(serving)
    if not snapshot_id:
        raise SystemExit(f"no published snapshot in {serving}: run `make load` first")
    target = target_home / "serving" / "snapshots" / snapshot_id
    shutil.copytree(serving / "snapshots" / snapshot_id, target)
    (target_home / "serving" / "CURRENT").write_text(snapshot_id + "\n")
    complete_invoices(target / "invoices.parquet")
    return snapshot_id


def complete_invoices(path: Path) -> None:
    """A snapshot published before the invoice contract's last columns gets them, empty, in
    this copy only, so the pages measure their queries rather than a missing column."""
    if not path.exists():
        return
    with duckdb.connect() as con:
        present = {
            row[0]
            for row in con.execute("DESCRIBE SELECT * FROM read_parquet(?)", [str(path)]).fetchall()
        }
        missing = {c: t for c, t in INVOICE_COLUMNS.items() if c not in present}
        if not missing:
            return
        extra = ", ".join(f"CAST(NULL AS {t}) AS {c}" for c, t in missing.items())
        staged = path.with_suffix(".tmp")
        con.execute(
            f"COPY (SELECT *, {extra} FROM read_parquet(?)) TO '{staged}' (FORMAT parquet)",
            [str(path)],
        )
    os.replace(staged, path)
    print(f"note: invoices.parquet lacked {', '.join(missing)}: added empty in the copy")


def customers(serving: Path) -> list[tuple[str, str]]:
    snapshot_id = current_snapshot_id(serving)
    path = serving / "snapshots" / snapshot_id / "rpt_supply_points.parquet"
    with duckdb.connect() as con:
        return con.execute(
            "SELECT DISTINCT company_id, customer_id FROM read_parquet(?) ORDER BY 2", [str(path)]
        ).fetchall()


def create_users(store_url: str, owners: list[tuple[str, str]], count: int) -> list[str]:
    """`count` customer users, granted one customer each; hashed two at a time (argon2 is slow
    on purpose and lets other threads run while it works)."""
    migrate_store(store_url)
    engine = create_store_engine(store_url)
    directory = Directory(engine)

    def create(n: int) -> str:
        company, customer = owners[n % len(owners)]
        username = f"portal{n:03d}"
        user_id = directory.create_user(username, PASSWORD, f"Portal {n}", "it")
        directory.assign_role(roles.CUSTOMER, user_id=user_id)
        directory.grant_scope(Grant(CUSTOMER, company, customer), user_id=user_id)
        return username

    with ThreadPoolExecutor(2) as pool:
        names = list(pool.map(create, range(count)))
    engine.dispose()
    return names


class PortalUser:
    """One signed-in browser, as far as the server can tell."""

    def __init__(self, base: str, username: str) -> None:
        self.base = base
        self.http = requests.Session()
        login = self.http.get(f"{base}/login", timeout=60)
        token = re.search(r'name="csrf_token" value="([^"]+)"', login.text).group(1)
        answer = self.http.post(
            f"{base}/login",
            data={"username": username, "password": PASSWORD, "csrf_token": token},
            allow_redirects=False,
            timeout=60,
        )
        if answer.status_code != 302:
            raise SystemExit(f"{username} could not sign in: {answer.status_code}")
        self.http.get(f"{base}/_dash-layout", timeout=60)  # hands over the CSRF cookie
        self.csrf = self.http.cookies.get("_csrf_token")

    def page(self, path: str) -> requests.Response:
        body = {
            "output": ROUTING_OUTPUT,
            "outputs": [
                {"id": "_pages_content", "property": "children"},
                {"id": "_pages_store", "property": "data"},
            ],
            "inputs": [
                {"id": "_pages_location", "property": "pathname", "value": path},
                {"id": "_pages_location", "property": "search", "value": ""},
                {"id": "app-language", "property": "data", "value": "it"},
                {"id": "app-company", "property": "value", "value": None},
            ],
            "state": [],
            "changedPropIds": ["_pages_location.pathname"],
        }
        return self.http.post(
            f"{self.base}/_dash-update-component",
            data=json.dumps(body),
            headers={"Content-Type": "application/json", "X-CSRFToken": self.csrf},
            timeout=60,
        )

    def visit(self) -> list[tuple[str, float, int]]:
        """One portal visit: every request with its seconds and status."""
        steps = [
            ("shell", lambda: self.http.get(f"{self.base}/_dash-layout", timeout=60)),
            ("page /invoices", lambda: self.page("/invoices")),
            ("page /consumption", lambda: self.page("/consumption")),
            ("page /curves", lambda: self.page("/curves")),
            ("export invoices.csv", lambda: self.http.get(f"{self.base}/download/invoices.csv")),
            (
                "export consumption.xlsx",
                lambda: self.http.get(f"{self.base}/download/consumption.xlsx"),
            ),
        ]
        timings = []
        for name, request in steps:
            started = time.perf_counter()
            status = request().status_code
            timings.append((name, time.perf_counter() - started, status))
        return timings


def republish(serving: Path, every: float, stop: threading.Event) -> int:
    """Switch CURRENT to a fresh copy of the live snapshot every `every` seconds, as a run's
    publish step does (new folder, atomic rename of CURRENT, the two newest kept)."""
    published = [current_snapshot_id(serving)]
    while not stop.wait(every):
        new_id = f"{published[0]}~{len(published)}"
        shutil.copytree(serving / "snapshots" / published[-1], serving / "snapshots" / new_id)
        pending = serving / ".CURRENT.next"
        pending.write_text(new_id + "\n")
        os.replace(pending, serving / "CURRENT")
        published.append(new_id)
        for old in published[:-2]:
            shutil.rmtree(serving / "snapshots" / old, ignore_errors=True)
    return len(published) - 1


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(share * (len(ordered) - 1))))]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--users", type=int, default=50, help="concurrent portal users")
    parser.add_argument("--seconds", type=float, default=60, help="how long they keep asking")
    parser.add_argument(
        "--data-home", type=Path, default=None, help="where the snapshot is (default: settings)"
    )
    parser.add_argument(
        "--republish", type=float, default=0, help="switch a new snapshot in every S seconds"
    )
    parser.add_argument(
        "--threads", type=int, default=None, help="the server's threads (default: its own)"
    )
    parser.add_argument(
        "--dev-server", action="store_true", help="serve with Flask's development server instead"
    )
    args = parser.parse_args(argv)
    server_options = ["--dev-server"] if args.dev_server else []
    if args.threads:
        server_options += ["--threads", str(args.threads)]
    source = (args.data_home or get_settings().data_home).resolve()

    print(f"command: {shlex.join([Path(sys.executable).name, *sys.argv])}")
    print(
        f"machine: {platform.node()} · {len(os.sched_getaffinity(0))} cores · "
        f"Python {platform.python_version()}"
    )
    print(f"load average before: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    with tempfile.TemporaryDirectory() as scratch:
        home = Path(scratch) / "data"
        snapshot_id = copy_snapshot(source, home)
        owners = customers(home / "serving")
        store_url = f"sqlite:///{home / 'operational.sqlite'}"
        started = time.perf_counter()
        usernames = create_users(store_url, owners, args.users)
        print(
            f"snapshot {snapshot_id} of {source}: {len(owners)} customers; {args.users} users "
            f"created in {time.perf_counter() - started:.1f} s"
        )
        port = free_port()
        env = os.environ | {
            "ENERGIA_DATA_HOME": str(home),
            "ENERGIA_OPERATIONAL_STORE_URL": store_url,
            "ENERGIA_SECRET_KEY": secrets.token_hex(32),
        }
        log = (Path(scratch) / "server.log").open("w")
        server = subprocess.Popen(
            [sys.executable, "-m", "dashboards", "--port", str(port), *server_options],
            cwd=ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        base = f"http://127.0.0.1:{port}"
        try:
            deadline = time.monotonic() + 60
            while True:
                try:
                    requests.get(f"{base}/login", timeout=2)
                    break
                except requests.ConnectionError:
                    if time.monotonic() > deadline or server.poll() is not None:
                        raise SystemExit("the dashboards did not start") from None
                    time.sleep(0.2)
            started = time.perf_counter()
            with ThreadPoolExecutor(8) as pool:
                users = list(pool.map(lambda name: PortalUser(base, name), usernames))
            print(f"signed in: {len(users)} users in {time.perf_counter() - started:.1f} s")

            results: list[tuple[str, float, int]] = []
            lock = threading.Lock()
            stop = threading.Event()
            end = time.monotonic() + args.seconds

            def work(user: PortalUser) -> None:
                while time.monotonic() < end:
                    timings = user.visit()
                    with lock:
                        results.extend(timings)

            publisher = None
            switches: list[int] = []
            if args.republish:
                publisher = threading.Thread(
                    target=lambda: switches.append(
                        republish(home / "serving", args.republish, stop)
                    )
                )
                publisher.start()
            started = time.perf_counter()
            with ThreadPoolExecutor(args.users) as pool:
                list(pool.map(work, users))
            elapsed = time.perf_counter() - started
            stop.set()
            if publisher:
                publisher.join()
        finally:
            server.terminate()
            try:
                server.wait(timeout=10)
            except subprocess.TimeoutExpired:
                server.kill()
            log.close()

    failed = [r for r in results if r[2] != 200]
    for name, _took, status in failed[:5]:
        print(f"failed: {name} answered {status}")
    seconds = [r[1] for r in results]
    print(
        f"requests: {len(results)} in {elapsed:.1f} s ({len(results) / elapsed:.1f}/s), "
        f"failed: {len(failed)}"
        + (f", snapshot switches meanwhile: {switches[0]}" if switches else "")
    )
    print(
        f"all requests: median {statistics.median(seconds) * 1000:.0f} ms, "
        f"p95 {percentile(seconds, 0.95) * 1000:.0f} ms"
    )
    by_kind: dict[str, list[float]] = defaultdict(list)
    for name, took, _status in results:
        by_kind[name].append(took)
    for name, values in by_kind.items():
        print(
            f"  {name:<24} n={len(values):<6} median {statistics.median(values) * 1000:6.0f} ms"
            f"  p95 {percentile(values, 0.95) * 1000:6.0f} ms"
        )
    print(f"load average after: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
