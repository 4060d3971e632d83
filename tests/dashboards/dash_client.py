"""A signed-in HTTP client of the dashboards, without a browser: it sends what Dash's renderer
sends (the sign-in form, callback POSTs with the X-CSRFToken header) through Flask's test
client, so the server's checks run exactly as for a browser."""

from __future__ import annotations

import base64
import json
import re
from typing import Any

from portal_fixtures import PASSWORD

CSRF_COOKIE = "_csrf_token"
ROUTING_OUTPUTS = [("_pages_content", "children"), ("_pages_store", "data")]


def output_key(outputs: list[tuple[str, str]]) -> str:
    """Dash's name of a callback by its outputs: `a.b` or `..a.b...c.d..`."""
    if len(outputs) == 1:
        return "{}.{}".format(*outputs[0])
    return ".." + "...".join(f"{i}.{p}" for i, p in outputs) + ".."


class DashClient:
    def __init__(self, app) -> None:
        self.client = app.server.test_client()

    def login_form(self, query: str = "") -> tuple[str, str]:
        page = self.client.get(f"/login{query}")
        token = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)
        return page.text, token

    def sign_in(self, username: str, password: str = PASSWORD, next_path: str = ""):
        _page, token = self.login_form()
        return self.client.post(
            "/login",
            data={
                "username": username,
                "password": password,
                "csrf_token": token,
                "next": next_path,
            },
        )

    @property
    def csrf(self) -> str | None:
        cookie = self.client.get_cookie(CSRF_COOKIE)
        if cookie is None:
            # the server hands the token over on the first signed-in answer
            self.client.get("/_dash-layout")
            cookie = self.client.get_cookie(CSRF_COOKIE)
        return cookie.value if cookie else None

    def callback(
        self,
        outputs: list[tuple[str, str]],
        inputs: list[tuple[str, str, Any]],
        state: list[tuple[str, str, Any]] = (),
        csrf: str | None | bool = True,
        raw_inputs: list | None = None,
        changed: dict | None = None,
    ):
        """POST one callback as the renderer does; `csrf` True sends the session's token.
        `raw_inputs` replaces `inputs` for pattern-matching inputs, as the renderer nests them;
        `changed` then names the one that changed."""
        first = inputs[0] if inputs else changed
        if isinstance(first, dict):
            first = (first["id"], first["property"])
        changed_id = first[0]
        if isinstance(changed_id, dict):
            changed_id = json.dumps(changed_id, sort_keys=True, separators=(",", ":"))
        body = {
            "output": output_key(outputs),
            "outputs": [{"id": i, "property": p} for i, p in outputs]
            if len(outputs) > 1
            else {"id": outputs[0][0], "property": outputs[0][1]},
            "inputs": raw_inputs
            if raw_inputs is not None
            else [{"id": i, "property": p, "value": v} for i, p, v in inputs],
            "state": [{"id": i, "property": p, "value": v} for i, p, v in state],
            "changedPropIds": [f"{changed_id}.{first[1]}"],
        }
        headers = {"Content-Type": "application/json"}
        token = self.csrf if csrf is True else csrf
        if token:
            headers["X-CSRFToken"] = token
        return self.client.post("/_dash-update-component", data=json.dumps(body), headers=headers)

    def page(self, path: str, search: str = "", language: str = "it", company: str | None = None):
        """The page at `path` as the router callback draws it for this user."""
        return self.callback(
            ROUTING_OUTPUTS,
            [
                ("_pages_location", "pathname", path),
                ("_pages_location", "search", search),
                ("app-language", "data", language),
                ("app-company", "value", company),
            ],
        )

    def upload(self, file_name: str, content: bytes, language: str = "it"):
        encoded = base64.b64encode(content).decode()
        return self.callback(
            [("forecasts-result", "children"), ("forecasts-in-force", "children")],
            [("forecasts-upload", "contents", f"data:text/csv;base64,{encoded}")],
            [
                ("forecasts-upload", "filename", file_name),
                ("app-language", "data", language),
                ("app-company", "value", None),
            ],
        )
