"""Small layout pieces the pages share: headings, notices, label-value tables."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from functools import wraps
from typing import Any

from dash import html

from dashboards.auth import can
from dashboards.i18n import _, language_or_default
from dashboards.snapshot import DataUnavailable, MissingTable


def unavailable_message(language: str | None, error: DataUnavailable) -> str:
    if isinstance(error, MissingTable):
        return _(language, "The published data has no {table} table yet.", table=error.table)
    return _(language, "No data published yet.")


def notice(text: str, component_id: str | None = None) -> html.Div:
    props = {"id": component_id} if component_id else {}
    return html.Div(text, className="notice", role="status", **props)


def table(
    header: Sequence[str],
    rows: Sequence[Sequence[Any]],
    numeric: Sequence[int] = (),
    component_id: str | None = None,
) -> html.Table:
    """A plain table of already formatted strings (or links); `numeric` columns are
    right-aligned."""

    def cell(tag: type[html.Td] | type[html.Th], value: Any, index: int) -> html.Td | html.Th:
        return tag(value, className="number" if index in numeric else None)

    props = {"id": component_id} if component_id else {}
    return html.Table(
        [
            html.Thead(html.Tr([cell(html.Th, h, i) for i, h in enumerate(header)])),
            html.Tbody([html.Tr([cell(html.Td, v, i) for i, v in enumerate(r)]) for r in rows]),
        ],
        className="summary-table",
        **props,
    )


def page_layout(page: str) -> Callable:
    """A page's layout, drawn only for a user allowed the page; others read why not."""

    def decorate(layout: Callable) -> Callable:
        @wraps(layout)
        def guarded(language: str | None = None, **kwargs: Any) -> Any:
            if not can(page):
                language = language_or_default(language)
                return html.Div(
                    [
                        html.H1(_(language, "Not allowed")),
                        notice(_(language, "Your account may not open this page."), "page-refused"),
                    ]
                )
            return layout(language, **kwargs)

        return guarded

    return decorate


def export_links(language: str, hrefs: dict[str, str], component_id: str) -> html.Div:
    """Links that download the table beside them, one per format."""
    names = {"csv": "CSV", "xlsx": "Excel"}
    return html.Div(
        [_(language, "Export:")]
        + [
            html.A(names[fmt], href=href, id=f"{component_id}-{fmt}", className="export-link")
            for fmt, href in hrefs.items()
        ],
        className="exports",
        id=component_id,
    )
