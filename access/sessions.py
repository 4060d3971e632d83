"""Web sessions in the operational store: an opaque token per browser and its CSRF token."""

from __future__ import annotations

import hashlib
import hmac
import secrets
import threading
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import Engine, delete, select

from access.directory import Principal, as_utc, load_principal, utc_now
from energia.store import User, WebSession, store_sessions

SESSION_LIFETIME = timedelta(hours=12)
# a found session is trusted this long without asking the store again: every page load makes
# several requests, each would otherwise queue for SQLite's lock. Closing a session forgets it
# at once in this process; another process (or a deactivation) takes effect within this time.
REMEMBER = timedelta(seconds=2)
REMEMBERED_SESSIONS = 4096


@dataclass(frozen=True)
class SignedIn:
    principal: Principal
    csrf_token: str
    expires_at: datetime


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def new_token() -> str:
    return secrets.token_urlsafe(32)


def tokens_match(expected: str | None, given: str | None) -> bool:
    """Constant-time comparison; a missing token never matches."""
    return bool(expected and given) and hmac.compare_digest(expected.encode(), given.encode())


class SessionStore:
    """Opens, finds and closes sessions. The browser holds the token, the store its digest."""

    def __init__(
        self, engine: Engine, lifetime: timedelta = SESSION_LIFETIME, remember: timedelta = REMEMBER
    ) -> None:
        self.sessions = store_sessions(engine)
        self.lifetime = lifetime
        self.remember = remember
        self._found: dict[str, tuple[datetime, SignedIn]] = {}
        self._lock = threading.Lock()

    def open(self, user_id: int, now: datetime | None = None) -> tuple[str, str]:
        """A new session for the user: (session token, CSRF token)."""
        now = now or utc_now()
        token, csrf = new_token(), new_token()
        with self.sessions.begin() as session:
            # a sign-in is a good moment to forget the sessions that ran out
            session.execute(delete(WebSession).where(WebSession.expires_at < now))
            session.add(
                WebSession(
                    token_hash=_digest(token),
                    user_id=user_id,
                    csrf_token=csrf,
                    created_at=now,
                    expires_at=now + self.lifetime,
                )
            )
        return token, csrf

    def find(self, token: str | None, now: datetime | None = None) -> SignedIn | None:
        """The signed-in user of a live session of an active user, else None."""
        if not token:
            return None
        now = now or utc_now()
        digest = _digest(token)
        with self._lock:
            remembered = self._found.get(digest)
        if remembered is not None:
            found_at, signed_in = remembered
            if found_at <= now < found_at + self.remember and now < signed_in.expires_at:
                return signed_in
        signed_in = self._find(digest, now)
        with self._lock:
            if signed_in is None:
                self._found.pop(digest, None)
            else:
                if len(self._found) >= REMEMBERED_SESSIONS:
                    self._found.clear()
                self._found[digest] = (now, signed_in)
        return signed_in

    def _find(self, digest: str, now: datetime) -> SignedIn | None:
        with self.sessions() as session:
            row = session.execute(
                select(WebSession, User)
                .join(User, User.id == WebSession.user_id)
                .where(WebSession.token_hash == digest)
            ).one_or_none()
            if row is None:
                return None
            web_session, user = row
            expires_at = as_utc(web_session.expires_at)
            if expires_at <= now or not user.is_active:
                return None
            return SignedIn(load_principal(session, user), web_session.csrf_token, expires_at)

    def close(self, token: str | None) -> None:
        if token:
            with self._lock:
                self._found.pop(_digest(token), None)
            with self.sessions.begin() as session:
                session.execute(delete(WebSession).where(WebSession.token_hash == _digest(token)))

    def forget(self, user_id: int) -> None:
        """Drop what this process remembers of the user's sessions: their next request reads
        the user again (after a change of their language or permissions)."""
        with self._lock:
            self._found = {
                digest: entry
                for digest, entry in self._found.items()
                if entry[1].principal.user_id != user_id
            }

    def close_all(self, user_id: int) -> None:
        """Sign the user out everywhere (after a password change or a deactivation)."""
        self.forget(user_id)
        with self.sessions.begin() as session:
            session.execute(delete(WebSession).where(WebSession.user_id == user_id))
