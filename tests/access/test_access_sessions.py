"""Web sessions: opaque tokens kept as digests, expiry, sign-out, CSRF tokens."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from access import roles
from access.directory import Directory
from access.sessions import REMEMBER, SESSION_LIFETIME, SessionStore, tokens_match
from energia.store import WebSession

PASSWORD = "correct horse battery"


def test_a_session_finds_its_user_until_it_expires(directory: Directory, engine) -> None:
    user = directory.create_user("rossi", PASSWORD, "Mario Rossi")
    directory.assign_role(roles.CUSTOMER, user_id=user)
    store = SessionStore(engine)
    now = datetime(2025, 3, 1, 12, tzinfo=UTC)
    token, csrf = store.open(user, now)

    signed_in = store.find(token, now + timedelta(hours=1))
    assert signed_in.principal.user_id == user and signed_in.csrf_token == csrf
    assert signed_in.principal.can(roles.INVOICES)
    assert store.find(token, now + SESSION_LIFETIME) is None
    assert store.find("forged", now) is None and store.find(None, now) is None
    with engine.connect() as connection:
        stored = connection.execute(select(WebSession.token_hash)).scalar_one()
    assert token not in stored and len(stored) == 64


def test_sign_out_and_deactivation_end_sessions(directory: Directory, engine) -> None:
    user = directory.create_user("rossi", PASSWORD, "Mario Rossi")
    store = SessionStore(engine)
    now = datetime(2025, 3, 1, 12, tzinfo=UTC)
    first, _ = store.open(user, now)
    second, _ = store.open(user, now)
    assert store.find(first, now) is not None
    store.close(first)  # forgotten at once, though it was just found
    assert store.find(first, now) is None and store.find(second, now) is not None

    directory.set_active(user, False)
    # a session found moments ago is trusted for REMEMBER, then asked again
    assert store.find(second, now + REMEMBER / 2) is not None
    assert store.find(second, now + REMEMBER) is None
    directory.set_active(user, True)
    assert store.find(second, now + 2 * REMEMBER) is not None
    store.close_all(user)
    assert store.find(second, now + 2 * REMEMBER) is None
    # another process's store never saw the session: it asks the store
    assert SessionStore(engine).find(second, now) is None


def test_tokens_match_only_when_equal_and_present() -> None:
    assert tokens_match("abc", "abc")
    assert not tokens_match("abc", "abd")
    assert not tokens_match("", "")
    assert not tokens_match(None, None)
    assert not tokens_match("abc", None)
