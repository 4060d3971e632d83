"""Users and permissions, for administrators: who may sign in, their groups, roles and scope."""

from __future__ import annotations

import dash
from dash import html

from access import roles
from dashboards.auth import services
from dashboards.components import page_layout, table
from dashboards.i18n import N_, _, language_or_default

TITLE = N_("Users")


def describe_grant(language: str, grant) -> str:
    if grant.kind == "all":
        return _(language, "every company")
    if grant.kind == "company":
        return _(language, "company {company}", company=grant.company_id)
    return f"{grant.kind} {grant.node_id} ({grant.company_id})"


@page_layout(roles.USERS)
def layout(language: str | None = None, **_query: str) -> html.Div:
    language = language_or_default(language)
    header = [
        _(language, "User name"),
        _(language, "Name"),
        _(language, "Language"),
        _(language, "Active"),
        _(language, "Groups"),
        _(language, "Roles"),
        _(language, "Data scope"),
    ]
    rows = [
        [
            user["username"],
            user["display_name"],
            user["language"].upper(),
            _(language, "yes") if user["is_active"] else _(language, "no"),
            ", ".join(user["groups"]),
            ", ".join(user["roles"]),
            "; ".join(describe_grant(language, g) for g in user["grants"]),
        ]
        for user in services().directory.users()
    ]
    return html.Div(
        [
            html.H1(_(language, TITLE)),
            html.P(
                _(
                    language,
                    "Roles and scope are granted to users or to their groups; "
                    "`python -m access.seed_demo` creates the demo users.",
                ),
                className="muted",
            ),
            table(header, rows, component_id="users-table"),
        ]
    )


dash.register_page(__name__, path="/users", name=TITLE, order=9, layout=layout, access=roles.USERS)
