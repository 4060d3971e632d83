"""Users, groups, roles and grants in the store; sign-in with argon2 hashes and a lockout."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from access import roles
from access.directory import MAX_FAILED_LOGINS, Directory, DirectoryError
from access.passwords import WeakPassword, hash_password, needs_rehash, verify_password
from access.scope import COMPANY, CUSTOMER, Grant
from energia.store import User

PASSWORD = "correct horse battery"


def test_passwords_are_argon2_hashes() -> None:
    hashed = hash_password(PASSWORD)
    assert hashed.startswith("$argon2id$") and PASSWORD not in hashed
    assert verify_password(hashed, PASSWORD)
    assert not verify_password(hashed, PASSWORD + "!")
    assert not verify_password(None, PASSWORD)
    assert not verify_password("not a hash", PASSWORD)
    assert not needs_rehash(hashed)
    with pytest.raises(WeakPassword, match="password: at least"):
        hash_password("short")


def test_roles_and_grants_come_from_the_user_and_their_groups(directory: Directory) -> None:
    user = directory.create_user("Rossi", PASSWORD, "Mario Rossi", "en")
    group = directory.create_group("analysts")
    directory.add_member(group, user)
    directory.add_member(group, user)  # twice is once
    directory.assign_role(roles.ANALYST, group_id=group)
    directory.assign_role(roles.CUSTOMER, user_id=user)
    directory.grant_page(roles.USERS, user_id=user)
    directory.grant_scope(Grant(COMPANY, "C02"), group_id=group)
    directory.grant_scope(Grant(CUSTOMER, "C01", "CU1"), user_id=user)

    principal = directory.principal(user)
    assert principal.username == "rossi" and principal.language == "en"
    assert principal.roles == {roles.ANALYST, roles.CUSTOMER}
    assert principal.can(roles.PORTFOLIO) and principal.can(roles.FORECASTS)
    assert principal.can(roles.USERS) and not principal.can(roles.UNISSUED_INVOICES)
    assert principal.grants == (Grant(COMPANY, "C02"), Grant(CUSTOMER, "C01", "CU1"))


def test_the_directory_refuses_what_it_cannot_keep(directory: Directory) -> None:
    user = directory.create_user("rossi", PASSWORD, "Mario Rossi")
    with pytest.raises(DirectoryError, match="username: rossi is taken"):
        directory.create_user("ROSSI ", PASSWORD, "Someone else")
    with pytest.raises(DirectoryError, match="role: one of"):
        directory.assign_role("emperor", user_id=user)
    with pytest.raises(DirectoryError, match="page: one of"):
        directory.grant_page("everything", user_id=user)
    with pytest.raises(DirectoryError, match="exactly one of user_id and group_id"):
        directory.assign_role(roles.ANALYST)
    with pytest.raises(DirectoryError, match="language"):
        directory.set_language(user, "de")


def test_sign_in(directory: Directory, engine) -> None:
    user = directory.create_user("rossi", PASSWORD, "Mario Rossi")
    directory.assign_role(roles.CUSTOMER, user_id=user)
    assert directory.authenticate("nobody", PASSWORD) is None
    assert directory.authenticate("rossi", "wrong password") is None
    principal = directory.authenticate(" Rossi", PASSWORD)
    assert principal is not None and principal.user_id == user
    with engine.connect() as connection:
        row = connection.execute(select(User.failed_logins, User.last_login_at)).one()
    assert row.failed_logins == 0 and row.last_login_at is not None

    directory.set_active(user, False)
    assert directory.authenticate("rossi", PASSWORD) is None
    assert directory.principal(user) is None


def test_repeated_failures_make_the_account_wait(directory: Directory) -> None:
    directory.create_user("rossi", PASSWORD, "Mario Rossi")
    now = datetime(2025, 3, 1, 12, tzinfo=UTC)
    for _ in range(MAX_FAILED_LOGINS):
        assert directory.authenticate("rossi", "wrong password", now) is None
    # even the right password waits
    assert directory.authenticate("rossi", PASSWORD, now + timedelta(minutes=5)) is None
    assert directory.authenticate("rossi", PASSWORD, now + timedelta(minutes=16)) is not None


def test_users_listing_for_the_administration_page(directory: Directory) -> None:
    user = directory.create_user("rossi", PASSWORD, "Mario Rossi")
    group = directory.create_group("managers")
    directory.add_member(group, user)
    directory.assign_role(roles.MANAGER, group_id=group)
    (row,) = directory.users()
    assert row["groups"] == ["managers"] and row["roles"] == [roles.MANAGER]
