"""Passwords, sessions and sign-in rate limits: the rules, apart from HTTP."""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from server.auth.tables import ROLES, AppUser, LoginAttempt, UserRole, UserSession
from server.sites.tables import Site, SiteMember

SESSION_DAYS = 30
# A sliding session is extended at most this often, so reads do not write on every request.
SESSION_TOUCH_EVERY = timedelta(minutes=10)
LOGIN_WINDOW = timedelta(minutes=15)
MAX_FAILURES_PER_USERNAME = 5
MAX_FAILURES_PER_ADDRESS = 30

_hasher = PasswordHasher()
# Verified against when the username is unknown, so both failures cost the same time.
_DUMMY_HASH = _hasher.hash(secrets.token_urlsafe(16))


def now() -> datetime:
    return datetime.now(UTC)


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def password_matches(password_hash: str | None, password: str) -> bool:
    try:
        return _hasher.verify(password_hash or _DUMMY_HASH, password) and bool(password_hash)
    except (VerificationError, InvalidHashError):
        return False


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


@dataclass(frozen=True)
class CurrentUser:
    """Who is calling: what guards and handlers need, loaded once per request."""

    id: int
    username: str
    display_name: str
    language: str
    roles: frozenset[str]
    site_ids: frozenset[int]
    session_id: int

    def has_any_role(self, *roles: str) -> bool:
        return bool(self.roles.intersection(roles))


async def names_of(user_ids: Iterable[int]) -> dict[int, str]:
    """User id → display name (missing ids are left out)."""
    ids = list(set(user_ids))
    if not ids:
        return {}
    rows = await AppUser.select(AppUser.id, AppUser.display_name).where(AppUser.id.is_in(ids))
    return {int(r["id"]): str(r["display_name"]) for r in rows}


async def display_name(user_id: int) -> str:
    """A user's display name, or "#<id>" for an id that names nobody."""
    return (await names_of([user_id])).get(user_id, f"#{user_id}")


async def roles_of(user_id: int) -> frozenset[str]:
    rows = await UserRole.select(UserRole.role).where(UserRole.user == user_id)
    return frozenset(r["role"] for r in rows)


async def site_ids_of(user_id: int) -> frozenset[int]:
    rows = await SiteMember.select(SiteMember.site).where(SiteMember.user == user_id)
    return frozenset(r["site"] for r in rows)


async def sites_of(site_ids: frozenset[int]) -> list[dict[str, object]]:
    if not site_ids:
        return []
    rows = await Site.select(Site.id, Site.name, Site.code).where(Site.id.is_in(list(site_ids)))
    return sorted(rows, key=lambda r: r["id"])


async def start_session(user_id: int, user_agent: str) -> str:
    token = secrets.token_urlsafe(32)
    at = now()
    await UserSession.insert(
        UserSession(
            token_hash=token_hash(token),
            user=user_id,
            created_at=at,
            last_seen_at=at,
            expires_at=at + timedelta(days=SESSION_DAYS),
            user_agent=user_agent[:255],
        )
    )
    return token


async def user_for_session(token: str) -> CurrentUser | None:
    """The active user behind a session token, extending the session (sliding expiry)."""
    row = await (
        UserSession.select(
            UserSession.id,
            UserSession.last_seen_at,
            UserSession.expires_at,
            UserSession.revoked,
            UserSession.user.id,
            UserSession.user.username,
            UserSession.user.display_name,
            UserSession.user.language,
            UserSession.user.active,
        )
        .where(UserSession.token_hash == token_hash(token))
        .first()
    )
    at = now()
    if row is None or row["revoked"] or not row["user.active"] or row["expires_at"] <= at:
        return None
    if at - row["last_seen_at"] >= SESSION_TOUCH_EVERY:
        await UserSession.update(
            {
                UserSession.last_seen_at: at,
                UserSession.expires_at: at + timedelta(days=SESSION_DAYS),
            }
        ).where(UserSession.id == row["id"])
    user_id = row["user.id"]
    return CurrentUser(
        id=user_id,
        username=row["user.username"],
        display_name=row["user.display_name"],
        language=row["user.language"],
        roles=await roles_of(user_id),
        site_ids=await site_ids_of(user_id),
        session_id=row["id"],
    )


async def end_session(session_id: int) -> None:
    await UserSession.update({UserSession.revoked: True}).where(UserSession.id == session_id)


async def end_all_sessions(user_id: int) -> None:
    await UserSession.update({UserSession.revoked: True}).where(UserSession.user == user_id)


async def seconds_until_allowed(username: str, address: str) -> int:
    """0 when a sign-in may be tried; else how long until the oldest counted failure expires."""
    since = now() - LOGIN_WINDOW
    for key, limit in (
        (f"user:{username.lower()}", MAX_FAILURES_PER_USERNAME),
        (f"addr:{address}", MAX_FAILURES_PER_ADDRESS),
    ):
        rows = await (
            LoginAttempt.select(LoginAttempt.attempted_at)
            .where((LoginAttempt.key == key) & (LoginAttempt.attempted_at > since))
            .order_by(LoginAttempt.attempted_at, ascending=False)
            .limit(limit)
        )
        if len(rows) >= limit:
            oldest = rows[-1]["attempted_at"]
            return max(1, int((oldest + LOGIN_WINDOW - now()).total_seconds()) + 1)
    return 0


async def record_failure(username: str, address: str) -> None:
    at = now()
    await LoginAttempt.insert(
        LoginAttempt(key=f"user:{username.lower()}", attempted_at=at),
        LoginAttempt(key=f"addr:{address}", attempted_at=at),
    )
    # Old attempts count for nothing; drop them as we go.
    await LoginAttempt.delete().where(LoginAttempt.attempted_at < at - LOGIN_WINDOW)


async def clear_failures(username: str) -> None:
    await LoginAttempt.delete().where(LoginAttempt.key == f"user:{username.lower()}")


async def authenticate(username: str, password: str) -> int | None:
    """The user's id when the password is right and the account active; None otherwise."""
    row = await (
        AppUser.select(AppUser.id, AppUser.password_hash, AppUser.active)
        .where(AppUser.username == username)
        .first()
    )
    ok = password_matches(row["password_hash"] if row else None, password)
    if row is None or not ok or not row["active"]:
        return None
    return int(row["id"])


class UsernameTaken(ValueError):
    pass


async def create_user(
    username: str,
    password: str,
    *,
    display_name: str,
    roles: list[str],
    site_ids: list[int] | None = None,
    phone: str = "",
) -> int:
    unknown = set(roles) - set(ROLES)
    if unknown:
        raise ValueError(f"unknown roles: {', '.join(sorted(unknown))}")
    if await AppUser.exists().where(AppUser.username == username):
        raise UsernameTaken(username)
    async with AppUser._meta.db.transaction():
        rows = await AppUser.insert(
            AppUser(
                username=username,
                display_name=display_name,
                phone=phone,
                # No language until the person picks one in the app (PATCH /api/auth/me):
                # until then each device follows its browser's language.
                language="",
                password_hash=hash_password(password),
                created_at=now(),
            )
        ).returning(AppUser.id)
        user_id = int(rows[0]["id"])
        if roles:
            await UserRole.insert(*(UserRole(user=user_id, role=r) for r in sorted(set(roles))))
        if site_ids:
            await SiteMember.insert(*(SiteMember(site=s, user=user_id) for s in set(site_ids)))
    return user_id


async def set_password(user_id: int, password: str) -> None:
    """A new password ends every session the user had."""
    await AppUser.update({AppUser.password_hash: hash_password(password)}).where(
        AppUser.id == user_id
    )
    await end_all_sessions(user_id)


async def set_active(user_id: int, active: bool) -> None:
    await AppUser.update({AppUser.active: active}).where(AppUser.id == user_id)
    if not active:
        await end_all_sessions(user_id)
