"""Pure plotly figure builders for the dashboard pages: data and labels in, figure out."""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go

from dashboards.i18n import d3_date_format, day_names, month_names, number_symbols

BAND_COLOURS = {"F1": "#c0392b", "F2": "#e67e22", "F3": "#27ae60"}
OTHER_COLOUR = "#7f8c8d"


def _base_layout(figure: go.Figure, x_title: str, y_title: str) -> go.Figure:
    figure.update_layout(
        template="plotly_white",
        margin={"l": 60, "r": 20, "t": 30, "b": 50},
        legend={"orientation": "h", "y": 1.08, "x": 0},
        xaxis_title=x_title,
        yaxis_title=y_title,
    )
    return figure


def load_curve_figure(curve: pd.DataFrame, *, x_title: str, y_title: str) -> go.Figure:
    """kWh per quarter hour over local time, one coloured line per band.

    `curve` has `local_time`, `band` and `kwh`, ordered by instant. A band's trace also
    keeps the point just before each of its runs, so the coloured segments join up and
    every step between two quarter hours is drawn in the band of the later one."""
    figure = go.Figure()
    bands = curve["band"]
    for band in sorted(bands.dropna().unique()):
        in_band = (bands == band) | (bands.shift(-1) == band)
        figure.add_trace(
            go.Scatter(
                x=curve["local_time"],
                y=curve["kwh"].where(in_band),
                name=band,
                mode="lines",
                connectgaps=False,
                line={"color": BAND_COLOURS.get(band, OTHER_COLOUR), "width": 1.5},
                hovertemplate="%{x|%d/%m %H:%M}  %{y:,.3f} kWh<extra>" + band + "</extra>",
            )
        )
    return _base_layout(figure, x_title, y_title)


def daily_band_figure(daily: pd.DataFrame, *, x_title: str, y_title: str) -> go.Figure:
    """Stacked kWh per local day, one bar segment per band; `daily` has `local_date`, `band`,
    `kwh`."""
    figure = go.Figure()
    for band in sorted(daily["band"].dropna().unique()):
        rows = daily[daily["band"] == band]
        figure.add_trace(
            go.Bar(
                x=rows["local_date"],
                y=rows["kwh"],
                name=band,
                marker_color=BAND_COLOURS.get(band, OTHER_COLOUR),
                hovertemplate="%{x|%d/%m}  %{y:,.3f} kWh<extra>" + band + "</extra>",
            )
        )
    # plotly lists stacked bars' legend top-down by default; keep F1, F2, F3 as in the curve
    figure.update_layout(barmode="stack", legend_traceorder="normal")
    return _base_layout(figure, x_title, y_title)


COMPARISON_COLOURS = ("#1f3a5f", "#e67e22")


def comparison_figure(
    series: list[tuple[str, list, list]], *, x_title: str, y_title: str
) -> go.Figure:
    """One line per (name, x, y) series, on the same axes, for comparing them."""
    figure = go.Figure()
    for index, (name, x, y) in enumerate(series):
        figure.add_trace(
            go.Scatter(
                x=x,
                y=y,
                name=name,
                mode="lines+markers",
                line={"color": COMPARISON_COLOURS[index % len(COMPARISON_COLOURS)], "width": 2},
                hovertemplate="%{x}  %{y:,.3f}<extra>" + name + "</extra>",
            )
        )
    return _base_layout(figure, x_title, y_title)


def stacked_lines_figure(
    frame: pd.DataFrame, *, x: str, y: str, group: str, x_title: str, y_title: str
) -> go.Figure:
    """One line per value of `group` (a company, an index) over `x`."""
    figure = go.Figure()
    for name in sorted(frame[group].dropna().unique()):
        rows = frame[frame[group] == name]
        figure.add_trace(go.Scatter(x=rows[x], y=rows[y], name=str(name), mode="lines"))
    return _base_layout(figure, x_title, y_title)


def message_figure(message: str) -> go.Figure:
    """An empty chart that says why it is empty."""
    figure = go.Figure()
    figure.update_layout(
        template="plotly_white",
        xaxis={"visible": False},
        yaxis={"visible": False},
        annotations=[
            {
                "text": message,
                "showarrow": False,
                "font": {"size": 16},
                "xref": "paper",
                "yref": "paper",
                "x": 0.5,
                "y": 0.5,
            }
        ],
    )
    return figure


def graph_config(language: str) -> dict:
    """dcc.Graph config that makes plotly's axes and numbers speak `language`.

    plotly.js ships its locales as separate scripts; an inline locale built from Babel's
    data needs no extra download and matches the rest of the page."""
    decimal, group = number_symbols(language)
    return {
        "displaylogo": False,
        "locale": language,
        "locales": {
            language: {
                "format": {
                    "days": day_names(language),
                    "shortDays": day_names(language, "abbreviated"),
                    "months": month_names(language),
                    "shortMonths": month_names(language, "abbreviated"),
                    "decimal": decimal,
                    "thousands": group,
                    # axis tick labels: day and month in the language's order
                    "year": d3_date_format(language, "y"),
                    "month": d3_date_format(language, "yMMM"),
                    "dayMonth": d3_date_format(language, "MMMd"),
                    "dayMonthYear": d3_date_format(language, "yMMMd"),
                }
            }
        },
    }
