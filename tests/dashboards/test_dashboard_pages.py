"""Page layouts and callbacks, called as functions: no server, no browser."""

from __future__ import annotations

from contextvars import copy_context
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import dash
import pytest
from dash._callback_context import context_value
from dash._utils import AttributeDict
from dashboard_fixtures import PDR, POD_CURVE, POD_JANUARY, POD_NO_CURVE, POD_REGISTER
from portal_fixtures import ADMIN, signed_in

from dashboards import app as shell


@pytest.fixture
def as_admin(pages: SimpleNamespace) -> Any:
    """The test runs as a request of an administrator who sees everything."""
    with signed_in(pages.app, ADMIN):
        yield


def find(component: Any, component_id: str) -> Any:
    """The component with `component_id` in a layout tree, or None."""
    if getattr(component, "id", None) == component_id:
        return component
    children = getattr(component, "children", None)
    for child in children if isinstance(children, list | tuple) else [children]:
        if child is not None and not isinstance(child, str):
            found = find(child, component_id)
            if found is not None:
                return found
    return None


def texts(component: Any) -> list[str]:
    """Every string in a layout tree, in order."""
    if isinstance(component, str):
        return [component]
    if isinstance(component, list | tuple):
        return [t for c in component for t in texts(c)]
    children = getattr(component, "children", None)
    return texts(children) if children is not None else []


def test_pages_are_registered(pages: SimpleNamespace) -> None:
    paths = {page["path"]: page["name"] for page in dash.page_registry.values()}
    assert paths == {
        "/": "Summary",
        "/supply-points": "Supply points",
        "/load-curve": "Load curve",
        "/invoices": "Invoices",
        "/consumption": "Consumption and billing",
        "/curves": "Load curve comparison",
        "/prices": "Prices and indices",
        "/forecasts": "Forecasts",
        "/portfolio": "Portfolio",
        "/users": "Users",
    }


def test_the_server_asks_for_a_sign_in_first(pages: SimpleNamespace, data_home: Path) -> None:
    client = pages.app.server.test_client()
    page = client.get("/load-curve?pod=x")
    assert page.status_code == 302
    assert page.headers["Location"] == "/login?next=%2Fload-curve%3Fpod%3Dx"
    assert client.get("/_dash-layout").status_code == 401
    assert client.get("/login").status_code == 200
    assert client.get("/assets/style.css").status_code == 200


def test_home_without_data_says_so(pages: SimpleNamespace, data_home: Path, as_admin: None) -> None:
    layout = pages.home.layout("it")
    assert find(layout, "home-notice").children == "Nessun dato ancora pubblicato."


def test_home_summary_in_each_language(
    pages: SimpleNamespace, serving_dir: Path, as_admin: None
) -> None:
    italian = texts(find(pages.home.layout("it"), "home-summary"))
    assert italian[6:12] == ["Luce Uno S.p.A.", "Energia elettrica", "3", "2", "2", "marzo 2025"]
    english = texts(pages.home.layout("en"))
    assert "Summary" in english and "Electricity" in english and "Snapshot s1" in english


def test_supply_points_grid_labels_and_formats(
    pages: SimpleNamespace, serving_dir: Path, as_admin: None
) -> None:
    grid = find(pages.supply_points.layout("it"), "supply-points-grid")
    headers = {c["field"]: c.get("headerName") for c in grid.columnDefs}
    assert headers["power_kw"] == "Potenza impegnata (kW)"
    assert headers["supply_point_id"] == "POD/PDR"
    quantity = next(c for c in grid.columnDefs if c["field"] == "last_month_quantity")
    assert '"decimal": ","' in quantity["valueFormatter"]["function"]
    assert grid.dashGridOptions["localeText"]["contains"] == "Contiene"
    rows = {r["supply_point_id"]: r for r in grid.rowData}
    assert rows[POD_JANUARY]["use"] == "Altri usi"
    assert rows[POD_JANUARY]["meter_type"] == "Orario (curva di carico)"
    assert rows[POD_CURVE]["load_curve"] == f"[Curva](/load-curve?pod={POD_CURVE})"
    assert "load_curve" not in rows[POD_REGISTER] and "load_curve" not in rows[PDR]

    english = find(pages.supply_points.layout("en"), "supply-points-grid")
    power = next(c for c in english.columnDefs if c["field"] == "power_kw")
    assert power["headerName"] == "Committed power (kW)"
    assert '"decimal": "."' in power["valueFormatter"]["function"]


def test_supply_points_without_data(
    pages: SimpleNamespace, data_home: Path, as_admin: None
) -> None:
    layout = pages.supply_points.layout("en")
    assert find(layout, "supply-points-grid") is None
    assert find(layout, "supply-points-notice").children == "No data published yet."


def test_load_curve_preselects_the_pod_of_the_address(
    pages: SimpleNamespace, serving_dir: Path, as_admin: None
) -> None:
    layout = pages.load_curve.layout("it", pod=POD_JANUARY)
    dropdown = find(layout, "load-curve-pod")
    assert dropdown.value == POD_JANUARY
    assert [o["value"] for o in dropdown.options] == [POD_CURVE, POD_JANUARY, POD_NO_CURVE]
    assert find(layout, "load-curve-notice") is None
    assert find(pages.load_curve.layout("it"), "load-curve-pod").value == POD_CURVE
    repeated = pages.load_curve.layout("it", pod=[POD_JANUARY, POD_CURVE])
    assert find(repeated, "load-curve-pod").value == POD_JANUARY


def test_load_curve_names_an_unknown_pod(
    pages: SimpleNamespace, serving_dir: Path, as_admin: None
) -> None:
    layout = pages.load_curve.layout("en", pod=POD_REGISTER)
    assert find(layout, "load-curve-notice").children == (
        f"Supply point {POD_REGISTER} has no load curve."
    )
    assert find(layout, "load-curve-pod").value == POD_CURVE


def test_load_curve_without_data_keeps_its_controls(
    pages: SimpleNamespace, data_home: Path, as_admin: None
) -> None:
    layout = pages.load_curve.layout("it", pod=POD_CURVE)
    assert find(layout, "load-curve-notice").children == "Nessun dato ancora pubblicato."
    assert find(layout, "load-curve-pod").options == []
    assert find(layout, "load-curve-graph") is not None
    figure, _daily, _totals = pages.load_curve.show_month(None, None, "it")
    assert not figure.data


def test_months_callback(pages: SimpleNamespace, serving_dir: Path, as_admin: None) -> None:
    options, value = pages.load_curve.choose_months(POD_CURVE, "it")
    assert options == [
        {"label": "marzo 2025", "value": "2025-03-01"},
        {"label": "febbraio 2025", "value": "2025-02-01"},
    ]
    assert value == "2025-03-01"
    assert pages.load_curve.choose_months(POD_NO_CURVE, "it") == ([], None)
    assert pages.load_curve.choose_months(None, "it") == ([], None)


def test_month_callback_draws_curve_bars_and_totals(
    pages: SimpleNamespace, serving_dir: Path, as_admin: None
) -> None:
    curve, daily, totals = pages.load_curve.show_month(POD_CURVE, "2025-03-01", "it")
    assert [t.name for t in curve.data] == ["F1", "F2", "F3"]
    assert curve.layout.xaxis.title.text == "Ora locale"
    assert sum(len(t.x) for t in daily.data) == 4  # 30 Mar: F3; 31 Mar: F1, F2, F3
    table = texts(totals)
    assert table[0] == "Totali di marzo 2025"
    assert table[5:9] == ["F1", "22,000", "44", "51,8%"]
    assert table[-4:] == ["Totale", "42,500", "188", "100,0%"]

    english = texts(pages.load_curve.show_month(POD_CURVE, "2025-03-01", "en")[2])
    assert english[-4:] == ["Total", "42.500", "188", "100.0%"]


def test_month_callback_explains_empty_charts(
    pages: SimpleNamespace, serving_dir: Path, as_admin: None
) -> None:
    show = pages.load_curve.show_month
    assert texts(show(POD_NO_CURVE, None, "en")[2]) == ["No load curve for this supply point."]
    assert texts(show(POD_CURVE, "2024-01-01", "en")[2]) == ["No readings for this month."]
    assert texts(show(POD_CURVE, "garbage", "en")[2]) == ["No load curve for this supply point."]
    figure = show(None, None, "en")[0]
    assert figure.layout.annotations[0].text == (
        "No interval-metered supply point in the published data."
    )


def test_nav_speaks_the_chosen_language(pages: SimpleNamespace, as_admin: None) -> None:
    links, classes, placeholder, sign_out = shell.render_nav("en")
    assert [link.children for link in links][:3] == ["Summary", "Supply points", "Load curve"]
    assert [link.href for link in links][:3] == ["/", "/supply-points", "/load-curve"]
    assert classes == ["", "active"]
    assert (placeholder, sign_out) == ("All my companies", "Sign out")
    links, classes, placeholder, sign_out = shell.render_nav("it")
    assert [link.children for link in links][:3] == [
        "Riepilogo",
        "Punti di fornitura",
        "Curva di carico",
    ]
    assert classes == ["active", ""]
    assert sign_out == "Esci"


def test_language_buttons_set_the_store(pages: SimpleNamespace) -> None:
    def click_english() -> str:
        prop_id = '{"language":"en","type":"app-language-button"}.n_clicks'
        context_value.set(AttributeDict(triggered_inputs=[{"prop_id": prop_id, "value": 1}]))
        return shell.choose_language([0, 1])

    assert copy_context().run(click_english) == "en"
