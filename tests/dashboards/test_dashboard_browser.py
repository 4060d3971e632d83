"""The pages in headless Chromium: served by `python -m dashboards`, driven by Playwright."""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
from dashboard_fixtures import POD_CURVE, POD_JANUARY, switch_current, write_snapshot

CHROMIUM = Path("/usr/bin/chromium")
# Debian's Chromium, never a browser Playwright downloads; quiet and offline
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
    "--disable-quic",
]
REPOSITORY = Path(__file__).resolve().parents[2]

pytestmark = [
    pytest.mark.browser,
    pytest.mark.slow,
    pytest.mark.skipif(
        not CHROMIUM.exists(), reason=f"{CHROMIUM} is missing: apt-get install chromium"
    ),
]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_until_serving(url: str, process: subprocess.Popen, log: Path, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"the dashboards exited with {process.returncode}:\n{log.read_text()}")
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.2)
    pytest.fail(f"the dashboards did not answer at {url} in {timeout} s:\n{log.read_text()}")


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """`python -m dashboards` on a free port over a fresh snapshot; stopped afterwards."""
    root = tmp_path_factory.mktemp("dashboards-browser")
    serving = root / "data" / "serving"
    serving.mkdir(parents=True)
    write_snapshot(serving, "s1")
    switch_current(serving, "s1")
    port = free_port()
    log = root / "server.log"
    env = os.environ | {"ENERGIA_DATA_HOME": str(root / "data"), "ENERGIA_DEFAULT_LOCALE": "it"}
    with log.open("w") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "dashboards", "--port", str(port)],
            cwd=REPOSITORY,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    url = f"http://127.0.0.1:{port}/"
    try:
        wait_until_serving(url, process, log, timeout=30)
        assert f"Dashboards: {url}" in log.read_text()
        yield url
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@pytest.fixture(scope="module")
def browser() -> Iterator:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
        )
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser):
    """A page in a new context (its own localStorage, so the language starts from the default)
    that fails the test on any script error or error logged to the console."""
    context = browser.new_context(viewport={"width": 2400, "height": 1000})
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.on("console", lambda message: message.type == "error" and errors.append(message.text))
    yield page
    context.close()
    assert not errors


def test_load_curve_chart_and_language_switch(server: str, page) -> None:
    from playwright.sync_api import expect

    page.goto(f"{server}load-curve?pod={POD_CURVE}")
    graph = page.locator("#load-curve-graph")
    expect(graph.locator(".main-svg").first).to_be_visible(timeout=15_000)
    expect(graph.locator("g.trace.scatter")).to_have_count(3)  # F1, F2, F3
    line = graph.locator("g.trace.scatter path.js-line").first
    expect(line).to_have_attribute("d", re.compile(r"^M\d"))  # a drawn path, not an empty one
    expect(page.locator("h1")).to_have_text("Curva di carico")
    expect(page.locator("#load-curve-month")).to_contain_text("marzo 2025")
    expect(page.locator("#load-curve-totals-table")).to_contain_text("15,500")

    page.locator("#load-curve-pod").click()
    page.get_by_text(POD_JANUARY).first.click()
    expect(page.locator("#load-curve-month")).to_contain_text("gennaio 2025")

    page.locator("button[lang=en]").click()

    expect(page.locator("h1")).to_have_text("Load curve")
    expect(page.locator("label[for=load-curve-pod]")).to_have_text("Supply point (POD)")
    expect(page.locator("#app-nav")).to_contain_text("Supply points")
    expect(page.locator("#load-curve-pod")).to_contain_text(POD_JANUARY)  # the choice survives
    expect(page.locator("#load-curve-month")).to_contain_text("January 2025")
    expect(page.locator("#load-curve-totals-table")).to_contain_text("22.000")
    expect(graph.locator("g.trace.scatter")).to_have_count(3)

    page.reload()  # the browser keeps the language
    expect(page.locator("h1")).to_have_text("Load curve")


def test_supply_points_grid_formats_per_locale(server: str, page) -> None:
    from playwright.sync_api import expect

    page.goto(f"{server}supply-points")
    expect(page.locator(".ag-header-cell-text", has_text="Potenza impegnata (kW)")).to_be_visible(
        timeout=15_000
    )
    row = page.locator(f'.ag-center-cols-container .ag-row[row-id="{POD_JANUARY}"]')
    expect(row.locator('[col-id="power_kw"]')).to_have_text("150,5")
    expect(row.locator('[col-id="last_month_quantity"]')).to_have_text("98.765,432")
    expect(row.locator('[col-id="last_month"]')).to_have_text("gennaio 2025")
    expect(row.locator('[col-id="meter_type"]')).to_have_text("Orario (curva di carico)")

    pinned = page.locator(f'.ag-pinned-left-cols-container .ag-row[row-id="{POD_JANUARY}"]')
    pinned.locator('[col-id="load_curve"] a').click()  # ?pod= preselects the supply point

    expect(page).to_have_url(re.compile(rf"/load-curve\?pod={POD_JANUARY}$"))
    expect(page.locator("#load-curve-pod")).to_contain_text(POD_JANUARY)
    expect(page.locator("#load-curve-month")).to_contain_text("gennaio 2025")
    expect(page.locator("#load-curve-graph g.trace.scatter").first).to_be_attached()


def test_home_summary(server: str, page) -> None:
    from playwright.sync_api import expect

    page.goto(server)
    expect(page.locator("#home-summary")).to_contain_text("Energia elettrica", timeout=15_000)
    expect(page.locator("#home-snapshot")).to_have_text("Snapshot s1")
