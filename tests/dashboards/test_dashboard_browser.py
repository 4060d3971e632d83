"""The pages in headless Chromium: served by `python -m dashboards`, driven by Playwright; each
role signs in through the form and sees what it is allowed."""

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
from portal_fixtures import (
    INV_BIANCHI,
    INV_ROSSI,
    INV_ROSSI_DRAFT,
    INV_VERDI,
    PASSWORD,
    ROLE_PAGES,
    build_store,
    write_invoice_pdfs,
    write_portal_tables,
)

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
    """`python -m dashboards` on a free port over a fresh snapshot, with one user per role in
    its operational store; stopped afterwards."""
    root = tmp_path_factory.mktemp("dashboards-browser")
    serving = root / "data" / "serving"
    serving.mkdir(parents=True)
    write_portal_tables(write_snapshot(serving, "s1"))
    switch_current(serving, "s1")
    write_invoice_pdfs(root / "data" / "out")
    build_store(root / "data" / "operational.sqlite")
    port = free_port()
    log = root / "server.log"
    env = os.environ | {
        "ENERGIA_DATA_HOME": str(root / "data"),
        "ENERGIA_DEFAULT_LOCALE": "it",
        "ENERGIA_SECRET_KEY": "browser-test-secret",
    }
    env.pop("ENERGIA_OPERATIONAL_STORE_URL", None)
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
    from playwright.sync_api import expect, sync_playwright

    # a shared machine under two test workers answers slower than Playwright's 5 s default
    expect.set_options(timeout=20_000)
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
    context = browser.new_context(viewport={"width": 2400, "height": 1000}, accept_downloads=True)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.on("console", lambda message: message.type == "error" and errors.append(message.text))
    yield page
    context.close()
    assert not errors


def sign_in(page, server: str, username: str, path: str = "") -> None:
    """Through the sign-in form, as a person does; lands on `path` (default: the first page)."""
    from playwright.sync_api import expect

    page.goto(f"{server}{path}")
    expect(page.locator("#login-form")).to_be_visible(timeout=15_000)
    page.fill("#login-username", username)
    page.fill("#login-password", PASSWORD)
    page.click("#login-submit")
    expect(page.locator("#app-nav a").first).to_be_visible(timeout=15_000)


def nav_paths(page) -> set[str]:
    return {
        href
        for href in page.locator("#app-nav a").evaluate_all(
            "a => a.map(x => x.getAttribute('href'))"
        )
    }


def test_load_curve_chart_and_language_switch(server: str, page) -> None:
    from playwright.sync_api import expect

    sign_in(page, server, "billing", f"load-curve?pod={POD_CURVE}")
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

    page.reload()  # the account keeps the language
    expect(page.locator("h1")).to_have_text("Load curve")


def test_supply_points_grid_formats_per_locale(server: str, page) -> None:
    from playwright.sync_api import expect

    sign_in(page, server, "admin", "supply-points")
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

    sign_in(page, server, "admin")
    expect(page.locator("#home-summary")).to_contain_text("Energia elettrica", timeout=15_000)
    expect(page.locator("#home-snapshot")).to_have_text("Snapshot s1")


# per role: a page that shows what the role is for, and what must (not) be on it
ROLE_CHECKS = {
    "admin": ("users", "#users-table", ["customer", "regional"], []),
    "billing": ("invoices", "#invoices-table", [INV_ROSSI_DRAFT, INV_BIANCHI], []),
    "crm": ("invoices", "#invoices-table", [INV_ROSSI, INV_VERDI], [INV_BIANCHI, INV_ROSSI_DRAFT]),
    "supervisor": ("portfolio", "#portfolio-portfolio-consumption-table", ["C01", "C02"], []),
    "analyst": ("portfolio", "#portfolio-portfolio-revenue-table", ["12.345,67"], []),
    "manager": ("invoices", "#invoices-table", [INV_ROSSI], [INV_VERDI, INV_BIANCHI]),
    "regional": ("invoices", "#invoices-table", [INV_ROSSI, INV_VERDI], [INV_BIANCHI]),
    "customer": ("invoices", "#invoices-table", [INV_ROSSI], [INV_VERDI, INV_BIANCHI]),
}


@pytest.mark.parametrize("username", sorted(ROLE_CHECKS))
def test_each_role_signs_in_and_sees_what_it_may(server: str, page, username: str) -> None:
    from playwright.sync_api import expect

    sign_in(page, server, username)
    expect(page.locator("#app-nav a")).to_have_count(len(ROLE_PAGES[username]))
    assert nav_paths(page) == ROLE_PAGES[username]
    path, table, present, absent = ROLE_CHECKS[username]
    page.goto(f"{server}{path}")
    expect(page.locator(table)).to_be_visible(timeout=15_000)
    for text in present:
        expect(page.locator(table)).to_contain_text(text)
    for text in absent:
        expect(page.locator(table)).not_to_contain_text(text)
    refused = sorted(set(ROLE_PAGES["admin"]) - ROLE_PAGES[username])
    if refused:
        page.goto(f"{server}{refused[0].lstrip('/')}")
        expect(page.locator("#page-refused")).to_be_visible(timeout=15_000)


def test_a_customer_downloads_an_invoice_and_an_export(server: str, page) -> None:
    from playwright.sync_api import expect

    sign_in(page, server, "customer")
    expect(page).to_have_url(re.compile(r"/invoices$"))
    with page.expect_download() as pdf:
        page.locator("#invoices-table a", has_text="PDF").first.click()
    assert pdf.value.suggested_filename == f"{INV_ROSSI}.pdf"
    assert Path(pdf.value.path()).read_bytes().startswith(b"%PDF")
    with page.expect_download() as csv_file:
        page.click("#invoices-export-csv")
    text = Path(csv_file.value.path()).read_text(encoding="utf-8-sig")
    assert INV_ROSSI in text and INV_VERDI not in text and "110,00" in text
    # a forged address to another customer's PDF is refused
    answer = page.request.get(f"{server}download/invoice/{INV_BIANCHI}.pdf")
    assert answer.status == 404


def test_a_customer_uploads_forecasts_and_reads_the_errors(server: str, page, tmp_path) -> None:
    from playwright.sync_api import expect

    sign_in(page, server, "customer", "forecasts")
    bad = tmp_path / "impegni.csv"
    bad.write_text(
        "POD_PDR;MESE;FASCIA;QUANTITA\n"
        f"{POD_CURVE};2025-04;F1;100\n"
        f"{POD_JANUARY};2025-04;F1;100\n"
        f"{POD_CURVE};aprile;F2;-1\n",
        encoding="utf-8",
    )
    page.locator("#forecasts-upload input[type=file]").set_input_files(str(bad))
    errors = page.locator("#forecasts-errors")
    expect(errors).to_be_visible(timeout=15_000)
    expect(errors.locator("tbody tr")).to_have_count(3)
    expect(errors).to_contain_text(f"{POD_JANUARY} non è uno dei tuoi punti di fornitura.")
    expect(errors).to_contain_text("aprile non è un mese")
    expect(errors).to_contain_text("-1 è negativo.")
    expect(page.locator("#forecasts-rejected")).to_contain_text("Non è stato conservato nulla.")
    expect(page.locator("#forecasts-table")).to_contain_text("Nessuna riga.")

    good = tmp_path / "impegni-ok.csv"
    good.write_text(f"POD_PDR;MESE;FASCIA;QUANTITA\n{POD_CURVE};2025-03;F1;20\n", encoding="utf-8")
    page.locator("#forecasts-upload input[type=file]").set_input_files(str(good))
    expect(page.locator("#forecasts-saved")).to_contain_text(
        "impegni-ok.csv salvato: 1 previsioni."
    )
    expect(page.locator("#forecasts-table")).to_contain_text(POD_CURVE)

    page.goto(f"{server}curves")  # the forecast meets March's 22 kWh in F1
    expect(page.locator("#curves-imbalance-table")).to_contain_text("10,0%", timeout=15_000)
    expect(page.locator("#curves-daily .main-svg").first).to_be_visible()
