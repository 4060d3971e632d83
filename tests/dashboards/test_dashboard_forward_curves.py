"""Forward curves from the warehouse to the analyst's page: the publish step carries
`reports.rpt_forward_curves` (and the hierarchy, `reports.rpt_customers`) into the snapshot, and
the prices page shows each index's latest curve as a chart and a table."""

from __future__ import annotations

import base64
import json
from datetime import date
from decimal import Decimal
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import duckdb
import numpy as np
import pytest
from dash_client import DashClient
from portal_fixtures import FORWARD_CURVES_DDL, INV_ROSSI

from energia.serving import Snapshot, current_snapshot_id, publish_snapshot

# PUN quoted twice: only the later quote is the current curve
CURVES = [
    ("PUN", date(2025, 3, 13), date(2025, 4, 1), Decimal("99.00")),
    ("PUN", date(2025, 3, 14), date(2025, 4, 1), Decimal("103.75")),
    ("PUN", date(2025, 3, 14), date(2025, 5, 1), Decimal("97.5")),
    ("PSV", date(2025, 3, 14), date(2025, 4, 1), Decimal("41.25")),
]


def publish_warehouse(portal_home: Path) -> Snapshot:
    """A warehouse holding the portal snapshot's tables in their schemas, with new forward
    curves, published as a run's last step does."""
    serving = portal_home / "serving"
    folder = serving / "snapshots" / current_snapshot_id(serving)
    with duckdb.connect() as con:
        con.execute("CREATE SCHEMA reports")
        con.execute("CREATE SCHEMA billing")
        for parquet in sorted(folder.glob("*.parquet")):
            if parquet.stem == "rpt_forward_curves":
                continue
            schema = "reports" if parquet.stem.startswith("rpt_") else "billing"
            con.execute(
                f'CREATE TABLE {schema}."{parquet.stem}" AS '
                f"SELECT * FROM read_parquet('{parquet}')"
            )
        con.execute(FORWARD_CURVES_DDL.replace("rpt_forward_curves", "reports.rpt_forward_curves"))
        con.executemany("INSERT INTO reports.rpt_forward_curves VALUES (?, ?, ?, ?)", CURVES)
        return publish_snapshot(con, serving)


def component(tree: Any, component_id: str) -> dict[str, Any] | None:
    """The component with `component_id` in a layout as JSON, or None."""
    if isinstance(tree, list):
        return next((c for c in (component(t, component_id) for t in tree) if c), None)
    if not isinstance(tree, dict):
        return None
    props = tree.get("props", {})
    if props.get("id") == component_id:
        return props
    return component(props.get("children"), component_id)


def values(array: Any) -> list[Any]:
    """A figure's array as sent to the browser: a list, or typed and base64-encoded."""
    if isinstance(array, dict):
        return np.frombuffer(base64.b64decode(array["bdata"]), dtype=array["dtype"]).tolist()
    return list(array)


def cells(props: dict[str, Any]) -> list[str]:
    found = []

    def walk(tree: Any) -> None:
        if isinstance(tree, str):
            found.append(tree)
        elif isinstance(tree, list):
            for t in tree:
                walk(t)
        elif isinstance(tree, dict):
            walk(tree.get("props", {}).get("children"))

    walk(props.get("children"))
    return found


def test_the_snapshot_holds_the_hierarchy_and_the_forward_curves(
    portal: SimpleNamespace,
) -> None:
    published = publish_warehouse(portal.home)
    assert published.tables["rpt_forward_curves"] == len(CURVES)
    assert published.tables["rpt_customers"] > 0
    assert current_snapshot_id(portal.home / "serving") == published.snapshot_id
    with duckdb.connect() as con:
        rows = con.execute(
            "SELECT * FROM read_parquet(?) ORDER BY ALL",
            [str(published.path / "rpt_forward_curves.parquet")],
        ).fetchall()
    assert rows == sorted(CURVES)


@pytest.mark.parametrize(
    ("language", "expected"),
    [
        (
            "en",
            [
                ["PSV (gas)", "14 Mar 2025", "April 2025", "41.25"],
                ["PUN (electricity)", "14 Mar 2025", "April 2025", "103.75"],
                ["PUN (electricity)", "14 Mar 2025", "May 2025", "97.50"],
            ],
        ),
        (
            "it",
            [
                ["PSV (gas)", "14 mar 2025", "aprile 2025", "41,25"],
                ["PUN (energia elettrica)", "14 mar 2025", "aprile 2025", "103,75"],
                ["PUN (energia elettrica)", "14 mar 2025", "maggio 2025", "97,50"],
            ],
        ),
    ],
)
def test_the_analyst_sees_the_latest_forward_curves(
    pages: SimpleNamespace, portal: SimpleNamespace, language: str, expected: list[list[str]]
) -> None:
    publish_warehouse(portal.home)
    client = DashClient(pages.app)
    assert client.sign_in("analyst").status_code == 302
    answer = client.page("/prices", language=language)
    assert answer.status_code == 200
    layout = json.loads(answer.text)["response"]["_pages_content"]["children"]

    table = cells(component(layout, "prices-forward-curves-table"))
    # four columns: the header row, then one row per index and delivery month of the latest
    # quote (PUN's older quote at 99 is not the curve)
    assert [table[i : i + 4] for i in range(4, len(table), 4)] == expected
    chart = component(layout, "prices-forward")["figure"]
    curves = {t["name"]: (values(t["x"]), values(t["y"])) for t in chart["data"]}
    assert set(curves) == {"PSV", "PUN"}
    assert curves["PUN"][1] == [103.75, 97.5]
    assert [str(x)[:7] for x in curves["PUN"][0]] == ["2025-04", "2025-05"]


def test_a_customer_sees_the_number_type_kind_and_dates_of_issued_invoices(
    pages: SimpleNamespace, portal: SimpleNamespace
) -> None:
    """The invoice list shows what the document prints: series/number, its type and kind, the
    issue and due dates (docs/contracts.md §3: `number` is a number within its `series`)."""
    client = DashClient(pages.app)
    assert client.sign_in("customer").status_code == 302
    answer = client.page("/invoices", language="en")
    layout = json.loads(answer.text)["response"]["_pages_content"]["children"]
    table = cells(component(layout, "invoices-table"))
    # 15 columns and the PDF link; CU001's only issued invoice (the draft is not listed)
    header, row = table[:16], table[16:]
    assert header[:2] == ["Number", "Invoice id"]
    assert row[:2] == ["FE/1", INV_ROSSI]
    assert row[5:11] == [
        "Invoice",
        "Regular",
        "1 Feb 2025",
        "28 Feb 2025",
        "1 Mar 2025",
        "31 Mar 2025",
    ]
