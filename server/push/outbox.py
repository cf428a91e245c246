"""Turning what happened into queued messages, and handing queued messages to a sender.

Domain events come from `sync_event` (written by the sync handlers in the transaction of the
change). A sender claims a batch of unhandled events, works out who is told what, and queues one
message per subscription in the same transaction as the claim: a crash leaves the events
unhandled and queues nothing; two processes never claim the same event (PostgreSQL: `FOR UPDATE
SKIP LOCKED`; SQLite: one atomic `UPDATE … WHERE handled = false` under the write lock).

The periodic checks (keys out too long, findings past their due date) queue a notice together
with a `push_once` row whose primary key names the occasion, so each occasion is queued once.
"""

from __future__ import annotations

import hashlib
import logging
import secrets
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import msgspec
from piccolo.engine.postgres import PostgresEngine
from piccolo.engine.sqlite import SQLiteEngine, TransactionType

from server.auth.tables import AppUser, UserRole
from server.i18n import Language
from server.push.tables import PushMessage, PushOnce, PushPreference, PushSubscription
from server.push.texts import TEXTS, language_of, shorten, text
from server.push.vapid import b64url
from server.sites.tables import Site, SiteMember, Unit
from server.syncing.records import records_by_id, records_of_site
from server.syncing.tables import SyncEvent

log = logging.getLogger("fieldkeep.push")

ICON = "/icons/icon-192.png"
# An encrypted body of at most 4096 bytes is what every push service takes: the aes128gcm
# header (86 bytes), the padding delimiter (1) and the tag (16) leave this much for the JSON.
MAX_PLAINTEXT = 4096 - 86 - 1 - 16
EVENT_BATCH = 50
# A finding that went past its due date longer ago than this is not announced (the first start
# on an old database would otherwise send every old one at once).
FINDING_LOOKBACK_DAYS = 7
DONE_FINDING = frozenset({"fixed", "verified", "closed"})
# Per kind: (urgency, TTL seconds) as RFC 8030 means them.
DELIVERY = {
    "review_requested": ("high", 24 * 3600),
    "rejected": ("normal", 3 * 24 * 3600),
    "key_overdue": ("high", 12 * 3600),
    "finding_overdue": ("normal", 24 * 3600),
}

Render = Callable[[Language], tuple[str, str]]


@dataclass(frozen=True)
class Notice:
    """One thing to tell one user; rendered per device language when queued."""

    kind: str
    user_id: int
    url: str
    tag: str
    render: Render


def now_ms() -> int:
    return int(datetime.now(UTC).timestamp() * 1000)


def is_postgres() -> bool:
    return isinstance(PushMessage._meta.db, PostgresEngine)


def transaction() -> Any:
    """A write transaction; on SQLite it takes the write lock at once (BEGIN IMMEDIATE)."""
    engine = PushMessage._meta.db
    if isinstance(engine, SQLiteEngine):
        return engine.transaction(transaction_type=TransactionType.immediate)
    return engine.transaction()


def skip_locked() -> str:
    return " FOR UPDATE SKIP LOCKED" if is_postgres() else ""


def topic_of(tag: str) -> str:
    """RFC 8030 Topic: at most 32 characters of the base64url alphabet."""
    return b64url(hashlib.sha256(tag.encode()).digest())[:32]


# ---- who -----------------------------------------------------------------------------------


async def site_users_with_role(site_id: int, role: str) -> list[int]:
    members = await SiteMember.select(SiteMember.user).where(
        (SiteMember.site == site_id) & (SiteMember.user.active == True)  # noqa: E712
    )
    ids = [int(m["user"]) for m in members]
    if not ids:
        return []
    rows = await UserRole.select(UserRole.user).where(
        UserRole.user.is_in(ids) & (UserRole.role == role)
    )
    return sorted({int(r["user"]) for r in rows})


async def names_of(user_ids: Iterable[int]) -> dict[int, str]:
    ids = list(set(user_ids))
    if not ids:
        return {}
    rows = await AppUser.select(AppUser.id, AppUser.display_name).where(AppUser.id.is_in(ids))
    return {int(r["id"]): str(r["display_name"]) for r in rows}


async def place_of(site_id: int | None, unit_id: int | None, fallback: str = "") -> str:
    """ "翠湖花园 3栋1单元201": the site and unit, or the site and `fallback`."""
    site = ""
    if isinstance(site_id, int):
        row = await Site.select(Site.name).where(Site.id == site_id).first()
        site = str(row["name"]) if row else ""
    unit = ""
    if isinstance(unit_id, int):
        row = await (
            Unit.select(Unit.entrance, Unit.number, Unit.building.name)
            .where(Unit.id == unit_id)
            .first()
        )
        if row:
            unit = f"{row['building.name']}{row['entrance']}{row['number']}"
    return " ".join(p for p in (site, unit or fallback) if p)


async def site_zone(site_id: int) -> ZoneInfo:
    row = await Site.select(Site.timezone).where(Site.id == site_id).first()
    try:
        return ZoneInfo(str(row["timezone"]) if row else "Asia/Shanghai")
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("Asia/Shanghai")


# ---- queueing ------------------------------------------------------------------------------


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
    if not notices:
        return 0
    at_ms = now_ms()
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
    if rows:
        await PushMessage.insert(*rows)
    return len(rows)


# ---- events --------------------------------------------------------------------------------


async def _patrol(record_id: Any) -> dict[str, Any] | None:
    if not isinstance(record_id, str):
        return None
    found = await records_by_id("patrols", [record_id])
    return found[0] if found else None


async def notices_for_event(kind: str, payload: dict[str, Any]) -> list[Notice]:
    collection = payload.get("collection")
    record_id = payload.get("record_id")
    site_id = payload.get("site_id")
    author_id = payload.get("author_id")
    if collection != "patrols" or not isinstance(site_id, int):
        return []  # other reviewed collections get their own texts when they arrive
    if kind == "review_requested":
        patrol = await _patrol(record_id)
        if patrol is None or patrol.get("status") != "submitted":
            return []  # reviewed (or gone) before we got to it: nothing to ask for
        names = await names_of([author_id] if isinstance(author_id, int) else [])
        place = await place_of(site_id, patrol.get("unit_id"))
        problems = len(patrol.get("finding_ids") or [])

        def render_review(lang: Language) -> tuple[str, str]:
            extra = text("review_requested.problems", lang, n=problems) if problems else ""
            author = names.get(author_id or 0) or text("someone", lang)
            return (
                text("review_requested.title", lang),
                text("review_requested.body", lang, author=author, place=place, problems=extra),
            )

        return [
            Notice(kind, user, f"/review/{record_id}", f"review:patrols:{record_id}", render_review)
            for user in await site_users_with_role(site_id, "supervisor")
            if user != author_id
        ]
    if kind == "rejected":
        reviewer_id = payload.get("reviewer_id")
        if not isinstance(author_id, int) or author_id == reviewer_id:
            return []
        patrol = await _patrol(record_id)
        names = await names_of([reviewer_id] if isinstance(reviewer_id, int) else [])
        place = await place_of(site_id, patrol.get("unit_id") if patrol else None)
        comment = shorten(str(payload.get("comment") or ""), 150)

        def render_rejected(lang: Language) -> tuple[str, str]:
            reviewer = names.get(reviewer_id or 0) or text("someone", lang)
            return (
                text("rejected.title", lang),
                text("rejected.body", lang, reviewer=reviewer, place=place, comment=comment),
            )

        return [
            Notice(
                kind,
                author_id,
                f"/patrols/{record_id}",
                f"rejected:patrols:{record_id}",
                render_rejected,
            )
        ]
    return []  # approved: nobody is chased for good news


async def fan_out_events(limit: int = EVENT_BATCH) -> int:
    """Claim up to `limit` unhandled events and queue their messages, in one transaction.
    Returns how many events were handled (0: none waiting)."""
    if not await SyncEvent.exists().where(SyncEvent.handled == False):  # noqa: E712
        return 0
    async with transaction():
        rows = await SyncEvent.raw(
            "UPDATE sync_event SET handled = true WHERE id IN"  # noqa: S608 (constants only)
            " (SELECT id FROM sync_event WHERE handled = false ORDER BY id LIMIT {}"
            + skip_locked()
            + ") AND handled = false RETURNING id, kind, payload, at_ms",
            limit,
        )
        for row in sorted(rows, key=lambda r: int(r["id"])):
            try:
                payload = msgspec.json.decode(row["payload"])
            except msgspec.DecodeError:
                log.warning("push: event %s has a bad payload; skipped", row["id"])
                continue
            if not isinstance(payload, dict):
                continue
            try:
                notices = await notices_for_event(str(row["kind"]), payload)
                await enqueue(notices, event_id=int(row["id"]))
            except Exception:  # one bad event must not hold up the others
                log.exception(
                    "push: event %s (%s) could not be turned into messages", row["id"], row["kind"]
                )
        return len(rows)


# ---- periodic checks -----------------------------------------------------------------------


async def _once(key: str, notices: Sequence[Notice]) -> bool:
    """Queue `notices` unless `key` was queued before; True when queued now."""
    async with transaction():
        inserted = (
            await PushOnce.insert(PushOnce(key=key[:300], at_ms=now_ms()))
            .on_conflict(action="DO NOTHING")
            .returning(PushOnce.key)
        )
        if not inserted:
            return False
        await enqueue(notices)
        return True


def _key_render(holder: str | None, for_holder: bool, params: dict[str, Any]) -> Render:
    suffix = ".holder" if for_holder else ""

    def render(lang: Language) -> tuple[str, str]:
        name = holder or text("someone", lang)
        return (
            text(f"key_overdue.title{suffix}", lang, code=params["code"]),
            text(f"key_overdue.body{suffix}", lang, holder=name, **params),
        )

    return render


async def check_keys(site_id: int, overdue_hours: int, at_ms: int) -> int:
    """Keys out longer than the site allows: the holder and the site's supervisors are told
    once per overdue spell (a spell: the key's checkout time and its holder)."""
    at = datetime.fromtimestamp(at_ms / 1000, UTC)
    cutoff = at - timedelta(hours=overdue_hours)
    overdue = []
    for key in await records_of_site("keys", site_id):
        since = key.get("out_since")
        if key.get("status") != "out" or not isinstance(since, str):
            continue
        try:
            out_at = datetime.fromisoformat(since)
        except ValueError:
            continue
        if out_at < cutoff:
            overdue.append((key, out_at))
    if not overdue:
        return 0
    supervisors = await site_users_with_role(site_id, "supervisor")
    zone = await site_zone(site_id)
    queued = 0
    for key, out_at in overdue:
        holder = key.get("holder_id")
        once = f"key_overdue/{key['id']}/{key['out_since']}/{holder}"
        if await PushOnce.exists().where(PushOnce.key == once):
            continue
        names = await names_of([holder] if isinstance(holder, int) else [])
        code = str(key.get("code") or "")
        label = str(key.get("label") or "") or await place_of(None, key.get("unit_id"))
        params = {
            "code": code,
            "label": label or code,
            "hours": overdue_hours,
            "since": out_at.astimezone(zone).strftime("%m-%d %H:%M"),
        }
        notices = [
            Notice(
                "key_overdue",
                user,
                f"/keys/{key['id']}",
                f"key:{key['id']}",
                _key_render(
                    names.get(holder) if isinstance(holder, int) else None, user == holder, params
                ),
            )
            for user in sorted({*supervisors, *([holder] if isinstance(holder, int) else [])})
        ]
        queued += await _once(once, notices)
    return queued


def _finding_render(place: str, description: str, due: str, status: str) -> Render:
    def render(lang: Language) -> tuple[str, str]:
        known = f"status.{status}"
        shown = text(known, lang) if known in TEXTS else status
        return (
            text("finding_overdue.title", lang, place=place or text("place.unknown", lang)),
            text("finding_overdue.body", lang, description=description, due=due, status=shown),
        )

    return render


async def check_findings(site_id: int, at_ms: int) -> int:
    """Findings past their due date and not yet fixed: the assignee and the site's environment
    supervisors are told once per finding and due date."""
    zone = await site_zone(site_id)
    today = datetime.fromtimestamp(at_ms / 1000, UTC).astimezone(zone).date()
    oldest = today - timedelta(days=FINDING_LOOKBACK_DAYS)
    late = []
    for finding in await records_of_site("findings", site_id):
        due_text = finding.get("due_date")
        if not isinstance(due_text, str) or finding.get("status") in DONE_FINDING:
            continue
        try:
            due = date.fromisoformat(due_text)
        except ValueError:
            continue
        if oldest <= due < today:
            late.append(finding)
    if not late:
        return 0
    environment = await site_users_with_role(site_id, "environment")
    queued = 0
    for finding in late:
        once = f"finding_overdue/{finding['id']}/{finding['due_date']}"
        if await PushOnce.exists().where(PushOnce.key == once):
            continue
        assignee = finding.get("assignee_id")
        fallback = str(finding.get("location") or "")
        place = await place_of(site_id, finding.get("unit_id"), fallback)
        description = shorten(str(finding.get("description") or ""), 200)
        status = str(finding.get("status") or "open")

        render = _finding_render(place, description, str(finding["due_date"]), status)
        users = {*environment, *([assignee] if isinstance(assignee, int) else [])}
        notices = [
            Notice(
                "finding_overdue",
                user,
                f"/findings/{finding['id']}",
                f"finding:{finding['id']}",
                render,
            )
            for user in sorted(users)
        ]
        queued += await _once(once, notices)
    return queued


async def check_overdue(at_ms: int | None = None) -> int:
    """Run both checks on every site. Returns how many occasions were queued."""
    at = now_ms() if at_ms is None else at_ms
    queued = 0
    for site in await Site.select(Site.id, Site.key_overdue_hours):
        queued += await check_keys(int(site["id"]), int(site["key_overdue_hours"]), at)
        queued += await check_findings(int(site["id"]), at)
    return queued


# ---- claiming messages ---------------------------------------------------------------------


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
    async with transaction():
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
