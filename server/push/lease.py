"""A lease in the database: work that one process of many does at a time (with several workers,
or `fieldkeep push run` beside them), renewed while its holder lives and taken over when the
holder stops renewing (it died, hung, or lost the database).

One conditional upsert takes or renews it, so two processes never both succeed for the same
period. The holder's own view of "held" ends a margin before the
row's expiry, so it stops work before anyone else may start.
"""

from __future__ import annotations

import asyncio
import logging
import os
import secrets
import socket
import time
from contextlib import suppress

from server.push.queue import now_ms
from server.push.tables import WorkerLease

log = logging.getLogger("fieldkeep.lease")


def holder_name() -> str:
    """host:pid and a random part: two apps in one process are two holders."""
    return f"{socket.gethostname()}:{os.getpid()}:{secrets.token_hex(4)}"[:200]


class Lease:
    def __init__(self, name: str, seconds: float, holder: str | None = None) -> None:
        self.name = name
        self.seconds = seconds
        self.holder = holder or holder_name()
        self._held_until = -float("inf")  # time.monotonic() before which it is surely ours

    @property
    def held(self) -> bool:
        return time.monotonic() < self._held_until

    async def take(self) -> bool:
        """Take the lease if it is free or lapsed, or renew it if it is ours. True when ours."""
        started = time.monotonic()
        at = now_ms()
        until = at + int(self.seconds * 1000)
        # One statement, so no transaction stays open across an await (on SQLite an open one
        # holds the write lock for every other process and for this one's other connections).
        rows = await WorkerLease.raw(
            'INSERT INTO "worker_lease" ("name", "holder", "until_ms") VALUES ({}, {}, {})'
            ' ON CONFLICT ("name") DO UPDATE'
            ' SET "holder" = excluded."holder", "until_ms" = excluded."until_ms"'
            ' WHERE "worker_lease"."holder" = excluded."holder"'
            ' OR "worker_lease"."until_ms" < {} RETURNING "name"',
            self.name,
            self.holder,
            until,
            at,
        )
        if not rows:
            self._held_until = -float("inf")
            return False
        if not self.held:
            log.info("lease %s taken by %s", self.name, self.holder)
        # Counted from before the request: a slow answer shortens our view, never lengthens it;
        # a third is left as the margin against clocks that differ between machines.
        self._held_until = started + self.seconds * 2 / 3
        return True

    async def release(self) -> None:
        """On a clean stop: free at once, so another process need not wait for the expiry."""
        self._held_until = -float("inf")
        await WorkerLease.update({WorkerLease.until_ms: 0}).where(
            (WorkerLease.name == self.name) & (WorkerLease.holder == self.holder)
        )

    async def keep(self, stop: asyncio.Event) -> None:
        """Until `stop`: take or renew the lease every third of its time, then release it."""
        try:
            while not stop.is_set():
                try:
                    await self.take()
                except Exception:
                    self._held_until = -float("inf")
                    log.exception("lease %s: could not take or renew", self.name)
                with suppress(TimeoutError):
                    await asyncio.wait_for(stop.wait(), self.seconds / 3)
        finally:
            with suppress(Exception):
                await self.release()
