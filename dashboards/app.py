"""The dashboards' shell: a Dash Pages app with sign-in, the nav bar of the pages the user may
open, the company selector and the Italian/English switch."""

from __future__ import annotations

import importlib
from typing import Any

import dash
import flask
from dash import ALL, Dash, Input, Output, callback, ctx, dcc, html

from dashboards import auth, downloads
from dashboards.auth import COMPANY_ID, CSRF_FIELD, company_choices, current_principal, services
from dashboards.i18n import LANGUAGE_STORE_ID, LANGUAGES, _, language_or_default
from dashboards.snapshot import DataUnavailable

# each registers itself (path, name, layout, callbacks) when imported
PAGES = (
    "home",
    "supply_points",
    "load_curve",
    "invoices",
    "consumption",
    "curves",
    "prices",
    "forecasts",
    "portfolio",
    "users",
)
LANGUAGE_NAMES = {"it": "Italiano", "en": "English"}
LANGUAGE_BUTTON = "app-language-button"


def create_app() -> Dash:
    app = Dash(
        __name__,
        use_pages=True,
        # pages are imported by their package names below rather than found by Dash in a
        # folder, so the app and the tests load the very same modules
        pages_folder="",
        # a switch of language or company re-renders the page in it
        routing_callback_inputs={
            "language": Input(LANGUAGE_STORE_ID, "data"),
            "company": Input(COMPANY_ID, "value"),
        },
        title="Energia",
        # each user's pages hold only what they may see (a refused page none of its
        # components), so no one layout exists to check every callback against
        suppress_callback_exceptions=True,
    )
    for page in PAGES:
        importlib.import_module(f"dashboards.pages.{page}")
    app.layout = shell
    auth.install(app)
    downloads.install(app.server)
    return app


def shell() -> html.Div:
    """Called on every page load for the signed-in user: their language, their companies."""
    principal = current_principal()
    language = language_or_default(principal.language if principal else None)
    try:
        companies = company_choices()
    except DataUnavailable:
        companies = {}
    csrf = flask.g.get("csrf_token", "") if flask.has_request_context() else ""
    return html.Div(
        [
            # the user's language lives in their account; this store carries it to the pages
            dcc.Store(id=LANGUAGE_STORE_ID, data=language),
            html.Header(
                [
                    dcc.Link("Energia", href=dash.get_relative_path("/"), className="brand"),
                    html.Nav(id="app-nav", className="app-nav"),
                    html.Div(
                        dcc.Dropdown(
                            id=COMPANY_ID,
                            options=[
                                {"label": name, "value": company}
                                for company, name in companies.items()
                            ],
                            value=None,
                            clearable=True,
                            searchable=False,
                        ),
                        className="company-select",
                        # one company needs no choice
                        style=None if len(companies) > 1 else {"display": "none"},
                    ),
                    html.Span(
                        principal.display_name if principal else "",
                        id="app-user",
                        className="user-name",
                    ),
                    html.Form(
                        [
                            dcc.Input(
                                type="hidden", name=CSRF_FIELD, value=csrf, id="app-sign-out-csrf"
                            ),
                            html.Button(id="app-sign-out", type="submit", className="sign-out"),
                        ],
                        method="POST",
                        action=dash.get_relative_path("/logout"),
                    ),
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
    """The chosen language, kept in the user's account for their next visit."""
    language = ctx.triggered_id["language"]
    principal = current_principal()
    if principal is not None:
        services().directory.set_language(principal.user_id, language)
        services().sessions.forget(principal.user_id)
    return language


@callback(
    Output("app-nav", "children"),
    Output({"type": LANGUAGE_BUTTON, "language": ALL}, "className"),
    Output(COMPANY_ID, "placeholder"),
    Output("app-sign-out", "children"),
    Input(LANGUAGE_STORE_ID, "data"),
)
def render_nav(language: str | None) -> tuple[list[Any], list[str], str, str]:
    """Links to the pages the user may open, in the chosen language; that language's button
    marked active."""
    language = language_or_default(language)
    principal = current_principal()
    links = [
        dcc.Link(
            _(language, page["name"]),
            href=page["relative_path"],
            id=f"app-nav-{page['module'].rsplit('.', 1)[-1].replace('_', '-')}",
        )
        for page in dash.page_registry.values()
        if principal is not None and principal.can(page.get("access", ""))
    ]
    return (
        links,
        ["active" if code == language else "" for code in LANGUAGES],
        _(language, "All my companies"),
        _(language, "Sign out"),
    )
