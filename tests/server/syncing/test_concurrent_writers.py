"""Two pushes in flight at once on PostgreSQL, interleaved deterministically: the test holds the
revision counter's row lock (as a long batch of a third phone would) until both pushes are
inside their transactions and waiting, then lets go. Real `fieldkeep serve` workers, real HTTP.

PostgreSQL only: on SQLite a push holds the database's single write lock for its whole
transaction, so two pushes can never be inside their transactions at once."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from random import Random
from typing import Any

import asyncpg
import pytest

from server import db
from server.settings import Settings
from tests.conftest import PASSWORD, make_user

from .stress_kit import (
    HttpDevice,
    LiveServer,
    Sent,
    http_sign_in,
    make_site,
    photo_hash,
    read_server,
    uuid_from,
)

pytestmark = pytest.mark.postgres


@asynccontextmanager
async def counter_held(url: str) -> AsyncIterator[asyncpg.Connection]:
    """Hold sync_counter's row lock (every push that changes a record waits for it)."""
    conn = await asyncpg.connect(url, timeout=10)
    tx = conn.transaction()
    await tx.start()
    await conn.execute("SELECT value FROM sync_counter WHERE id = 1 FOR UPDATE")
    try:
        yield conn
    finally:
        await tx.rollback()
        await conn.close()


async def waiting_on_locks(
    url: str, statement: str, n: int, pushes: list[asyncio.Task[Any]]
) -> None:
    """Until `n` server sessions wait on a lock in a statement starting with `statement`."""
    conn = await asyncpg.connect(url, timeout=10)
    try:
        while True:
            count = await conn.fetchval(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()"
                " AND wait_event_type = 'Lock' AND query LIKE $1",
                statement + "%",
            )
            if count >= n:
                return
            for push in pushes:
                if push.done():
                    raise AssertionError(f"a push ended before waiting: {push.result()}")
            await asyncio.sleep(0.005)
    finally:
        await conn.close()


async def seed(url: str) -> tuple[int, list[int]]:
    db.configure(db.engine_from_url(url))
    site = await make_site("race")
    users = [await make_user(f"race_super_{i}", ["supervisor"], [site]) for i in (1, 2)]
    return site, users


def send(device: HttpDevice, batch: list[Sent]) -> asyncio.Task[dict[str, Any]]:
    return asyncio.ensure_future(asyncio.to_thread(device.send, batch))


async def test_two_pushes_merging_into_one_finding_at_once_keep_both_edits(
    settings: Settings, tmp_path: Path
) -> None:
    url = settings.database.url
    rng = Random(5)
    site, (first, second) = await seed(url)
    server = LiveServer(url, tmp_path / "data", workers=2)
    await asyncio.to_thread(server.start)
    try:
        a = HttpDevice(http_sign_in(server.url, "race_super_1", PASSWORD), first, rng)
        b = HttpDevice(http_sign_in(server.url, "race_super_2", PASSWORD), second, rng)
        finding, h0, ha, hb = uuid_from(rng), photo_hash(rng), photo_hash(rng), photo_hash(rng)
        created = a.make(
            "findings.upsert",
            {
                "id": finding,
                "site_id": site,
                "category": "other",
                "description": "d0",
                "location": "l0",
                "photos": [h0],
            },
        )
        assert a.send([created])["results"][0]["status"] == "applied"
        hello = b.make(
            "findings.comment", {"id": uuid_from(rng), "finding_id": finding, "body": "hi"}
        )
        assert b.send([hello])["results"][0]["status"] == "applied"  # b is bound before the race

        edit_a = a.make(
            "findings.upsert", {"id": finding, "description": "from a", "photos": {"add": [ha]}}
        )
        edit_b = b.make(
            "findings.upsert", {"id": finding, "location": "from b", "photos": {"add": [hb]}}
        )
        async with counter_held(url):
            push_a = send(a, [edit_a])
            await waiting_on_locks(url, "%sync_counter", 1, [push_a])
            push_b = send(b, [edit_b])
            # Both wait for the writers' lock (a store that read first would now hold stale rows).
            await waiting_on_locks(url, "%sync_counter", 2, [push_a, push_b])
        answers = [await push_a, await push_b]
    finally:
        await asyncio.to_thread(server.stop)

    assert [x["results"][0]["status"] for x in answers] == ["applied", "applied"], answers
    record = (await read_server(url)).records[("findings", finding)]
    lost = {
        "description": record.fields["description"],
        "location": record.fields["location"],
        "photos missing": sorted({h0, ha, hb} - set(record.fields["photos"])),
    }
    assert lost == {"description": "from a", "location": "from b", "photos missing": []}


async def test_a_new_phones_first_push_racing_its_own_retry_leaves_the_phone_working(
    settings: Settings, tmp_path: Path
) -> None:
    url = settings.database.url
    rng = Random(6)
    site, (first, _) = await seed(url)
    server = LiveServer(url, tmp_path / "data", workers=2)
    await asyncio.to_thread(server.start)
    try:
        client = http_sign_in(server.url, "race_super_1", PASSWORD)
        retry_client = http_sign_in(server.url, "race_super_1", PASSWORD)
        phone = HttpDevice(client, first, rng)  # never pushed: the server has no row for it
        finding = uuid_from(rng)
        create = phone.make(
            "findings.upsert",
            {"id": finding, "site_id": site, "category": "other", "description": "new"},
        )
        async with counter_held(url):
            original = send(phone, [create])
            # The original waits for the writers' lock inside its transaction ...
            await waiting_on_locks(url, "%sync_counter", 1, [original])
            # ... when the phone, tired of waiting, sends the batch again on a new connection.
            retry = asyncio.ensure_future(asyncio.to_thread(phone.send, [create], retry_client))
            await waiting_on_locks(url, "%sync_counter", 2, [original, retry])
        for answer in (await original, await retry):
            phone.take([create], answer)
        assert not phone.outbox

        # The phone goes on working: its next mutations are taken.
        for n in range(3):
            edit = phone.make("findings.upsert", {"id": finding, "description": f"edit {n}"})
            for _ in range(3):  # as the PWA would: resend the outbox from its front
                batch = list(phone.outbox)
                answer = phone.send(batch)
                phone.take(batch, answer)
                if not phone.outbox:
                    break
            assert not phone.outbox, (answer, edit.seq)
            assert answer["applied_through"] == phone.seq
    finally:
        await asyncio.to_thread(server.stop)
