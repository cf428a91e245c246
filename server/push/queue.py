"""The message queue: messages go in per subscription (now, or once per occasion) and are leased
out to a sender.

Two processes never lease the same message (PostgreSQL: `FOR UPDATE SKIP LOCKED`; SQLite: one
atomic `UPDATE … WHERE …` under the write lock).
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

import msgspec
from piccolo.engine.postgres import PostgresEngine

from server.auth.tables import AppUser
from server.db import write_transaction
from server.i18n import Language
from server.push.notice import Notice
from server.push.tables import PushMessage, PushOnce, PushPreference, PushSubscription
from server.push.texts import language_of, shorten
from server.push.vapid import b64url

ICON = "/icons/icon-192.png"
# An encrypted body of at most 4096 bytes is what every push service takes: the aes128gcm
# header (86 bytes), the padding delimiter (1) and the tag (16) leave this much for the JSON.
MAX_PLAINTEXT = 4096 - 86 - 1 - 16
# Per kind: (urgency, TTL seconds) as RFC 8030 means them.
DELIVERY = {
    "review_requested": ("high", 24 * 3600),
    "rejected": ("normal", 3 * 24 * 3600),
    "key_overdue": ("high", 12 * 3600),
    "finding_overdue": ("normal", 24 * 3600),
    "parking_variance": ("high", 24 * 3600),
    "permit_expiring": ("normal", 24 * 3600),
}


def now_ms() -> int:
    return int(datetime.now(UTC).timestamp() * 1000)


def is_postgres() -> bool:
    return isinstance(PushMessage._meta.db, PostgresEngine)


def skip_locked() -> str:
    return " FOR UPDATE SKIP LOCKED" if is_postgres() else ""


def topic_of(tag: str) -> str:
    """RFC 8030 Topic: at most 32 characters of the base64url alphabet."""
    return b64url(hashlib.sha256(tag.encode()).digest())[:32]


async def disabled_kinds(user_ids: Sequence[int]) -> dict[int, set[str]]:
    if not user_ids:
        return {}
    rows = await PushPreference.select(PushPreference.user, PushPreference.kind).where(
        PushPreference.user.is_in(list(user_ids)) & (PushPreference.enabled == False)  # noqa: E712
    )
    off: dict[int, set[str]] = {}
    for r in rows:
        off.setdefault(int(r["user"]), set()).add(str(r["kind"]))
    return off


def payload_of(notice: Notice, language: Language, at_ms: int) -> str:
    title, body = notice.render(language)
    data = {
        "v": 1,
        "kind": notice.kind,
        "title": shorten(title, 100),
        "body": shorten(body, 300),
        "url": notice.url,
        "tag": notice.tag,
        "icon": ICON,
        "lang": language,
        "ts": at_ms,
    }
    encoded = msgspec.json.encode(data)
    while len(encoded) > MAX_PLAINTEXT and len(data["body"]) > 20:  # type: ignore[arg-type]
        data["body"] = shorten(str(data["body"]), len(str(data["body"])) // 2)
        encoded = msgspec.json.encode(data)
    return encoded.decode()


async def enqueue(notices: Sequence[Notice], event_id: int | None = None) -> int:
    """Queue a message per subscription of each notice's user (who has not switched the kind
    off, and is active), due now. Call inside the transaction that records why. Returns how
    many."""
    rows = await messages_for(notices, event_id)
    if rows:
        await PushMessage.insert(*rows)
    return len(rows)


async def messages_for(
    notices: Sequence[Notice], event_id: int | None = None, at_ms: int | None = None
) -> list[PushMessage]:
    """The messages `enqueue` would queue (reads only): a message per subscription of each
    notice's user who is active and has not switched the kind off."""
    if not notices:
        return []
    at_ms = now_ms() if at_ms is None else at_ms
    user_ids = sorted({n.user_id for n in notices})
    users = {
        int(r["id"]): str(r["language"])
        for r in await AppUser.select(AppUser.id, AppUser.language).where(
            AppUser.id.is_in(user_ids) & (AppUser.active == True)  # noqa: E712
        )
    }
    off = await disabled_kinds(user_ids)
    subscriptions: dict[int, list[dict[str, Any]]] = {}
    for s in await PushSubscription.select(
        PushSubscription.id, PushSubscription.user, PushSubscription.language
    ).where(PushSubscription.user.is_in(user_ids)):
        subscriptions.setdefault(int(s["user"]), []).append(s)
    rows = []
    for notice in notices:
        if notice.user_id not in users or notice.kind in off.get(notice.user_id, set()):
            continue
        urgency, ttl = DELIVERY[notice.kind]
        for s in subscriptions.get(notice.user_id, []):
            language = language_of(s["language"] or users[notice.user_id])
            rows.append(
                PushMessage(
                    subscription_id=s["id"],
                    user_id=notice.user_id,
                    kind=notice.kind,
                    tag=notice.tag[:200],
                    topic=topic_of(notice.tag),
                    urgency=urgency,
                    ttl=ttl,
                    payload=payload_of(notice, language, at_ms),
                    state="pending",
                    attempts=0,
                    next_attempt_ms=at_ms,
                    lease_until_ms=0,
                    lease_token="",
                    created_ms=at_ms,
                    event_id=event_id,
                )
            )
    return rows


async def queued_before(key: str) -> bool:
    return bool(await PushOnce.exists().where(PushOnce.key == key[:300]))


async def enqueue_once(key: str, notices: Sequence[Notice]) -> bool:
    """Queue `notices` unless `key` was queued before (a `push_once` row whose primary key is
    `key`, in the same transaction); True when queued now."""
    async with write_transaction():
        inserted = (
            await PushOnce.insert(PushOnce(key=key[:300], at_ms=now_ms()))
            .on_conflict(action="DO NOTHING")
            .returning(PushOnce.key)
        )
        if not inserted:
            return False
        await enqueue(notices)
        return True


async def claim_messages(
    lease_ms: int, limit: int, at_ms: int | None = None
) -> list[dict[str, Any]]:
    """Lease up to `limit` due messages to this caller (a random token marks the lease)."""
    at = now_ms() if at_ms is None else at_ms
    waiting = await PushMessage.exists().where(
        (PushMessage.state == "pending")
        & (PushMessage.next_attempt_ms <= at)
        & (PushMessage.lease_until_ms <= at)
    )
    if not waiting:
        return []
    token = secrets.token_hex(8)
    async with write_transaction():
        rows = await PushMessage.raw(
            "UPDATE push_message SET lease_until_ms = {}, lease_token = {},"  # noqa: S608
            " attempts = attempts + 1 WHERE id IN (SELECT id FROM push_message"
            " WHERE state = 'pending' AND next_attempt_ms <= {} AND lease_until_ms <= {}"
            " ORDER BY next_attempt_ms, id LIMIT {}"
            + skip_locked()
            + ") AND state = 'pending' AND lease_until_ms <= {}"
            " RETURNING id, subscription_id, user_id, kind, tag, topic, urgency, ttl, payload,"
            " attempts, lease_token",
            at + lease_ms,
            token,
            at,
            at,
            limit,
            at,
        )
    return sorted(rows, key=lambda r: int(r["id"]))
