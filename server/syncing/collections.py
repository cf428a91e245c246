"""Which collections the sync engine serves: every domain's handlers, registered in one place,
with the lookups into master data (members, names, site settings) that their rules need."""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable, Mapping
from typing import Any, TypeVar

from server.auth.tables import AppUser
from server.findings.handlers import FindingCommentsHandler, FindingsHandler
from server.keys.handlers import KeyEventsHandler, KeysHandler
from server.patrols.handlers import PatrolsHandler, PatrolTemplatesHandler
from server.review.handlers import ReviewHandler
from server.sites.controller import ACTIVE_MEMBER
from server.sites.tables import Site, SiteMember
from server.syncing.conflicts import SiteConflictsHandler
from sync import Handler

# Master data changes rarely and the rules read it on every mutation: cache it briefly.
CACHE_TTL_S = 30.0

K = TypeVar("K")
V = TypeVar("V")


def cached(load: Callable[[K], Awaitable[V]]) -> Callable[[K], Awaitable[V]]:
    entries: dict[K, tuple[float, V]] = {}

    async def get(key: K) -> V:
        hit = entries.get(key)
        if hit and time.monotonic() - hit[0] < CACHE_TTL_S:
            return hit[1]
        value = await load(key)
        entries[key] = (time.monotonic(), value)
        return value

    return get


async def active_members(site_id: int) -> frozenset[int]:
    rows = await SiteMember.select(SiteMember.user).where(
        (SiteMember.site == site_id) & ACTIVE_MEMBER
    )
    return frozenset(int(r["user"]) for r in rows)


async def display_name(user_id: int) -> str:
    row = await AppUser.select(AppUser.display_name).where(AppUser.id == user_id).first()
    return str(row["display_name"]) if row else f"#{user_id}"


async def site_settings(site_id: int) -> Mapping[str, Any]:
    row = await (
        Site.select(Site.default_assignee_id, Site.finding_due_days, Site.key_overdue_hours)
        .where(Site.id == site_id)
        .first()
    )
    return row or {}


def handlers() -> list[Handler]:
    members = cached(active_members)
    name_of = cached(display_name)
    return [
        FindingsHandler(members),
        FindingCommentsHandler(),
        KeysHandler(members, name_of),
        KeyEventsHandler(),
        PatrolTemplatesHandler(),
        PatrolsHandler(cached(site_settings)),
        ReviewHandler(),
        SiteConflictsHandler(name_of),
    ]


def photo_fields(handlers: list[Handler]) -> dict[str, frozenset[str]]:
    """Collection -> fields holding photo hashes (a handler's optional `photo_fields`)."""
    return {h.collection: fields for h in handlers if (fields := getattr(h, "photo_fields", None))}
