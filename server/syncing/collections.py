"""Which collections the sync engine serves: every domain's handlers, registered in one place."""

from __future__ import annotations

import time

from server.findings.handlers import FindingCommentsHandler, FindingsHandler
from server.sites.controller import ACTIVE_MEMBER
from server.sites.tables import SiteMember
from sync import Handler

MEMBERS_TTL_S = 30.0


class SiteMembers:
    """Active members per site, cached briefly: checked on every assignment, changed rarely."""

    def __init__(self) -> None:
        self._cache: dict[int, tuple[float, frozenset[int]]] = {}

    async def __call__(self, site_id: int) -> frozenset[int]:
        hit = self._cache.get(site_id)
        if hit and time.monotonic() - hit[0] < MEMBERS_TTL_S:
            return hit[1]
        rows = await SiteMember.select(SiteMember.user).where(
            (SiteMember.site == site_id) & ACTIVE_MEMBER
        )
        members = frozenset(int(r["user"]) for r in rows)
        self._cache[site_id] = (time.monotonic(), members)
        return members


def handlers() -> list[Handler]:
    return [FindingsHandler(SiteMembers()), FindingCommentsHandler()]


def photo_fields(handlers: list[Handler]) -> dict[str, frozenset[str]]:
    """Collection -> fields holding photo hashes (a handler's optional `photo_fields`)."""
    return {h.collection: fields for h in handlers if (fields := getattr(h, "photo_fields", None))}
