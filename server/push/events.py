"""Turning what happened into queued messages: domain events come from `sync_event` (written by
the sync handlers in the transaction of the change); each domain's `NOTICES` says who is told
what.

A sender reads a batch of unhandled events and who is told what, then claims the events and
queues their messages in one short transaction: a crash leaves the events unhandled and queues
nothing; two processes never claim the same event (one `UPDATE … WHERE handled = false
RETURNING`: a second process's update finds the rows handled and queues nothing for them).
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any

import msgspec

from server.db import write_transaction
from server.domains import all_notices
from server.push.notice import Notice, Notices
from server.push.queue import messages_for
from server.push.tables import PushMessage
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
    Returns how many events were handled (0: none waiting).

    Who is told what is read first, outside the transaction; the transaction only claims the
    events and inserts their messages. On SQLite it holds the one write lock: reads inside it
    kept every push waiting (100 phones, each event's reads a thread hop of Piccolo's)."""
    waiting = await SyncEvent.raw(
        "SELECT id, kind, payload FROM sync_event WHERE handled = false ORDER BY id LIMIT {}",
        limit,
    )
    if not waiting:
        return 0
    told = all_notices() if registry is None else registry
    messages: dict[int, list[PushMessage]] = {}
    for row in waiting:
        event_id = int(row["id"])
        try:
            payload = msgspec.json.decode(row["payload"])
        except msgspec.DecodeError:
            log.warning("push: event %s has a bad payload; skipped", event_id)
            continue
        if not isinstance(payload, dict):
            continue
        try:
            notices = await notices_for_event(str(row["kind"]), payload, told)
            messages[event_id] = await messages_for(notices, event_id=event_id)
        except Exception:  # one bad event must not hold up the others
            log.exception(
                "push: event %s (%s) could not be turned into messages", event_id, row["kind"]
            )
    ids = [int(r["id"]) for r in waiting]
    async with write_transaction():
        # Only the events still unhandled: another process may have claimed some meanwhile.
        claimed = await SyncEvent.raw(
            "UPDATE sync_event SET handled = true WHERE id IN"  # noqa: S608 (numbers only)
            f" ({', '.join(str(i) for i in ids)}) AND handled = false RETURNING id"
        )
        rows = [m for r in claimed for m in messages.get(int(r["id"]), [])]
        if rows:
            await PushMessage.insert(*rows)
    return len(claimed)
