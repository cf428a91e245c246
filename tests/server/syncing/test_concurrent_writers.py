"""Two pushes in flight at once on PostgreSQL, interleaved deterministically: the test holds a
lock every push waits for at a known point (where it takes its revisions, at its end) until the
first push waits there and the second waits for the first's lock on the same record (or
device), then lets go; and a push held after taking its revisions, to show a pull never passes
them (rule 5). Real `fieldkeep serve` workers, real HTTP.

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
import httpx
import pytest

from server import db
from server.settings import Settings
from server.syncing.store import PG_LOCK_CLASS, PG_WRITING
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
# The statement a push waits in for a record or device another push holds.
RECORD_LOCK = "SELECT pg_advisory_xact_lock(hashtextextended"
# The statement a push takes its revisions in.
TAKING_REVISIONS = "%nextval('sync_revision')"


@asynccontextmanager
async def advisory_held(url: str, key: int) -> AsyncIterator[asyncpg.Connection]:
    """Hold one of the store's two-key advisory locks alone: PG_WRITING (every push that
    changes a record then waits where it takes its revisions, at its end) or PG_TURN (a push
    waits where a domain rule reads across records)."""
    conn = await asyncpg.connect(url, timeout=10)
    tx = conn.transaction()
    await tx.start()
    await conn.execute("SELECT pg_advisory_xact_lock($1, $2)", PG_LOCK_CLASS, key)
    try:
        yield conn
    finally:
        await tx.rollback()
        await conn.close()


async def waiting_on_locks(
    url: str, statement: str, n: int, pushes: list[asyncio.Task[Any]]
) -> None:
    """Until `n` server sessions wait on a lock in a statement like `statement` + '%'."""
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
        async with advisory_held(url, PG_WRITING):
            push_a = send(a, [edit_a])
            await waiting_on_locks(url, TAKING_REVISIONS, 1, [push_a])
            push_b = send(b, [edit_b])
            # b waits to read the finding a has read and will write (a store that read it now
            # would hold a stale row).
            await waiting_on_locks(url, RECORD_LOCK, 1, [push_a, push_b])
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
        async with advisory_held(url, PG_WRITING):
            original = send(phone, [create])
            # The original waits to take its revisions at its end, the device locked ...
            await waiting_on_locks(url, TAKING_REVISIONS, 1, [original])
            # ... when the phone, tired of waiting, sends the batch again on a new connection:
            # the retry waits for the device.
            retry = asyncio.ensure_future(asyncio.to_thread(phone.send, [create], retry_client))
            await waiting_on_locks(url, RECORD_LOCK, 1, [original, retry])
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


async def advisory_locks_held(url: str) -> int:
    conn = await asyncpg.connect(url, timeout=10)
    try:
        count: int = await conn.fetchval(
            "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND granted"
            " AND objsubid = 1 AND database ="
            " (SELECT oid FROM pg_database WHERE datname = current_database())"
        )
        return count
    finally:
        await conn.close()


def pull_all(client: httpx.Client, cursor: str | None) -> tuple[list[int], str]:
    """Pull pages until none is left: the revisions received, and the cursor after them."""
    revisions: list[int] = []
    while True:
        params = {"limit": "3", **({"cursor": cursor} if cursor else {})}
        answer = client.get("/api/sync/pull", params=params)
        assert answer.status_code == 200, answer.text
        body = answer.json()
        revisions += [c["revision"] for c in body["changes"]]
        cursor = body["cursor"]
        if not body["has_more"]:
            return revisions, cursor


async def test_pushes_of_other_records_run_side_by_side_and_no_pull_skips_them(
    settings: Settings, tmp_path: Path
) -> None:
    """Four phones push new findings at once: all four do their whole batch side by side and
    wait together where they take their revisions (there is no turn for the whole push). A
    puller that pulls while they wait, and again after they committed in some order, gets every
    revision exactly once: its cursor never passed one still in flight (rule 5)."""
    url = settings.database.url
    rng = Random(7)
    db.configure(db.engine_from_url(url))
    site = await make_site("side")
    users = [await make_user(f"side_{i}", ["supervisor"], [site]) for i in range(4)]
    server = LiveServer(url, tmp_path / "data", workers=4)
    await asyncio.to_thread(server.start)
    try:
        phones = [
            HttpDevice(http_sign_in(server.url, f"side_{i}", PASSWORD), user, rng)
            for i, user in enumerate(users)
        ]
        for phone in phones:  # bound before the race
            hello = phone.make(
                "findings.upsert",
                {"id": uuid_from(rng), "site_id": site, "category": "other", "description": "0"},
            )
            assert phone.send([hello])["results"][0]["status"] == "applied"
        puller = http_sign_in(server.url, "side_0", PASSWORD)
        before, cursor = await asyncio.to_thread(pull_all, puller, None)
        assert len(before) == 4
        batches = [
            [
                phone.make(
                    "findings.upsert",
                    {"id": uuid_from(rng), "site_id": site, "category": "other", "description": d},
                )
                for d in ("a", "b", "c")
            ]
            for phone in phones
        ]
        async with advisory_held(url, PG_WRITING):
            pushes = [send(phone, batch) for phone, batch in zip(phones, batches, strict=True)]
            await waiting_on_locks(url, TAKING_REVISIONS, 4, pushes)
            # Each has read (and locked) its device and its three findings already.
            assert await advisory_locks_held(url) == 4 * 4
            during, cursor = await asyncio.to_thread(pull_all, puller, cursor)
        answers = [await push for push in pushes]
        after, _ = await asyncio.to_thread(pull_all, puller, cursor)
    finally:
        await asyncio.to_thread(server.stop)

    assert during == []
    taken = sorted(r["revision"] for a in answers for r in a["results"])
    assert [r["status"] for a in answers for r in a["results"]] == ["applied"] * 12
    assert sorted(after) == taken
    assert min(after) > max(before)


@asynccontextmanager
async def record_row_held(url: str, key: str) -> AsyncIterator[None]:
    """Hold a sync_record row's lock: a push writing that record waits there, after it has
    taken its revisions and before it commits."""
    conn = await asyncpg.connect(url, timeout=10)
    tx = conn.transaction()
    await tx.start()
    assert await conn.fetchval("SELECT 1 FROM sync_record WHERE key = $1 FOR UPDATE", key)
    try:
        yield
    finally:
        await tx.rollback()
        await conn.close()


async def test_a_pull_never_passes_a_revision_taken_by_a_push_not_yet_committed(
    settings: Settings, tmp_path: Path
) -> None:
    """Rule 5 with revisions from a sequence: push A takes its revision and is held before its
    commit; push B takes a higher one and commits. A pull meanwhile gets neither (B's is above
    A's revision in flight), and the pull after A commits gets both, in order."""
    url = settings.database.url
    rng = Random(8)
    site, (first, second) = await seed(url)
    server = LiveServer(url, tmp_path / "data", workers=2)
    await asyncio.to_thread(server.start)
    try:
        a = HttpDevice(http_sign_in(server.url, "race_super_1", PASSWORD), first, rng)
        b = HttpDevice(http_sign_in(server.url, "race_super_2", PASSWORD), second, rng)
        finding = uuid_from(rng)
        created = a.make(
            "findings.upsert",
            {"id": finding, "site_id": site, "category": "other", "description": "0"},
        )
        assert a.send([created])["results"][0]["status"] == "applied"
        hello = b.make(
            "findings.upsert",
            {"id": uuid_from(rng), "site_id": site, "category": "other", "description": "b0"},
        )
        assert b.send([hello])["results"][0]["status"] == "applied"
        puller = http_sign_in(server.url, "race_super_1", PASSWORD)
        before, cursor = await asyncio.to_thread(pull_all, puller, None)
        assert len(before) == 2

        edit_a = a.make("findings.upsert", {"id": finding, "description": "from a"})
        new_b = b.make(
            "findings.upsert",
            {"id": uuid_from(rng), "site_id": site, "category": "other", "description": "b1"},
        )
        async with record_row_held(url, f"findings/{finding}"):
            push_a = send(a, [edit_a])
            # The write-out's one statement, at its upsert of the record.
            await waiting_on_locks(url, 'WITH %INSERT INTO "sync_record" (', 1, [push_a])
            answer_b = await asyncio.to_thread(b.send, [new_b])
            during, cursor = await asyncio.to_thread(pull_all, puller, cursor)
        answer_a = await push_a
        after, _ = await asyncio.to_thread(pull_all, puller, cursor)
    finally:
        await asyncio.to_thread(server.stop)

    revision_a = answer_a["results"][0]["revision"]
    revision_b = answer_b["results"][0]["revision"]
    assert revision_a < revision_b  # B took its revision after A, and committed first
    assert during == []
    assert after == [revision_a, revision_b]
