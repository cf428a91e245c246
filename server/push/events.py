"""Turning what happened into queued messages: domain events come from `sync_event` (written by
the sync handlers in the transaction of the change); each domain's `NOTICES` says who is told
what.

A sender claims a batch of unhandled events and queues their messages in the same transaction
as the claim: a crash leaves the events unhandled and queues nothing; two processes never claim
the same event (PostgreSQL: `FOR UPDATE SKIP LOCKED`; SQLite: one atomic `UPDATE … WHERE
handled = false` under the write lock).
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any

import msgspec

from server.db import write_transaction
from server.domains import all_notices
from server.push.notice import Notice, Notices
from server.push.queue import enqueue, skip_locked
from server.syncing.tables import SyncEvent

log = logging.getLogger("fieldkeep.push")

EVENT_BATCH = 50


async def notices_for_event(
    kind: str, payload: dict[str, Any], registry: Sequence[Notices]
) -> list[Notice]:
    """Every domain's notices for this event (none for kinds nobody is told of, e.g.
    approved: nobody is chased for good news)."""
    notices: list[Notice] = []
    for domain in registry:
        make = domain.events.get(kind)
        if make is not None:
            notices += await make(payload)
    return notices


async def fan_out_events(
    limit: int = EVENT_BATCH, registry: Sequence[Notices] | None = None
) -> int:
    """Claim up to `limit` unhandled events and queue their messages, in one transaction.
    Returns how many events were handled (0: none waiting)."""
    if not await SyncEvent.exists().where(SyncEvent.handled == False):  # noqa: E712
        return 0
    told = all_notices() if registry is None else registry
    async with write_transaction():
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
                notices = await notices_for_event(str(row["kind"]), payload, told)
                await enqueue(notices, event_id=int(row["id"]))
            except Exception:  # one bad event must not hold up the others
                log.exception(
                    "push: event %s (%s) could not be turned into messages", row["id"], row["kind"]
                )
        return len(rows)
