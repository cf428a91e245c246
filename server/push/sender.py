"""The sender: a loop (a task in every server process, or `fieldkeep push run`; the one holding
the lease works) that turns new events into messages, runs the overdue checks, and delivers due
messages.

Senders started by `run` take turns under one lease in the database (lease.py): with several
workers only the holder works, and another takes over when the holder dies. Rounds run outside
the lease too (`run_once`) are still safe: events and messages are claimed (see queue.py), a
message is leased to one sender for longer than a request can take, and its result is written
only while the lease is still that sender's. A sender that dies mid-request leaves its message
lease to expire and the message is sent again then (at least once; the Topic lets the push
service keep only one).
"""

from __future__ import annotations

import asyncio
import logging
import os
import random
import socket
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager, suppress
from typing import Any
from urllib.parse import urlsplit

import httpx

from server.db import write_transaction
from server.push import queue
from server.push.delivery import Outcome, new_client, send
from server.push.events import fan_out_events
from server.push.lease import Lease
from server.push.overdue import check_overdue
from server.push.tables import PushAttempt, PushMessage, PushOnce, PushSubscription
from server.settings import Settings

log = logging.getLogger("fieldkeep.push")

MESSAGE_BATCH = 50
PARALLEL_SENDS = 10
MAX_CLIENTS = 32
MAX_BACKOFF_S = 3600.0
KEEP_DONE_MS = 30 * 86_400_000  # sent/failed messages and attempts are kept 30 days
KEEP_ONCE_MS = 60 * 86_400_000
LEASE_NAME = "push-sender"


def worker_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"[:100]


class Sender:
    def __init__(self, settings: Settings, client: httpx.AsyncClient | None = None) -> None:
        self.settings = settings
        self.push = settings.push
        self._client = client
        self._clients: dict[str, httpx.AsyncClient] = {}
        self._last_check = -float("inf")
        self.worker = worker_name()

    @property
    def lease_ms(self) -> int:
        # Longer than a send can take (three addresses tried, each with its timeout).
        return int(max(60.0, 4 * self.push.timeout_seconds) * 1000)

    def backoff_s(self, attempts: int) -> float:
        base = self.push.retry_seconds * 2 ** max(0, attempts - 1)
        return float(min(MAX_BACKOFF_S, base) * random.uniform(1.0, 1.2))

    async def run_once(self, check: bool | None = None) -> int:
        """One round: events, (if due) the overdue checks, then due messages. Returns how much
        work was done (0: idle)."""
        work = 0
        while handled := await fan_out_events():
            work += handled
        due = time.monotonic() - self._last_check >= self.push.check_seconds
        if check or (check is None and due):
            self._last_check = time.monotonic()
            work += await check_overdue()
            await self.prune()
        work += await self.deliver_due()
        return work

    def client_for(self, endpoint: str) -> httpx.AsyncClient:
        """One client (connection pool) per push-service host: a connection whose certificate
        was checked for one name is never reused for another name at the same address."""
        if self._client is not None:
            return self._client
        host = (urlsplit(endpoint).hostname or "").lower()
        if host not in self._clients:
            self._clients[host] = new_client(self.push)
        return self._clients[host]

    async def close(self) -> None:
        clients, self._clients = list(self._clients.values()), {}
        for client in clients:
            await client.aclose()

    async def deliver_due(self) -> int:
        limit = asyncio.Semaphore(PARALLEL_SENDS)

        async def one(message: dict[str, Any]) -> None:
            async with limit:
                await self.deliver(message)

        total = 0
        while messages := await queue.claim_messages(self.lease_ms, MESSAGE_BATCH):
            await asyncio.gather(*(one(m) for m in messages))
            total += len(messages)
        if len(self._clients) > MAX_CLIENTS:  # many WNS hosts, say: start afresh
            await self.close()
        return total

    async def deliver(self, message: dict[str, Any]) -> Outcome:
        subscription = await (
            PushSubscription.select()
            .where(PushSubscription.id == message["subscription_id"])
            .first()
        )
        if subscription is None or int(subscription["user"]) != int(message["user_id"]):
            outcome = Outcome("gone", None, "the subscription was removed")
        else:
            outcome = await send(
                self.client_for(subscription["endpoint"]),
                self.push,
                endpoint=subscription["endpoint"],
                p256dh=subscription["p256dh"],
                auth=subscription["auth"],
                payload=str(message["payload"]).encode(),
                ttl=int(message["ttl"]),
                urgency=str(message["urgency"]),
                topic=str(message["topic"]),
            )
        await self.record(message, outcome)
        return outcome

    async def record(self, message: dict[str, Any], outcome: Outcome) -> None:
        at = queue.now_ms()
        mine = (PushMessage.id == message["id"]) & (
            PushMessage.lease_token == message["lease_token"]
        )
        attempts = int(message["attempts"])
        state, next_ms = outcome.outcome, None
        if outcome.outcome == "retry":
            if attempts >= self.push.max_attempts:
                state = "failed"
            else:
                state = "pending"
                wait = outcome.retry_after_s
                delay = max(1.0, wait) if wait is not None else self.backoff_s(attempts)
                next_ms = at + int(delay * 1000)
        values: dict[Any, Any] = {
            PushMessage.state: state,
            PushMessage.lease_until_ms: 0,
            PushMessage.last_error: "" if state == "sent" else outcome.detail[:300],
        }
        if next_ms is not None:
            values[PushMessage.next_attempt_ms] = next_ms
        if state != "pending":
            values[PushMessage.done_ms] = at
        async with write_transaction():
            await PushAttempt.insert(
                PushAttempt(
                    message_id=message["id"],
                    subscription_id=message["subscription_id"],
                    at_ms=at,
                    status=outcome.status,
                    outcome=outcome.outcome if state != "failed" else "failed",
                    detail=outcome.detail[:300],
                    duration_ms=outcome.duration_ms,
                    worker=self.worker,
                )
            )
            await PushMessage.update(values).where(mine)
            if outcome.outcome == "sent":
                await PushSubscription.update({PushSubscription.last_sent_at_ms: at}).where(
                    PushSubscription.id == message["subscription_id"]
                )
            elif outcome.outcome == "gone":
                await PushSubscription.delete().where(
                    PushSubscription.id == message["subscription_id"]
                )
                await PushMessage.update(
                    {PushMessage.state: "gone", PushMessage.done_ms: at}
                ).where(
                    (PushMessage.subscription_id == message["subscription_id"])
                    & (PushMessage.state == "pending")
                )
        level = logging.INFO if outcome.outcome == "sent" else logging.WARNING
        log.log(
            level,
            "push message %s (%s) to subscription %s: %s %s %s",
            message["id"],
            message["kind"],
            message["subscription_id"],
            state,
            outcome.status or "-",
            outcome.detail,
        )

    async def prune(self) -> None:
        at = queue.now_ms()
        await PushMessage.delete().where(
            (PushMessage.state != "pending") & (PushMessage.done_ms < at - KEEP_DONE_MS)
        )
        await PushAttempt.delete().where(PushAttempt.at_ms < at - KEEP_DONE_MS)
        await PushOnce.delete().where(PushOnce.at_ms < at - KEEP_ONCE_MS)

    async def run(self, stop: asyncio.Event) -> None:
        """Until `stop` is set: while this process holds the sender lease, a round, then a pause
        (none after a busy round)."""
        lease = Lease(LEASE_NAME, self.push.lease_seconds)
        with suppress(Exception):  # (keep() logs it when it fails again)
            await lease.take()
        keeper = asyncio.create_task(lease.keep(stop), name="fieldkeep-push-lease")
        try:
            await self._loop(stop, lease)
        finally:
            await self.close()
            if not stop.is_set():  # ended by an error or a cancellation: so does the keeper
                keeper.cancel()
            with suppress(asyncio.CancelledError):
                await keeper  # it releases the lease as it ends

    async def _loop(self, stop: asyncio.Event, lease: Lease) -> None:
        failures = 0
        while not stop.is_set():
            if not lease.held:
                self._last_check = -float("inf")  # a new holder checks at once
                with suppress(TimeoutError):
                    await asyncio.wait_for(stop.wait(), min(1.0, self.push.poll_seconds))
                continue
            try:
                work = await self.run_once()
                failures = 0
            except Exception:
                failures += 1
                log.exception("push sender round failed (%d in a row)", failures)
                work = 0
            pause = self.push.poll_seconds * (min(failures, 5) + 1)
            if work and not failures:
                pause = 0.05
            with suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), pause)


@asynccontextmanager
async def running_sender(settings: Settings) -> AsyncIterator[None]:
    """For the app's lifespan: the sender runs while the app does (unless switched off)."""
    if not settings.push.sender:
        yield
        return
    stop = asyncio.Event()
    task = asyncio.create_task(Sender(settings).run(stop), name="fieldkeep-push-sender")
    try:
        yield
    finally:
        stop.set()
        try:
            # A request in flight finishes (it has its own timeout), then the loop ends.
            await asyncio.wait_for(task, settings.push.timeout_seconds + 5)
        except TimeoutError:
            log.warning("push sender did not stop in time; cancelled")
        except Exception:
            log.exception("push sender ended with an error")
