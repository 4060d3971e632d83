"""The dashboards' shell: a Dash Pages app with the nav bar and the Italian/English switch."""

from __future__ import annotations

import importlib
from typing import Any

import dash
from dash import ALL, Dash, Input, Output, callback, ctx, dcc, html

from dashboards.i18n import LANGUAGE_STORE_ID, LANGUAGES, _, language_or_default

# each registers itself (path, name, layout, callbacks) when imported
PAGES = ("home", "supply_points", "load_curve")
LANGUAGE_NAMES = {"it": "Italiano", "en": "English"}
LANGUAGE_BUTTON = "app-language-button"


def create_app() -> Dash:
    app = Dash(
        __name__,
        use_pages=True,
        # pages are imported by their package names below rather than found by Dash in a
        # folder, so the app and the tests load the very same modules
        pages_folder="",
        # a switch of language re-renders the page in it
        routing_callback_inputs={"language": Input(LANGUAGE_STORE_ID, "data")},
        title="Energia",
    )
    for page in PAGES:
        importlib.import_module(f"dashboards.pages.{page}")
    app.layout = shell
    return app


def shell() -> html.Div:
    """Called on every page load, so the default language follows the current settings."""
    return html.Div(
        [
            # the browser keeps the choice across visits (localStorage)
            dcc.Store(id=LANGUAGE_STORE_ID, storage_type="local", data=language_or_default(None)),
            html.Header(
                [
                    dcc.Link("Energia", href=dash.get_relative_path("/"), className="brand"),
                    html.Nav(id="app-nav", className="app-nav"),
                    html.Div(
                        [
                            html.Button(
                                code.upper(),
                                title=LANGUAGE_NAMES[code],
                                lang=code,
                                id={"type": LANGUAGE_BUTTON, "language": code},
                                n_clicks=0,
                            )
                            for code in LANGUAGES
                        ],
                        className="language-switch",
                        role="group",
                    ),
                ],
                className="app-header",
            ),
            html.Main(dash.page_container, className="app-main"),
        ]
    )


@callback(
    Output(LANGUAGE_STORE_ID, "data"),
    Input({"type": LANGUAGE_BUTTON, "language": ALL}, "n_clicks"),
    prevent_initial_call=True,
)
def choose_language(_clicks: list[int]) -> str:
    return ctx.triggered_id["language"]


@callback(
    Output("app-nav", "children"),
    Output({"type": LANGUAGE_BUTTON, "language": ALL}, "className"),
    Input(LANGUAGE_STORE_ID, "data"),
)
def render_nav(language: str | None) -> tuple[list[Any], list[str]]:
    """Page links in the chosen language; the chosen language's button marked active."""
    language = language_or_default(language)
    links = [
        dcc.Link(
            _(language, page["name"]),
            href=page["relative_path"],
            id=f"app-nav-{page['module'].rsplit('.', 1)[-1].replace('_', '-')}",
        )
        for page in dash.page_registry.values()
    ]
    return links, ["active" if code == language else "" for code in LANGUAGES]
