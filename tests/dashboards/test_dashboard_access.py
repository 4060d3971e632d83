"""Sign-in, CSRF and authorisation over HTTP, as a browser would send it (no browser needed).

The authorisation tests sign in as one customer and try every page, every callback and every
download with another customer's ids: each is refused, or answers without a byte of theirs."""

from __future__ import annotations

import io
import json
from types import SimpleNamespace

import dash
import pytest
from dash_client import DashClient
from dashboard_fixtures import POD_CURVE, POD_JANUARY, POD_NO_CURVE
from openpyxl import load_workbook
from portal_fixtures import (
    INV_BIANCHI,
    INV_ROSSI,
    INV_ROSSI_DRAFT,
    INV_VERDI,
    INVOICES,
    PASSWORD,
    ROLE_PAGES,
    signed_in,
)
from sqlalchemy import func, select

from dashboards import app as shell
from dashboards.i18n import _
from dashboards.reports import REPORTS
from energia.store import ConsumptionForecast, ForecastUpload, create_store_engine

# what another customer's data looks like anywhere in an answer: their supply point, their
# invoice, account and customer codes, their names (customer and company)
FOREIGN = (POD_JANUARY, INV_BIANCHI, "BA101", "CU101", "Officine Bianchi", "Energia Due")
# the reports of pages a customer does not have
NOT_FOR_CUSTOMERS = {"supply-points", "portfolio-consumption", "portfolio-revenue"}


@pytest.fixture
def client(pages: SimpleNamespace, portal: SimpleNamespace) -> DashClient:
    return DashClient(pages.app)


def signed_in_as(pages: SimpleNamespace, username: str) -> DashClient:
    client = DashClient(pages.app)
    assert client.sign_in(username).status_code == 302
    return client


def page_paths() -> list[str]:
    return [page["relative_path"] for page in dash.page_registry.values()]


def saved_forecasts(portal: SimpleNamespace) -> tuple[int, int]:
    engine = create_store_engine(f"sqlite:///{portal.home / 'operational.sqlite'}")
    with engine.connect() as connection:
        uploads = connection.execute(select(func.count()).select_from(ForecastUpload)).scalar()
        rows = connection.execute(select(func.count()).select_from(ConsumptionForecast)).scalar()
    engine.dispose()
    return uploads, rows


# ------------------------------------------------------------------ sign-in and sessions


def test_sign_in_gives_a_hardened_session_cookie(client: DashClient) -> None:
    page, _token = client.login_form("?lang=en")
    assert 'id="login-form"' in page and "User name" in page
    answer = client.sign_in("customer")
    assert answer.status_code == 302 and answer.headers["Location"] == "/invoices"
    cookie = next(
        c for c in answer.headers.getlist("Set-Cookie") if c.startswith("energia_session=")
    )
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie
    layout = client.client.get("/_dash-layout")
    assert layout.status_code == 200 and layout.headers["Cache-Control"] == "no-store"
    csrf_cookie = next(
        c for c in layout.headers.getlist("Set-Cookie") if c.startswith("_csrf_token=")
    )
    assert "SameSite=Strict" in csrf_cookie
    assert layout.headers["X-Frame-Options"] == "DENY"


def test_wrong_passwords_and_forged_forms_are_refused(client: DashClient) -> None:
    wrong = client.sign_in("customer", "not the password")
    assert wrong.status_code == 401 and "Nome utente o password errati." in wrong.text
    unknown = client.sign_in("nobody-at-all", PASSWORD)
    assert unknown.status_code == 401
    forged = client.client.post(
        "/login", data={"username": "customer", "password": PASSWORD, "csrf_token": "forged"}
    )
    assert forged.status_code == 400
    assert client.client.get("/_dash-layout").status_code == 401


@pytest.mark.parametrize("target", ["//evil.example/x", "https://evil.example/", "/login", "\\\\x"])
def test_sign_in_never_sends_elsewhere(client: DashClient, target: str) -> None:
    answer = client.sign_in("customer", next_path=target)
    assert answer.headers["Location"] == "/invoices"
    assert client.sign_in("customer", next_path="/curves?x=1").headers["Location"] == "/curves?x=1"


def test_callbacks_need_the_sessions_csrf_token(pages: SimpleNamespace, portal) -> None:
    client = signed_in_as(pages, "customer")
    inputs = [("consumption-pod", "value", POD_CURVE)]
    state = [("app-language", "data", "it"), ("app-company", "value", None)]
    outputs = [("consumption-tables", "children")]
    assert client.callback(outputs, inputs, state, csrf=None).status_code == 403
    assert client.callback(outputs, inputs, state, csrf="forged").status_code == 403
    # another user's token is no good either
    other = signed_in_as(pages, "other")
    assert client.callback(outputs, inputs, state, csrf=other.csrf).status_code == 403
    assert client.callback(outputs, inputs, state).status_code == 200


def test_sign_out_ends_the_session(pages: SimpleNamespace, portal) -> None:
    client = signed_in_as(pages, "customer")
    assert client.client.post("/logout").status_code == 403  # no CSRF token: refused
    csrf = client.csrf
    answer = client.client.post("/logout", data={"csrf_token": csrf})
    assert answer.status_code == 302 and answer.headers["Location"] == "/login"
    assert client.client.get("/_dash-layout").status_code == 401
    assert client.client.get("/invoices").status_code == 302


def test_the_language_choice_is_kept_in_the_account(pages: SimpleNamespace, portal) -> None:
    client = signed_in_as(pages, "customer")
    buttons = [
        {
            "id": {"language": code, "type": "app-language-button"},
            "property": "n_clicks",
            "value": int(code == "en"),
        }
        for code in ("it", "en")
    ]
    answer = client.callback(
        [("app-language", "data")], [], raw_inputs=[buttons], changed=buttons[1]
    )
    assert answer.status_code == 200 and answer.json["response"]["app-language"]["data"] == "en"
    layout = client.client.get("/_dash-layout").json
    store = layout["props"]["children"][0]
    assert store["props"]["id"] == "app-language" and store["props"]["data"] == "en"


# ------------------------------------------------------------------ pages per role


@pytest.mark.parametrize("username", sorted(ROLE_PAGES))
def test_each_role_opens_its_pages_and_no_other(pages: SimpleNamespace, portal, username) -> None:
    client = signed_in_as(pages, username)
    with signed_in(pages.app, portal.principals[username]):
        links = shell.render_nav("en")[0]
    assert {link.href for link in links} == ROLE_PAGES[username]
    for path in page_paths():
        answer = client.page(path, language="en")
        assert answer.status_code == 200
        refused = "page-refused" in answer.text
        assert refused == (path not in ROLE_PAGES[username]), path


# ------------------------------------------------------------------ data scope


def test_the_company_selector_offers_only_granted_companies(pages: SimpleNamespace, portal) -> None:
    options = {}
    for username in ("admin", "crm", "customer", "other"):
        layout = signed_in_as(pages, username).client.get("/_dash-layout").text
        options[username] = ("Luce Uno" in layout, "Energia Due" in layout)
    assert options == {
        "admin": (True, True),
        "crm": (True, False),
        "customer": (True, False),
        "other": (False, True),
    }


def invoice_ids_seen(client: DashClient) -> set[str]:
    text = client.page("/invoices").text
    return {invoice[0] for invoice in INVOICES if invoice[0] in text}


@pytest.mark.parametrize(
    ("username", "visible"),
    [
        ("customer", {INV_ROSSI}),  # issued only: the March draft is not published
        ("other", {INV_BIANCHI}),
        ("manager", {INV_ROSSI}),  # cost centre K01: Rossi's, not Verdi's
        ("regional", {INV_ROSSI, INV_VERDI}),  # region R01: both
        ("crm", {INV_ROSSI, INV_VERDI}),  # company C01, issued only
        ("billing", {INV_ROSSI, INV_ROSSI_DRAFT, INV_VERDI, INV_BIANCHI}),
    ],
)
def test_invoices_and_their_pdfs_follow_the_scope(
    pages: SimpleNamespace, portal, username: str, visible: set[str]
) -> None:
    client = signed_in_as(pages, username)
    assert invoice_ids_seen(client) == visible
    for invoice in INVOICES:
        answer = client.client.get(f"/download/invoice/{invoice[0]}.pdf")
        if invoice[0] in visible:
            assert answer.status_code == 200 and answer.data == portal.pdfs[invoice[0]]
            assert answer.mimetype == "application/pdf"
        else:
            assert answer.status_code == 404 and answer.data == b"Not found."


def test_another_customers_ids_are_refused_everywhere(pages: SimpleNamespace, portal) -> None:
    """Customer CU001 asks for CU101's supply point, invoice and company in every way the
    server offers; nothing of CU101 comes back."""
    client = signed_in_as(pages, "customer")

    def clean(text: str, where: str) -> None:
        leaked = [marker for marker in FOREIGN if marker in text]
        assert not leaked, f"{where} leaked {leaked}"

    # every page, with the foreign ids in the address and the foreign company chosen
    for path in page_paths():
        for company in (None, "C02"):
            answer = client.page(
                path, f"?pod={POD_JANUARY}&supply_point={POD_JANUARY}", company=company
            )
            assert answer.status_code == 200
            clean(answer.text, f"page {path} company={company}")
    clean(client.client.get("/_dash-layout").text, "shell")

    # every download, in both formats, narrowed to the foreign point, month and company
    for name in REPORTS:
        for fmt in ("csv", "xlsx"):
            answer = client.client.get(
                f"/download/{name}.{fmt}?supply_point={POD_JANUARY}&company=C02&month=2025-01-01"
            )
            if name in NOT_FOR_CUSTOMERS:
                assert answer.status_code == 403, name
                continue
            assert answer.status_code == 200, name
            text = answer.data.decode("utf-8-sig") if fmt == "csv" else xlsx_text(answer.data)
            clean(text, f"download {name}.{fmt}")
    for invoice_id in (INV_BIANCHI, f"../{INV_BIANCHI}", f"{INV_BIANCHI}%00", "../../etc/passwd"):
        assert client.client.get(f"/download/invoice/{invoice_id}.pdf").status_code == 404

    # every callback the customer's pages have, with the foreign ids as inputs
    state = [("app-language", "data", "en"), ("app-company", "value", "C02")]
    months = client.callback(
        [
            ("curves-month", "options"),
            ("curves-month", "value"),
            ("curves-other-month", "options"),
            ("curves-other-month", "value"),
        ],
        [("curves-pod", "value", POD_JANUARY)],
        [("app-language", "data", "en")],
    )
    assert months.json["response"]["curves-month"]["options"] == []
    for mode, other in (("period", None), ("point", POD_JANUARY)):
        for first in (POD_JANUARY, POD_CURVE):
            answer = client.callback(
                [
                    ("curves-daily", "figure"),
                    ("curves-profile", "figure"),
                    ("curves-totals", "children"),
                ],
                [
                    ("curves-pod", "value", first),
                    ("curves-month", "value", "2025-01-01"),
                    ("curves-mode", "value", mode),
                    ("curves-other-month", "value", "2025-01-01"),
                    ("curves-other-pod", "value", other),
                ],
                [("app-language", "data", "en")],
            )
            assert answer.status_code == 200
            clean(answer.text, f"compare {mode} {first}")
            assert "98765" not in answer.text and "98.765" not in answer.text
    consumption = client.callback(
        [("consumption-tables", "children")], [("consumption-pod", "value", POD_JANUARY)], state
    )
    assert consumption.status_code == 200
    clean(consumption.text, "consumption")
    assert "98765" not in consumption.text
    # pages the role lacks: their callbacks do nothing at all
    refused = client.callback(
        [("load-curve-month", "options"), ("load-curve-month", "value")],
        [("load-curve-pod", "value", POD_JANUARY)],
        [("app-language", "data", "en")],
    )
    assert refused.status_code == 204
    portfolio = client.callback(
        [("portfolio-load", "figure")], [("portfolio-month", "value", "2025-01-01")], state
    )
    assert portfolio.status_code == 204
    # an upload naming the foreign point is refused by row, and saves nothing
    upload = client.upload(
        "f.csv", f"POD_PDR;MESE;FASCIA;QUANTITA\n{POD_JANUARY};2025-04;F1;1\n".encode()
    )
    assert f"{POD_JANUARY} non è uno dei tuoi punti di fornitura." in upload.text
    assert saved_forecasts(portal) == (0, 0)


def xlsx_text(content: bytes) -> str:
    sheet = load_workbook(io.BytesIO(content), read_only=True).worksheets[0]
    return "\n".join(
        ";".join(str(c) for c in row if c is not None) for row in sheet.iter_rows(values_only=True)
    )


def test_own_data_comes_back(pages: SimpleNamespace, portal) -> None:
    """The other side of the refusals: the customer's own point, invoice and exports."""
    client = signed_in_as(pages, "customer")
    consumption = client.client.get(f"/download/consumption.csv?supply_point={POD_CURVE}")
    lines = consumption.data.decode("utf-8-sig").splitlines()
    headers = ["POD/PDR", "Commodity", "Month", "Band", "Quantity", "Unit"]
    assert lines[0] == ";".join(_("it", h) for h in headers)
    assert f"{POD_CURVE};Energia elettrica;03/2025;F1;22,000000;kWh" in lines
    assert len(lines) == 4
    invoices = client.client.get("/download/invoices.xlsx?lang=en")
    assert invoices.status_code == 200
    sheet = load_workbook(io.BytesIO(invoices.data)).worksheets[0]
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][:3] == ("Number", "Invoice id", "Company")
    assert rows[1][1] == INV_ROSSI and str(rows[1][13]) == "110"
    assert sheet.cell(2, 14).number_format == "#,##0.00"


# ------------------------------------------------------------------ uploads


def test_a_malformed_upload_names_every_bad_row_and_saves_nothing(pages, portal) -> None:
    client = signed_in_as(pages, "customer")
    content = (
        "POD_PDR;MESE;FASCIA;QUANTITA\n"
        f"{POD_CURVE};2025-04;F1;100\n"
        f"{POD_CURVE};2025-13;F1;100\n"
        f"{POD_CURVE};2025-04;F1;-3\n"
        f"{POD_NO_CURVE};2025-04;ALL;1\n"  # CU002's point: not this customer's
    ).encode()
    answer = client.upload("impegni.csv", content, language="en")
    result = answer.json["response"]["forecasts-result"]["children"]
    text = json.dumps(result)
    assert "impegni.csv was not saved: 4 error(s). Nothing of it was kept." in text
    assert "2025-13 is not a month" in text
    assert "-3 is negative." in text
    assert f"{POD_NO_CURVE} is not one of your supply points." in text
    assert f"{POD_CURVE} 2025-04 F1 repeats row 2." in text
    assert saved_forecasts(portal) == (0, 0)

    for name, bad in (("x.xlsx", b"PK\x03\x04broken"), ("x.txt", b"hello"), ("x.csv", b"a,b,c\n")):
        answer = client.upload(name, bad, language="en")
        assert "was not saved" in answer.text
    assert saved_forecasts(portal) == (0, 0)

    good = f"POD_PDR;MESE;FASCIA;QUANTITA\n{POD_CURVE};2025-03;F1;20\n".encode()
    answer = client.upload("impegni.csv", good, language="en")
    assert "impegni.csv saved: 1 forecast(s)." in answer.text
    assert saved_forecasts(portal) == (1, 1)
    # the imbalance report compares it with March's 22 kWh in F1: 2 kWh, 10 % more
    imbalance = client.client.get("/download/imbalance.csv?lang=en").data.decode("utf-8-sig")
    assert imbalance.splitlines()[1:] == [
        f"{POD_CURVE},03/2025,F1,20.000000,22.000000,2.000000,0.1,kWh"
    ]
