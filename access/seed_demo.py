"""Demo users, one per role, scoped on the published snapshot: `python -m access.seed_demo`.

Run after a snapshot is published (`make load` does, then `make serve` shows the credentials
again). Each run gives every demo user a new random password (or `--password`) and prints the
credentials; the users of other runs keep theirs.
"""

from __future__ import annotations

import argparse
import os
import secrets
import sys
from dataclasses import dataclass
from pathlib import Path

import duckdb
from sqlalchemy import delete, select

from access import roles
from access.directory import Directory
from access.scope import ALL, COMPANY, COST_CENTRE, CUSTOMER, REGION, Grant
from energia.serving import current_snapshot_id
from energia.settings import get_settings
from energia.store import (
    GroupMember,
    PageGrant,
    RoleAssignment,
    ScopeGrant,
    UserGroup,
    create_store_engine,
    migrate_store,
)

ANALYSTS_GROUP = "analysts"


@dataclass(frozen=True)
class DemoUser:
    username: str
    display_name: str
    role: str
    grants: tuple[Grant, ...]
    language: str = "it"
    via_group: str | None = None  # the role and grants come from this group


def _snapshot_table(serving_dir: Path, table: str) -> str | None:
    snapshot_id = current_snapshot_id(serving_dir)
    if not snapshot_id:
        return None
    path = serving_dir / "snapshots" / snapshot_id / f"{table}.parquet"
    return str(path) if path.is_file() else None


def _issued_per_customer(serving_dir: Path) -> str:
    """SQL for (customer_id, invoices): the issued invoices per customer in the snapshot, so the
    demo's customer and managers have documents to open; empty before any billing run."""
    invoices = _snapshot_table(serving_dir, "invoices")
    if invoices is None:
        return "(SELECT CAST(NULL AS VARCHAR) AS customer_id, 0 AS invoices WHERE false)"
    path = invoices.replace("'", "''")
    return (
        "(SELECT customer_id, count(*) AS invoices "
        f"FROM read_parquet('{path}') WHERE status = 'issued' GROUP BY customer_id)"
    )


def demo_users(serving_dir: Path) -> list[DemoUser]:
    """Who to create, with grants picked from the published data."""
    points = _snapshot_table(serving_dir, "rpt_supply_points")
    if points is None:
        raise SystemExit(f"no published snapshot in {serving_dir}: run `make load` first")
    con = duckdb.connect()
    companies = [
        r[0]
        for r in con.execute(
            "SELECT DISTINCT company_id FROM read_parquet($p) ORDER BY 1", {"p": points}
        ).fetchall()
    ]
    first = companies[0]
    issued = _issued_per_customer(serving_dir)
    # the customer with issued invoices, interval meters and the most supply points shows the most
    customer_id, customer_company = con.execute(
        f"""
        SELECT sp.customer_id, sp.company_id FROM read_parquet($p) AS sp
        LEFT JOIN {issued} AS issued ON issued.customer_id = sp.customer_id
        GROUP BY ALL
        ORDER BY coalesce(any_value(issued.invoices), 0) DESC,
                 count(*) FILTER (WHERE sp.meter_type = 'interval') DESC, count(*) DESC,
                 sp.customer_id
        LIMIT 1
        """,
        {"p": points},
    ).fetchone()
    users = [
        DemoUser("admin", "Amministratore", roles.ADMINISTRATOR, (Grant(ALL),)),
        DemoUser("billing", "Operatore fatturazione", roles.BILLING_OPERATOR, (Grant(ALL),)),
        DemoUser("crm", "Operatore CRM", roles.CRM_OPERATOR, (Grant(COMPANY, first),)),
        DemoUser(
            "supervisor",
            "Supervisore back office",
            roles.SUPERVISOR,
            tuple(Grant(COMPANY, c) for c in companies),
        ),
        DemoUser(
            "analyst",
            "Analyst",
            roles.ANALYST,
            (Grant(ALL),),
            language="en",
            via_group=ANALYSTS_GROUP,
        ),
        DemoUser(
            "customer",
            "Cliente",
            roles.CUSTOMER,
            (Grant(CUSTOMER, customer_company, customer_id),),
        ),
    ]
    customers = _snapshot_table(serving_dir, "rpt_customers")
    for kind, label in ((COST_CENTRE, "manager"), (REGION, "regional")):
        node = None
        if customers is not None:
            # the node of that kind with the most issued invoices, then customers, under it
            node = con.execute(
                f"""
                WITH RECURSIVE tree(top, customer_id) AS (
                    SELECT customer_id, customer_id FROM read_parquet($c) WHERE kind = $kind
                    UNION ALL
                    SELECT tree.top, c.customer_id
                    FROM read_parquet($c) AS c JOIN tree ON c.parent_customer_id = tree.customer_id
                )
                SELECT t.top, n.company_id FROM tree AS t
                JOIN read_parquet($c) AS n ON n.customer_id = t.top
                LEFT JOIN {issued} AS issued ON issued.customer_id = t.customer_id
                GROUP BY ALL
                ORDER BY coalesce(sum(issued.invoices), 0) DESC, count(*) DESC, t.top LIMIT 1
                """,
                {"c": customers, "kind": kind},
            ).fetchone()
        if node is not None:
            users.append(
                DemoUser(
                    label, f"Responsabile ({kind})", roles.MANAGER, (Grant(kind, node[1], node[0]),)
                )
            )
    return users


def seed(url: str, users: list[DemoUser], password: str | None = None) -> dict[str, str]:
    """Create or reset the demo users; returns username -> password."""
    migrate_store(url)
    engine = create_store_engine(url)
    directory = Directory(engine)
    credentials = {}
    try:
        groups: dict[str, int] = {}
        for user in users:
            chosen = password or secrets.token_urlsafe(12)
            user_id = directory.user_id(user.username)
            if user_id is None:
                user_id = directory.create_user(
                    user.username, chosen, user.display_name, user.language
                )
            else:
                directory.set_password(user_id, chosen)
                directory.set_active(user_id, True)
            with directory.sessions.begin() as session:
                # a re-run replaces what the demo user held, never adds to it
                for model in (RoleAssignment, PageGrant, ScopeGrant, GroupMember):
                    session.execute(delete(model).where(model.user_id == user_id))
            if user.via_group:
                if user.via_group not in groups:
                    group_id = _reset_group(directory, user.via_group)
                    groups[user.via_group] = group_id
                    directory.assign_role(user.role, group_id=group_id)
                    for grant in user.grants:
                        directory.grant_scope(grant, group_id=group_id)
                directory.add_member(groups[user.via_group], user_id)
            else:
                directory.assign_role(user.role, user_id=user_id)
                for grant in user.grants:
                    directory.grant_scope(grant, user_id=user_id)
            credentials[user.username] = chosen
    finally:
        engine.dispose()
    return credentials


def _reset_group(directory: Directory, name: str) -> int:
    with directory.sessions.begin() as session:
        group_id = session.scalar(select(UserGroup.id).where(UserGroup.name == name))
        if group_id is not None:
            for model in (RoleAssignment, PageGrant, ScopeGrant):
                session.execute(delete(model).where(model.group_id == group_id))
            return group_id
    return directory.create_group(name, "Demo: analysts see every company")


def describe(grant: Grant) -> str:
    if grant.kind == ALL:
        return "all companies"
    if grant.kind == COMPANY:
        return f"company {grant.company_id}"
    return f"{grant.kind} {grant.node_id} ({grant.company_id})"


def credentials_text(users: list[DemoUser], credentials: dict[str, str], sign_in_url: str) -> str:
    """The sign-in names and passwords, one line per user with its role and scope."""
    lines = [f"Demo users (sign in at {sign_in_url}):"]
    for user in users:
        scope = ", ".join(describe(g) for g in user.grants)
        group = f", via group {user.via_group}" if user.via_group else ""
        lines.append(
            f"  {user.username:<11} {credentials[user.username]:<18} {user.role} — {scope}{group}"
        )
    return "\n".join(lines) + "\n"


def write_private(path: Path, text: str) -> None:
    """Write `text` readable by the owner only: it holds passwords."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.unlink(missing_ok=True)
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "w", encoding="utf-8") as out:
        out.write(text)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m access.seed_demo", description=__doc__)
    parser.add_argument("--password", help="one password for every demo user (default: random)")
    parser.add_argument(
        "--credentials",
        type=Path,
        help="also write the credentials to this file (owner-only), for `make serve` to show",
    )
    parser.add_argument(
        "--sign-in-url", default="http://127.0.0.1:8050/login", help="where the users sign in"
    )
    args = parser.parse_args(argv)
    settings = get_settings()
    users = demo_users(settings.serving_dir)
    credentials = seed(settings.store_url, users, args.password)
    text = credentials_text(users, credentials, args.sign_in_url)
    print(text, end="")
    if args.credentials:
        write_private(args.credentials, text)
        print(f"(kept in {args.credentials})")
    if not any(u.role == roles.MANAGER for u in users):
        print("  (no manager: the snapshot has no rpt_customers hierarchy yet)", file=sys.stderr)


if __name__ == "__main__":
    main()
