"""`fieldkeep serve --workers 2`, run as a user would run it: sign-in limits hold across the
worker processes, and the push sender runs in one worker at a time under a lease in the
database, taken over by another process when its holder is killed."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from server import db
from server.auth.service import MAX_FAILURES_PER_USERNAME
from server.push.sender import LEASE_NAME
from server.push.tables import WorkerLease
from server.settings import Settings
from tests.server.test_cli import FIELDKEEP, env_for, free_port, run

WORKERS = 2


class Workers:
    def __init__(self, tmp_path: Path, settings: Settings) -> None:
        url = None if settings.database.is_sqlite else settings.database.url
        self.env = env_for(tmp_path, url)
        self.database_url = self.env["FIELDKEEP_DATABASE_URL"]
        self.env["FIELDKEEP_PUSH_LEASE_SECONDS"] = "3"
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        # `user add` migrates nothing: the server's own start migrates first, once.
        self.process = subprocess.Popen(
            [*FIELDKEEP, "serve", "--port", str(self.port), "--workers", str(WORKERS)],
            env=self.env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            start_new_session=True,  # one process group: the supervisor and its workers
        )
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline and self.process.poll() is None:
            try:
                if httpx.get(f"{self.base}/api/health", timeout=2).status_code == 200:
                    return
            except httpx.TransportError:
                time.sleep(0.2)
        self.stop()
        raise RuntimeError(f"serve --workers did not answer: {self.output()}")

    def output(self) -> str:
        return self.process.stdout.read() if self.process.stdout else ""

    def worker_pids(self) -> set[int]:
        children = Path(f"/proc/{self.process.pid}/task/{self.process.pid}/children")
        return {int(p) for p in children.read_text().split()}

    def stop(self) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()


@pytest.fixture
def workers(tmp_path: Path, settings: Settings) -> Iterator[Workers]:
    server = Workers(tmp_path, settings)
    yield server
    server.stop()


def test_sign_in_limits_hold_across_workers(workers: Workers) -> None:
    added = run(
        ["user", "add", "guarded", "--role", "patrol", "--password-stdin"],
        workers.env,
        stdin="the-right-one-42\n",
    )
    assert added.returncode == 0, added.stderr

    async def attempts() -> list[httpx.Response]:
        # A connection each, so the attempts are spread over the workers' shared socket.
        async with httpx.AsyncClient(base_url=workers.base, timeout=60) as first:
            token = (await first.get("/api/auth/csrf")).json()["csrf_token"]
            cookies = {"fieldkeep_csrf": token}

        async def attempt() -> httpx.Response:
            # (A generous timeout: argon2 on a busy machine is slow, and that is not the point.)
            async with httpx.AsyncClient(
                base_url=workers.base, cookies=cookies, timeout=60
            ) as client:
                return await client.post(
                    "/api/auth/login",
                    json={"username": "guarded", "password": "wrong-password"},
                    headers={"X-CSRF-Token": token},
                )

        return await asyncio.gather(*(attempt() for _ in range(20)))

    answers = asyncio.run(attempts())
    codes = sorted(r.status_code for r in answers)
    assert codes == [401] * MAX_FAILURES_PER_USERNAME + [429] * (20 - MAX_FAILURES_PER_USERNAME)
    assert {r.json()["error"]["code"] for r in answers if r.status_code == 429} == {"rate_limited"}


def _holder() -> tuple[int, int] | None:
    """The sender lease's holder pid and expiry while it is held, else None."""

    async def read() -> tuple[int, int] | None:
        row = await WorkerLease.select().where(WorkerLease.name == LEASE_NAME).first()
        if row is None or row["until_ms"] < time.time() * 1000:
            return None
        return int(row["holder"].split(":")[1]), int(row["until_ms"])

    return asyncio.run(read())


def _wait_for_holder(not_pid: int | None = None) -> tuple[int, int]:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        held = _holder()
        if held is not None and held[0] != not_pid:
            return held
        time.sleep(0.2)
    raise AssertionError("no worker took the push sender lease")


def test_one_worker_sends_push_and_another_takes_over_when_it_dies(workers: Workers) -> None:
    db.configure(db.engine_from_url(workers.database_url))
    pid, until = _wait_for_holder()
    assert pid in workers.worker_pids()
    # Renewed by the same worker, never taken by the other while it lives.
    while (held := _holder()) is None or held[1] == until:
        time.sleep(0.2)
    assert held[0] == pid

    os.kill(pid, signal.SIGKILL)
    successor, _ = _wait_for_holder(not_pid=pid)
    assert successor != pid
    assert successor in workers.worker_pids()  # the other worker, or the one put in its place
