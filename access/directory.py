"""Users, groups, roles and grants in the operational store; sign-in by name and password."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import Engine, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from access.passwords import hash_password, needs_rehash, verify_password
from access.roles import PAGES, ROLES, pages_of
from access.scope import Grant
from energia.store import (
    GroupMember,
    PageGrant,
    RoleAssignment,
    ScopeGrant,
    User,
    UserGroup,
    store_sessions,
)

LANGUAGES = ("it", "en")
# consecutive failures before an account waits, and how long
MAX_FAILED_LOGINS = 5
LOCKOUT = timedelta(minutes=15)


class DirectoryError(ValueError):
    """A request the directory refuses, said in one line naming the field."""


@dataclass(frozen=True)
class Principal:
    """A signed-in user as the pages see them: who, in which language, and what they may open
    and see. Built from the store on each request, never from what the browser sends."""

    user_id: int
    username: str
    display_name: str
    language: str
    roles: frozenset[str]
    pages: frozenset[str]
    grants: tuple[Grant, ...]

    def can(self, page: str) -> bool:
        return page in self.pages


def utc_now() -> datetime:
    return datetime.now(UTC)


def as_utc(moment: datetime | None) -> datetime | None:
    """SQLite hands back naive datetimes; the store writes only UTC."""
    if moment is None or moment.tzinfo is not None:
        return moment
    return moment.replace(tzinfo=UTC)


def _one_principal(user_id: int | None, group_id: int | None) -> dict[str, int | None]:
    if (user_id is None) == (group_id is None):
        raise DirectoryError("principal: give exactly one of user_id and group_id")
    return {"user_id": user_id, "group_id": group_id}


def load_principal(session: Session, user: User) -> Principal:
    """The user's roles, pages and grants, their own and their groups'."""
    group_ids = select(GroupMember.group_id).where(GroupMember.user_id == user.id)

    def held_by_user(model: Any) -> Any:
        return or_(model.user_id == user.id, model.group_id.in_(group_ids))

    roles = frozenset(
        session.scalars(select(RoleAssignment.role).where(held_by_user(RoleAssignment)))
    )
    pages = frozenset(session.scalars(select(PageGrant.page).where(held_by_user(PageGrant))))
    grants = sorted(
        {
            Grant(kind, company_id, node_id)
            for kind, company_id, node_id in session.execute(
                select(ScopeGrant.kind, ScopeGrant.company_id, ScopeGrant.node_id).where(
                    held_by_user(ScopeGrant)
                )
            )
        }
    )
    return Principal(
        user_id=user.id,
        username=user.username,
        display_name=user.display_name,
        language=user.language,
        roles=roles,
        pages=pages_of(roles, pages),
        grants=tuple(grants),
    )


class Directory:
    """Administration of users, groups and their permissions, and sign-in."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.sessions = store_sessions(engine)

    # ------------------------------------------------------------ users and groups

    def create_user(
        self, username: str, password: str, display_name: str, language: str = "it"
    ) -> int:
        username = username.strip().lower()
        if not username or len(username) > 64:
            raise DirectoryError("username: 1 to 64 characters")
        if language not in LANGUAGES:
            raise DirectoryError(f"language: one of {', '.join(LANGUAGES)}")
        user = User(
            username=username,
            display_name=display_name.strip() or username,
            password_hash=hash_password(password),
            language=language,
            is_active=True,
            failed_logins=0,
            created_at=utc_now(),
        )
        try:
            with self.sessions.begin() as session:
                session.add(user)
        except IntegrityError:
            raise DirectoryError(f"username: {username} is taken") from None
        return user.id

    def user_id(self, username: str) -> int | None:
        with self.sessions() as session:
            return session.scalar(select(User.id).where(User.username == username.strip().lower()))

    def set_password(self, user_id: int, password: str) -> None:
        new_hash = hash_password(password)
        with self.sessions.begin() as session:
            session.execute(update(User).where(User.id == user_id).values(password_hash=new_hash))

    def set_active(self, user_id: int, active: bool) -> None:
        with self.sessions.begin() as session:
            session.execute(update(User).where(User.id == user_id).values(is_active=active))

    def set_language(self, user_id: int, language: str) -> None:
        if language not in LANGUAGES:
            raise DirectoryError(f"language: one of {', '.join(LANGUAGES)}")
        with self.sessions.begin() as session:
            session.execute(update(User).where(User.id == user_id).values(language=language))

    def create_group(self, name: str, description: str | None = None) -> int:
        group = UserGroup(name=name.strip(), description=description)
        try:
            with self.sessions.begin() as session:
                session.add(group)
        except IntegrityError:
            raise DirectoryError(f"group name: {name} is taken") from None
        return group.id

    def add_member(self, group_id: int, user_id: int) -> None:
        with self.sessions.begin() as session:
            if session.get(GroupMember, (group_id, user_id)) is None:
                session.add(GroupMember(group_id=group_id, user_id=user_id))

    # ------------------------------------------------------------ permissions

    def assign_role(
        self, role: str, *, user_id: int | None = None, group_id: int | None = None
    ) -> None:
        if role not in ROLES:
            raise DirectoryError(f"role: one of {', '.join(ROLES)}")
        with self.sessions.begin() as session:
            session.add(RoleAssignment(role=role, **_one_principal(user_id, group_id)))

    def grant_page(
        self, page: str, *, user_id: int | None = None, group_id: int | None = None
    ) -> None:
        if page not in PAGES:
            raise DirectoryError(f"page: one of {', '.join(PAGES)}")
        with self.sessions.begin() as session:
            session.add(PageGrant(page=page, **_one_principal(user_id, group_id)))

    def grant_scope(
        self, grant: Grant, *, user_id: int | None = None, group_id: int | None = None
    ) -> None:
        with self.sessions.begin() as session:
            session.add(
                ScopeGrant(
                    kind=grant.kind,
                    company_id=grant.company_id,
                    node_id=grant.node_id,
                    **_one_principal(user_id, group_id),
                )
            )

    def principal(self, user_id: int) -> Principal | None:
        """The user's permissions now; None for an unknown or deactivated user."""
        with self.sessions() as session:
            user = session.get(User, user_id)
            if user is None or not user.is_active:
                return None
            return load_principal(session, user)

    def users(self) -> list[dict[str, Any]]:
        """Every user with their groups, roles and grants, for the administration page."""
        with self.sessions() as session:
            rows = []
            for user in session.scalars(select(User).order_by(User.username)):
                principal = load_principal(session, user)
                groups = session.scalars(
                    select(UserGroup.name)
                    .join(GroupMember, GroupMember.group_id == UserGroup.id)
                    .where(GroupMember.user_id == user.id)
                    .order_by(UserGroup.name)
                )
                rows.append(
                    {
                        "username": user.username,
                        "display_name": user.display_name,
                        "language": user.language,
                        "is_active": user.is_active,
                        "groups": list(groups),
                        "roles": sorted(principal.roles),
                        "grants": list(principal.grants),
                        "last_login_at": as_utc(user.last_login_at),
                    }
                )
            return rows

    # ------------------------------------------------------------ sign-in

    def authenticate(
        self, username: str, password: str, now: datetime | None = None
    ) -> Principal | None:
        """The principal if the password is right and the account active and not waiting.

        Wrong passwords count; the fifth in a row makes the account wait LOCKOUT. The hash is
        checked outside any transaction: SQLite's write lock is never held for it."""
        now = now or utc_now()
        with self.sessions() as session:
            user = session.scalar(select(User).where(User.username == username.strip().lower()))
        if user is None:
            verify_password(None, password)
            return None
        matches = verify_password(user.password_hash, password)
        locked = (as_utc(user.locked_until) or now) > now
        if not user.is_active or locked:
            return None
        with self.sessions.begin() as session:
            if not matches:
                failed = User.failed_logins + 1
                session.execute(update(User).where(User.id == user.id).values(failed_logins=failed))
                if user.failed_logins + 1 >= MAX_FAILED_LOGINS:
                    session.execute(
                        update(User)
                        .where(User.id == user.id)
                        .values(failed_logins=0, locked_until=now + LOCKOUT)
                    )
                return None
            values: dict[str, Any] = {
                "failed_logins": 0,
                "locked_until": None,
                "last_login_at": now,
            }
            if needs_rehash(user.password_hash):
                values["password_hash"] = hash_password(password)
            session.execute(update(User).where(User.id == user.id).values(**values))
            fresh = session.get(User, user.id)
            return load_principal(session, fresh)
