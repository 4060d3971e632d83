"""Figure builders: pure, so checked on hand-made frames."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pandas as pd

from dashboards.figures import (
    BAND_COLOURS,
    daily_band_figure,
    graph_config,
    load_curve_figure,
    message_figure,
)


def curve(bands: str) -> pd.DataFrame:
    start = datetime(2025, 3, 31, 7, 30)
    return pd.DataFrame(
        {
            "local_time": [start + timedelta(minutes=15 * i) for i in range(len(bands))],
            "band": [f"F{b}" for b in bands],
            "kwh": [0.1 * (i + 1) for i in range(len(bands))],
        }
    )


def test_one_coloured_trace_per_band() -> None:
    figure = load_curve_figure(curve("2211"), x_title="Ora", y_title="kWh")
    assert [t.name for t in figure.data] == ["F1", "F2"]
    assert [t.line.color for t in figure.data] == [BAND_COLOURS["F1"], BAND_COLOURS["F2"]]
    assert figure.layout.xaxis.title.text == "Ora"


def test_band_segments_join_up() -> None:
    f1, f2 = load_curve_figure(curve("22112"), x_title="", y_title="").data
    # each trace keeps its own points and the one just before each of its runs
    assert [y is not None and y == y for y in f1.y] == [False, True, True, True, False]
    assert [y is not None and y == y for y in f2.y] == [True, True, False, True, True]


def test_daily_bars_are_stacked_per_band() -> None:
    daily = pd.DataFrame(
        {
            "local_date": [date(2025, 3, 30), date(2025, 3, 31), date(2025, 3, 31)],
            "band": ["F3", "F1", "F3"],
            "kwh": [11.5, 22.0, 4.0],
        }
    )
    figure = daily_band_figure(daily, x_title="Giorno", y_title="kWh")
    assert figure.layout.barmode == "stack"
    assert {t.name: list(t.y) for t in figure.data} == {"F1": [22.0], "F3": [11.5, 4.0]}


def test_message_figure_says_why_it_is_empty() -> None:
    figure = message_figure("Nessuna misura per questo mese.")
    assert not figure.data
    assert figure.layout.annotations[0].text == "Nessuna misura per questo mese."


def test_graph_config_carries_the_locale() -> None:
    config = graph_config("it")
    assert config["locale"] == "it"
    fmt = config["locales"]["it"]["format"]
    assert fmt["months"][2] == "marzo"
    assert fmt["days"][0] == "domenica"
    assert (fmt["decimal"], fmt["thousands"]) == (",", ".")
    assert fmt["dayMonth"] == "%-d %b"
