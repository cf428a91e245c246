"""Passwords, sessions and sign-in rate limits: the rules, apart from HTTP."""

from __future__ import annotations

import asyncio
import hashlib
import secrets
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from piccolo.engine.postgres import PostgresEngine

from server import db
from server.auth.tables import ROLES, AppUser, LoginAttempt, UserRole, UserSession
from server.db import write_transaction
from server.sites.tables import Site, SiteMember

SESSION_DAYS = 30
# A sliding session is extended at most this often, so reads do not write on every request.
SESSION_TOUCH_EVERY = timedelta(minutes=10)
LOGIN_WINDOW = timedelta(minutes=15)
# Per username from one address; per username from anywhere; per address over all usernames.
MAX_FAILURES_PER_USERNAME = 5
MAX_FAILURES_PER_USERNAME_ANYWHERE = 100
MAX_FAILURES_PER_ADDRESS = 30
# The PostgreSQL advisory lock that makes sign-in attempts count one at a time.
SIGN_IN_LOCK_ID = 0x46_4B_4C_47  # "FKLG"

password_hasher = PasswordHasher()
# Verified against when the username is unknown, so both failures cost the same time.
_DUMMY_HASH = password_hasher.hash(secrets.token_urlsafe(16))
# argon2 takes tens of milliseconds of CPU and memory: it runs in worker threads, a few at a
# time, so a burst of sign-ins neither stalls the event loop nor exhausts memory.
# (A thread pool of its own rather than a limiter: it serves every event loop of the process.)
HASHING_AT_ONCE = 2
_hashing_threads = ThreadPoolExecutor(HASHING_AT_ONCE, thread_name_prefix="argon2")


def now() -> datetime:
    return datetime.now(UTC)


async def hash_password(password: str) -> str:
    return await asyncio.get_running_loop().run_in_executor(
        _hashing_threads, password_hasher.hash, password
    )


def _verify(password_hash: str | None, password: str) -> bool:
    try:
        return password_hasher.verify(password_hash or _DUMMY_HASH, password) and bool(
            password_hash
        )
    except (VerificationError, InvalidHashError):
        return False


async def password_matches(password_hash: str | None, password: str) -> bool:
    return await asyncio.get_running_loop().run_in_executor(
        _hashing_threads, _verify, password_hash, password
    )


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


def _roles_and_sites(rows: list[dict[str, Any]]) -> tuple[frozenset[str], frozenset[int]]:
    """The roles and sites among rows that carry a `role` or a `site` (the other NULL)."""
    roles = frozenset(str(r["role"]) for r in rows if r["role"] is not None)
    return roles, frozenset(int(r["site"]) for r in rows if r["site"] is not None)


async def roles_and_sites_of(user_id: int) -> tuple[frozenset[str], frozenset[int]]:
    """A user's roles and sites, in one query (the session check reads them with the session)."""
    return _roles_and_sites(
        await db.hot_read(
            'SELECT role, NULL AS site FROM user_role WHERE "user" = {}'
            ' UNION ALL SELECT NULL, site FROM site_member WHERE "user" = {}',
            user_id,
            user_id,
        )
    )


async def sites_of(site_ids: frozenset[int]) -> list[dict[str, object]]:
    if not site_ids:
        return []
    rows = await Site.select(Site.id, Site.name, Site.code, Site.timezone).where(
        Site.id.is_in(list(site_ids))
    )
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


async def user_for_session(token: str, max_days: int = SESSION_DAYS) -> CurrentUser | None:
    """The active user behind a session token, extending the session (sliding expiry) but
    never past `max_days` after its sign-in (FIELDKEEP_SESSION_MAX_DAYS)."""
    # One round trip: the session and its user, then a row per role and per site.
    hashed = token_hash(token)
    rows = await db.hot_read(
        'SELECT s.id, s.created_at, s.last_seen_at, s.expires_at, s.revoked, s."user" AS user_id,'
        " u.username, u.display_name, u.language, u.active,"
        " CAST(NULL AS VARCHAR) AS role, CAST(NULL AS INTEGER) AS site"
        ' FROM user_session s JOIN app_user u ON u.id = s."user" WHERE s.token_hash = {}'
        " UNION ALL SELECT NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, r.role, NULL"
        ' FROM user_session s JOIN user_role r ON r."user" = s."user" WHERE s.token_hash = {}'
        " UNION ALL SELECT NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, m.site"
        ' FROM user_session s JOIN site_member m ON m."user" = s."user" WHERE s.token_hash = {}',
        hashed,
        hashed,
        hashed,
    )
    row = next((r for r in rows if r["id"] is not None), None)
    at = now()
    if row is None or row["revoked"] or not row["active"]:
        return None
    if db.as_datetime(row["expires_at"]) <= at:
        return None
    ends = db.as_datetime(row["created_at"]) + timedelta(days=max_days)
    if ends <= at:
        return None
    if at - db.as_datetime(row["last_seen_at"]) >= SESSION_TOUCH_EVERY:
        await UserSession.update(
            {
                UserSession.last_seen_at: at,
                UserSession.expires_at: min(at + timedelta(days=SESSION_DAYS), ends),
            }
        ).where(UserSession.id == row["id"])
    roles, site_ids = _roles_and_sites(rows)
    return CurrentUser(
        id=int(row["user_id"]),
        username=row["username"],
        display_name=row["display_name"],
        language=row["language"],
        roles=roles,
        site_ids=site_ids,
        session_id=int(row["id"]),
    )


async def end_session(session_id: int) -> None:
    await UserSession.update({UserSession.revoked: True}).where(UserSession.id == session_id)


async def end_all_sessions(user_id: int) -> None:
    await UserSession.update({UserSession.revoked: True}).where(UserSession.user == user_id)


@dataclass(frozen=True)
class SignInTicket:
    """One sign-in attempt, already counted as a failure: `wait` > 0 when it was refused."""

    attempt_ids: tuple[int, ...]
    limited_key: str
    wait: int


def limit_keys(username: str, address: str) -> tuple[tuple[str, int], ...]:
    """Counters an attempt adds to, with their limits. Failures for a username count per
    address, so guessing from elsewhere does not lock the real user out; the per-username
    ceiling is far higher and only stops a guesser who spreads over many addresses."""
    name = username.lower()
    return (
        (f"user:{name}|addr:{address}", MAX_FAILURES_PER_USERNAME),
        (f"user:{name}", MAX_FAILURES_PER_USERNAME_ANYWHERE),
        (f"addr:{address}", MAX_FAILURES_PER_ADDRESS),
    )


async def _serialise_sign_in_attempts() -> None:
    """On PostgreSQL two transactions could both count and then both insert; an advisory lock
    held to the end of the transaction makes them take turns (SQLite's BEGIN IMMEDIATE does)."""
    if isinstance(LoginAttempt._meta.db, PostgresEngine):
        await LoginAttempt.raw("SELECT pg_advisory_xact_lock({})", SIGN_IN_LOCK_ID)


async def begin_sign_in(username: str, address: str) -> SignInTicket:
    """Checks the limits and counts this attempt as a failure in one write transaction, before
    the password is looked at, so parallel attempts cannot all pass the check; a successful
    sign-in takes its count back (`sign_in_succeeded`)."""
    at = now()
    keys = limit_keys(username, address)
    async with write_transaction():
        await _serialise_sign_in_attempts()
        for key, limit in keys:
            rows = await (
                LoginAttempt.select(LoginAttempt.attempted_at)
                .where((LoginAttempt.key == key) & (LoginAttempt.attempted_at > at - LOGIN_WINDOW))
                .order_by(LoginAttempt.attempted_at, ascending=False)
                .limit(limit)
            )
            if len(rows) >= limit:
                oldest = rows[-1]["attempted_at"]
                wait = max(1, int((oldest + LOGIN_WINDOW - at).total_seconds()) + 1)
                return SignInTicket(attempt_ids=(), limited_key=key, wait=wait)
        inserted = await LoginAttempt.insert(
            *(LoginAttempt(key=key, attempted_at=at) for key, _ in keys)
        ).returning(LoginAttempt.id)
        # Old attempts count for nothing; drop them as we go.
        await LoginAttempt.delete().where(LoginAttempt.attempted_at < at - LOGIN_WINDOW)
    return SignInTicket(attempt_ids=tuple(int(r["id"]) for r in inserted), limited_key="", wait=0)


async def sign_in_succeeded(ticket: SignInTicket, username: str, address: str) -> None:
    """The right password: this attempt and this address's failures for the user count no more
    (failures from other addresses still do)."""
    per_address = limit_keys(username, address)[0][0]
    await LoginAttempt.delete().where(
        LoginAttempt.id.is_in(list(ticket.attempt_ids)) | (LoginAttempt.key == per_address)
    )


async def authenticate(username: str, password: str) -> int | None:
    """The user's id when the password is right and the account active; None otherwise."""
    row = await (
        AppUser.select(AppUser.id, AppUser.password_hash, AppUser.active)
        .where(AppUser.username == username)
        .first()
    )
    ok = await password_matches(row["password_hash"] if row else None, password)
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
                password_hash=await hash_password(password),
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
    await AppUser.update({AppUser.password_hash: await hash_password(password)}).where(
        AppUser.id == user_id
    )
    await end_all_sessions(user_id)


async def set_active(user_id: int, active: bool) -> None:
    await AppUser.update({AppUser.active: active}).where(AppUser.id == user_id)
    if not active:
        await end_all_sessions(user_id)
