"""Pushes to a store with one writer at a time (SQLite), run one after another by one task.

With a lock instead, each push that found it taken waited for the event loop to hand it over:
one trip through the loop's whole ready queue per push. Under 100 phones a busy loop made
that a convoy (pushes waited 270 ms at the median for a lock held 3 ms). Here the task that
runs the pushes goes from one to the next at once; each caller awaits its own answer.
"""

from __future__ import annotations

import asyncio
import time
from collections import deque
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

T = TypeVar("T")

# Run queued pushes back to back for at most this long before letting the loop serve others.
SLICE_S = 0.02


class SerialPushes:
    def __init__(self) -> None:
        self._jobs: deque[tuple[Callable[[], Awaitable[Any]], asyncio.Future[Any]]] = deque()
        self._runner: asyncio.Task[None] | None = None

    async def run(self, job: Callable[[], Awaitable[T]]) -> T:
        """The answer of `job()`, run after the pushes queued before it. A caller cancelled
        before its push started takes it out of the queue; once started, it runs to the end
        (its results are kept, and a resend is answered as duplicates)."""
        future: asyncio.Future[T] = asyncio.get_running_loop().create_future()
        self._jobs.append((job, future))
        if self._runner is None or self._runner.done():
            self._runner = asyncio.create_task(self._drain())
        return await future

    async def _drain(self) -> None:
        started = time.monotonic()
        while self._jobs:
            job, future = self._jobs.popleft()
            if future.done():  # its caller was cancelled
                continue
            try:
                result = await job()
            except Exception as exc:
                if not future.done():
                    future.set_exception(exc)
            except BaseException:
                if not future.done():
                    future.set_exception(RuntimeError("the push was interrupted"))
                raise
            else:
                if not future.done():
                    future.set_result(result)
            if time.monotonic() - started > SLICE_S:
                await asyncio.sleep(0)
                started = time.monotonic()
