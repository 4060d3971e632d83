"""Sign-in for the dashboards: the session cookie, CSRF checks, the sign-in page, who is asking.

Every request but the sign-in page and static files needs a live session; every state-changing
request (Dash callbacks are POSTs) needs the session's CSRF token in the `X-CSRFToken` header or
a `csrf_token` form field. The token reaches Dash's renderer as the `_csrf_token` cookie, which
the renderer copies into that header on each callback (double submit, checked against the
token kept server-side, never against the cookie itself).
"""

from __future__ import annotations

import secrets
import sys
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache, wraps
from typing import Any
from urllib.parse import urlencode, urlsplit

import dash
import flask
from dash.exceptions import PreventUpdate
from markupsafe import escape
from pydantic import SecretStr
from sqlalchemy import Engine

from access.directory import Directory, Principal
from access.forecasts import ForecastBook
from access.scope import Grant, Scope, resolve_scope, selectable_companies
from access.sessions import SESSION_LIFETIME, SessionStore, new_token, tokens_match
from dashboards import data
from dashboards.i18n import LANGUAGES, _, language_or_default
from dashboards.snapshot import Snapshot, current_settings, current_snapshot
from energia.settings import Settings
from energia.store import create_store_engine

SESSION_COOKIE = "energia_session"
SESSION_KEY = "sid"
LOGIN_CSRF_KEY = "login_csrf"
# the names Dash's renderer reads and sends by default
CSRF_COOKIE = "_csrf_token"
CSRF_HEADER = "X-CSRFToken"
CSRF_FIELD = "csrf_token"
# the shell's company selector: pages narrow to it (None: every company the user may see)
COMPANY_ID = "app-company"
PUBLIC_PREFIXES = ("/assets/", "/_dash-component-suites/", "/_favicon.ico", "/login")
SAFE_METHODS = ("GET", "HEAD", "OPTIONS")
MAX_REQUEST_BYTES = 8 * 1024 * 1024  # an upload of 2 MB arrives base64-encoded in JSON


class WebSettings(Settings):
    """The web server's settings, with the same ENERGIA_ prefix."""

    secret_key: SecretStr | None = None  # ENERGIA_SECRET_KEY: signs the session cookie
    secure_cookies: bool = False  # ENERGIA_SECURE_COOKIES: send cookies over HTTPS only


@dataclass(frozen=True)
class Services:
    engine: Engine
    directory: Directory
    sessions: SessionStore
    forecasts: ForecastBook


@lru_cache(maxsize=8)
def _services(url: str) -> Services:
    engine = create_store_engine(url)
    return Services(engine, Directory(engine), SessionStore(engine), ForecastBook(engine))


def services() -> Services:
    """The operational store of the current settings (one engine per store URL)."""
    return _services(current_settings().store_url)


# ------------------------------------------------------------------ who is asking


def current_principal() -> Principal | None:
    """The signed-in user of this request, as the server loaded them; None outside a request."""
    return flask.g.get("principal") if flask.has_request_context() else None


@lru_cache(maxsize=256)
def _resolved(grants: tuple[Grant, ...], snapshot: Snapshot) -> Scope:
    return resolve_scope(grants, data.customer_nodes())


def current_scope(company: str | None = None) -> Scope:
    """The data the signed-in user may see, within `company` if given; nothing if no one is
    signed in. Resolved on the server from the grants, never from what the browser sends."""
    principal = current_principal()
    if principal is None:
        return Scope()
    scope = _resolved(principal.grants, current_snapshot())
    return scope.narrowed_to(company or None)


def company_choices() -> dict[str, str]:
    """company_id -> name of the companies the user may pick."""
    principal = current_principal()
    if principal is None:
        return {}
    names = data.companies()
    allowed = selectable_companies(principal.grants, current_scope(), names)
    return {company: names[company] for company in allowed}


def can(page: str) -> bool:
    principal = current_principal()
    return principal is not None and principal.can(page)


def guarded_callback(page: str) -> Callable:
    """A callback that does nothing (no update) for a user without the page."""

    def decorate(function: Callable) -> Callable:
        @wraps(function)
        def wrapped(*args: Any, **kwargs: Any) -> Any:
            if not can(page):
                raise PreventUpdate
            return function(*args, **kwargs)

        return wrapped

    return decorate


# ------------------------------------------------------------------ request hooks


def _is_public(path: str) -> bool:
    return any(path.startswith(prefix) for prefix in PUBLIC_PREFIXES)


def _wants_page(path: str) -> bool:
    return not (path.startswith("/_dash-") or path.startswith("/download/"))


def check_request() -> flask.Response | None:
    """Before every request: find the session, refuse what it does not allow."""
    request = flask.request
    if _is_public(request.path):
        return None
    signed_in = services().sessions.find(flask.session.get(SESSION_KEY))
    if signed_in is None:
        if request.method in SAFE_METHODS and _wants_page(request.path):
            target = request.full_path if request.query_string else request.path
            return flask.redirect(f"/login?{urlencode({'next': target})}")
        return flask.Response("Sign in first.", status=401, mimetype="text/plain")
    if request.method not in SAFE_METHODS:
        given = request.headers.get(CSRF_HEADER) or request.form.get(CSRF_FIELD)
        if not tokens_match(signed_in.csrf_token, given):
            return flask.Response("Missing or wrong CSRF token.", status=403, mimetype="text/plain")
    flask.g.principal = signed_in.principal
    flask.g.csrf_token = signed_in.csrf_token
    return None


def finish_response(response: flask.Response) -> flask.Response:
    """After every request: hand the CSRF token to the renderer; keep pages out of frames and
    signed-in answers out of shared caches."""
    csrf = flask.g.get("csrf_token")
    if csrf and flask.request.cookies.get(CSRF_COOKIE) != csrf:
        response.set_cookie(
            CSRF_COOKIE, csrf, samesite="Strict", secure=WebSettings().secure_cookies, path="/"
        )
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("X-Frame-Options", "DENY")
    response.headers.setdefault("Referrer-Policy", "same-origin")
    if not _is_public(flask.request.path):
        response.headers["Cache-Control"] = "no-store"
    return response


# ------------------------------------------------------------------ sign-in and sign-out


def _login_language() -> str:
    asked = flask.request.args.get("lang") or flask.request.form.get("lang")
    if asked in LANGUAGES:
        return asked
    best = flask.request.accept_languages.best_match(LANGUAGES)
    return language_or_default(best)


def _safe_next(target: str | None) -> str | None:
    """A path on this site only: never another host, never back to the sign-in page."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or parts.path.startswith("/login"):
        return None
    return target


def first_page(principal: Principal) -> str:
    """The first page in the nav the user may open."""
    for page in dash.page_registry.values():
        if principal.can(page.get("access", "")):
            return page["relative_path"]
    return "/"


def _login_page(language: str, error: str | None = None, status: int = 200) -> flask.Response:
    token = flask.session.get(LOGIN_CSRF_KEY)
    if not token:
        token = new_token()
        flask.session[LOGIN_CSRF_KEY] = token
    next_path = _safe_next(flask.request.values.get("next")) or ""
    switch = " ".join(
        f'<a href="/login?{escape(urlencode({"lang": code, "next": next_path}))}"'
        f' lang="{code}" class="{"active" if code == language else ""}">{code.upper()}</a>'
        for code in LANGUAGES
    )
    message = (
        f'<p class="notice" role="alert" id="login-error">{escape(error)}</p>' if error else ""
    )
    title = escape(_(language, "Sign in"))
    user_label = escape(_(language, "User name"))
    password_label = escape(_(language, "Password"))
    html = f"""<!DOCTYPE html>
<html lang="{language}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title} · Energia</title>
<link rel="stylesheet" href="/assets/style.css">
</head>
<body>
<header class="app-header"><span class="brand">Energia</span>
<nav class="language-switch login-language">{switch}</nav></header>
<main class="app-main login">
<h1>{title}</h1>
{message}
<form method="post" action="/login" id="login-form" class="login-form">
<input type="hidden" name="{CSRF_FIELD}" value="{escape(token)}">
<input type="hidden" name="next" value="{escape(next_path)}">
<input type="hidden" name="lang" value="{language}">
<label for="login-username">{user_label}</label>
<input id="login-username" name="username" autocomplete="username" required autofocus>
<label for="login-password">{password_label}</label>
<input id="login-password" name="password" type="password" autocomplete="current-password"
 required>
<button type="submit" id="login-submit">{title}</button>
</form>
</main>
</body>
</html>"""
    response = flask.Response(html, status=status, mimetype="text/html")
    response.headers["Cache-Control"] = "no-store"
    return response


def login() -> flask.Response:
    language = _login_language()
    if flask.request.method == "GET":
        return _login_page(language)
    form = flask.request.form
    if not tokens_match(flask.session.get(LOGIN_CSRF_KEY), form.get(CSRF_FIELD)):
        flask.session.pop(LOGIN_CSRF_KEY, None)
        return _login_page(
            language, _(language, "The form had expired: please sign in again."), 400
        )
    principal = services().directory.authenticate(
        form.get("username", ""), form.get("password", "")
    )
    if principal is None:
        return _login_page(language, _(language, "Wrong user name or password."), 401)
    token, _csrf = services().sessions.open(principal.user_id)
    # a new cookie at sign-in: nothing set before it (a fixed session) survives
    flask.session.clear()
    flask.session[SESSION_KEY] = token
    flask.session.permanent = True
    target = _safe_next(form.get("next"))
    # the site's root is each user's own first page
    return flask.redirect(target if target not in (None, "/") else first_page(principal))


def logout() -> flask.Response:
    services().sessions.close(flask.session.get(SESSION_KEY))
    flask.session.clear()
    response = flask.redirect("/login")
    response.delete_cookie(CSRF_COOKIE, path="/")
    return response


def install(app: dash.Dash) -> None:
    """Wire sign-in into the app's Flask server."""
    settings = WebSettings()
    server = app.server
    if settings.secret_key is None:
        # a demo without a configured key still works; sessions end when the server stops
        print(
            "warning: ENERGIA_SECRET_KEY is not set: a random key signs this run's sessions",
            file=sys.stderr,
        )
        server.secret_key = secrets.token_hex(32)
    else:
        server.secret_key = settings.secret_key.get_secret_value()
    server.config.update(
        SESSION_COOKIE_NAME=SESSION_COOKIE,
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=settings.secure_cookies,
        PERMANENT_SESSION_LIFETIME=SESSION_LIFETIME,
        MAX_CONTENT_LENGTH=MAX_REQUEST_BYTES,
    )
    server.before_request(check_request)
    server.after_request(finish_response)
    server.add_url_rule("/login", "login", login, methods=["GET", "POST"])
    server.add_url_rule("/logout", "logout", logout, methods=["POST"])
