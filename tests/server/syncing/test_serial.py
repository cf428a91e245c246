"""SerialPushes: pushes to a one-writer store run one after another, each caller answered."""

from __future__ import annotations

import asyncio

import pytest

from server.syncing.serial import SerialPushes


async def test_pushes_run_one_at_a_time_in_arrival_order_and_each_gets_its_answer() -> None:
    serial = SerialPushes()
    running: list[int] = []
    order: list[int] = []

    async def push(n: int) -> int:
        running.append(n)
        assert len(running) == 1, "two pushes ran at once"
        await asyncio.sleep(0.001)  # a push that yields (a busy SQLite lock) still runs alone
        order.append(n)
        running.remove(n)
        return n * 10

    answers = await asyncio.gather(*(serial.run(lambda n=n: push(n)) for n in range(20)))
    assert answers == [n * 10 for n in range(20)]
    assert order == list(range(20))


async def test_a_refused_push_answers_its_caller_only() -> None:
    serial = SerialPushes()

    async def refused() -> int:
        raise LookupError("device bound to another user")

    async def fine() -> int:
        return 1

    results = await asyncio.gather(serial.run(refused), serial.run(fine), return_exceptions=True)
    assert isinstance(results[0], LookupError)
    assert results[1] == 1


async def test_a_caller_gone_before_its_push_started_writes_nothing() -> None:
    serial = SerialPushes()
    release = asyncio.Event()
    ran: list[str] = []

    async def first() -> None:
        ran.append("first")
        await release.wait()

    async def second() -> None:
        ran.append("second")

    one = asyncio.create_task(serial.run(first))
    two = asyncio.create_task(serial.run(second))
    await asyncio.sleep(0.01)
    two.cancel()  # the phone hung up while the first push ran
    release.set()
    await one
    with pytest.raises(asyncio.CancelledError):
        await two
    assert ran == ["first"]
