"""The demo users: one per role, scoped on the published snapshot, and they can sign in."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

from access import roles
from access.directory import Directory
from access.scope import COST_CENTRE, CUSTOMER, REGION
from access.seed_demo import demo_users, seed
from energia.store import create_store_engine


def publish(serving: Path, with_hierarchy: bool, issued_to: str | None = None) -> None:
    folder = serving / "snapshots" / "s1"
    folder.mkdir(parents=True)
    with duckdb.connect() as con:
        con.execute(
            "CREATE TABLE p AS SELECT * FROM (VALUES ('P1', 'C01', 'CU1', 'register'), "
            "('P2', 'C01', 'CU2', 'interval'), ('P3', 'C02', 'CU9', 'register')) "
            "AS t(supply_point_id, company_id, customer_id, meter_type)"
        )
        con.execute(f"COPY p TO '{folder / 'rpt_supply_points.parquet'}' (FORMAT parquet)")
        if with_hierarchy:
            con.execute(
                "CREATE TABLE c AS SELECT * FROM (VALUES ('G', 'C01', NULL, 'group'), "
                "('R', 'C01', 'G', 'region'), ('K', 'C01', 'R', 'cost_centre'), "
                "('CU1', 'C01', 'K', 'person'), ('CU2', 'C01', 'K', 'person')) "
                "AS t(customer_id, company_id, parent_customer_id, kind)"
            )
            con.execute(f"COPY c TO '{folder / 'rpt_customers.parquet'}' (FORMAT parquet)")
        if issued_to:
            con.execute(
                "CREATE TABLE i AS SELECT * FROM (VALUES ('I1', $c, 'issued'),"
                " ('I2', 'CU2', 'draft')) AS t(invoice_id, customer_id, status)",
                {"c": issued_to},
            )
            con.execute(f"COPY i TO '{folder / 'invoices.parquet'}' (FORMAT parquet)")
    (serving / "CURRENT").write_text("s1\n")


@pytest.mark.slow
def test_seeded_users_sign_in_with_their_roles(tmp_path: Path) -> None:
    serving = tmp_path / "serving"
    publish(serving, with_hierarchy=True)
    users = demo_users(serving)
    by_name = {u.username: u for u in users}
    assert {u.role for u in users} == set(roles.ROLES)
    assert by_name["customer"].grants[0].kind == CUSTOMER
    assert by_name["customer"].grants[0].node_id == "CU2"  # the one with an interval meter
    assert by_name["manager"].grants[0].kind == COST_CENTRE
    assert by_name["regional"].grants[0].kind == REGION

    url = f"sqlite:///{tmp_path / 'store.sqlite'}"
    credentials = seed(url, users)
    again = seed(url, users, password="one password for all")  # a re-run resets, never adds
    assert credentials.keys() == again.keys()
    engine = create_store_engine(url)
    directory = Directory(engine)
    analyst = directory.authenticate("analyst", "one password for all")
    assert analyst.roles == {roles.ANALYST} and analyst.language == "en"
    manager = directory.authenticate("manager", "one password for all")
    assert len(manager.grants) == 1 and manager.roles == {roles.MANAGER}
    assert directory.authenticate("customer", credentials["customer"]) is None  # reset
    engine.dispose()


def test_the_demo_customer_is_one_with_issued_invoices(tmp_path: Path) -> None:
    # CU2 has the interval meter, but only CU1 has an invoice to open
    publish(tmp_path / "serving", with_hierarchy=True, issued_to="CU1")
    by_name = {u.username: u for u in demo_users(tmp_path / "serving")}
    assert by_name["customer"].grants[0].node_id == "CU1"


def test_without_a_hierarchy_there_is_no_manager(tmp_path: Path) -> None:
    publish(tmp_path / "serving", with_hierarchy=False)
    assert roles.MANAGER not in {u.role for u in demo_users(tmp_path / "serving")}


def test_without_a_snapshot_the_seed_says_what_to_do(tmp_path: Path) -> None:
    with pytest.raises(SystemExit, match="run `make load` first"):
        demo_users(tmp_path / "serving")
