"""Small layout pieces the pages share: headings, notices, label-value tables."""

from __future__ import annotations

from collections.abc import Sequence

from dash import html

from dashboards.i18n import _
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
    rows: Sequence[Sequence[str]],
    numeric: Sequence[int] = (),
    component_id: str | None = None,
) -> html.Table:
    """A plain table of already formatted strings; `numeric` columns are right-aligned."""

    def cell(tag: type[html.Td] | type[html.Th], value: str, index: int) -> html.Td | html.Th:
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
