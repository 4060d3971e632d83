"""Small layout pieces the pages share: headings, notices, label-value tables."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from functools import wraps
from typing import Any
from urllib.parse import urlencode

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


EXPORT_FORMATS = {"csv": "CSV", "xlsx": "Excel"}


def report_href(name: str, fmt: str, **params: str | None) -> str:
    """The download address of a report, with the page's current choices."""
    query = urlencode({k: v for k, v in params.items() if v})
    return f"/download/{name}.{fmt}" + (f"?{query}" if query else "")


def export_links(language: str, report: str, component_id: str, **params: str | None) -> html.Div:
    """Links that download `report` (the table beside them) in every format, in `language`
    and narrowed by `params` as the page is."""
    return html.Div(
        [_(language, "Export:")]
        + [
            html.A(
                label,
                href=report_href(report, fmt, **params, lang=language),
                id=f"{component_id}-{fmt}",
                className="export-link",
            )
            for fmt, label in EXPORT_FORMATS.items()
        ],
        className="exports",
        id=component_id,
    )
