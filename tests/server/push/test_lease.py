"""The lease in the database: one holder at a time, renewed by its holder, taken over once it
lapses or is released."""

from __future__ import annotations

import asyncio

from server.push.lease import Lease
from server.push.tables import WorkerLease
from server.settings import Settings


async def _lapse(name: str) -> None:
    await WorkerLease.update({WorkerLease.until_ms: 1}).where(WorkerLease.name == name)


def test_one_holder_at_a_time_then_taken_over_when_it_lapses(settings: Settings) -> None:
    async def scenario() -> None:
        first, second = Lease("job", 60), Lease("job", 60)
        assert await first.take() and first.held
        assert not await second.take() and not second.held
        assert await first.take()  # renewing its own
        await _lapse("job")  # the holder stopped renewing and its time ran out
        assert await second.take() and second.held
        assert not await first.take() and not first.held
        row = await WorkerLease.select().where(WorkerLease.name == "job").first()
        assert row is not None and row["holder"] == second.holder

    asyncio.run(scenario())


def test_released_lease_is_free_at_once_and_leases_are_separate(settings: Settings) -> None:
    async def scenario() -> None:
        first, second, other = Lease("job", 60), Lease("job", 60), Lease("other", 60)
        assert await first.take()
        assert await other.take()
        await first.release()
        assert not first.held
        assert await second.take()
        assert await other.take()

    asyncio.run(scenario())


def test_keep_renews_until_stopped_then_releases(settings: Settings) -> None:
    async def until_ms() -> int:
        row = await WorkerLease.select().where(WorkerLease.name == "job").first()
        assert row is not None and row["holder"] == lease.holder
        return int(row["until_ms"])

    lease, rival = Lease("job", 0.6), Lease("job", 60)

    async def scenario() -> None:
        stop = asyncio.Event()
        keeper = asyncio.create_task(lease.keep(stop))
        # (Polling the table is the point: the row is what other processes see.)
        while not lease.held:  # noqa: ASYNC110
            await asyncio.sleep(0.05)
        first = await until_ms()
        # Renewed: pushed further, by the same holder.
        while await until_ms() == first:  # noqa: ASYNC110
            await asyncio.sleep(0.05)
        stop.set()
        await keeper
        assert not lease.held
        assert await rival.take()

    asyncio.run(scenario())
