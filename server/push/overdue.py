"""The periodic checks: every domain's overdue checks (keys out too long, findings past their
due date) run on every site; each occasion they find is queued once (a `push_once` row whose
primary key names it)."""

from __future__ import annotations

from collections.abc import Sequence

from server.domains import all_notices
from server.push.notice import Notices
from server.push.queue import enqueue_once, now_ms, queued_before
from server.sites.service import site_settings
from server.sites.tables import Site


async def check_overdue(at_ms: int | None = None, registry: Sequence[Notices] | None = None) -> int:
    """Run every check on every site. Returns how many occasions were queued."""
    at = now_ms() if at_ms is None else at_ms
    checks = [c for n in (all_notices() if registry is None else registry) for c in n.checks]
    queued = 0
    for site in await Site.select(Site.id).order_by(Site.id):
        site_id = int(site["id"])
        settings = await site_settings(site_id)
        for check in checks:
            for occasion in await check(site_id, settings, at):
                if await queued_before(occasion.key):
                    continue
                queued += await enqueue_once(occasion.key, await occasion.notices())
    return queued
