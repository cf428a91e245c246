"""Rule 2 (acknowledged means durable) and rule 1 (exactly once) across a hard crash: a real
`fieldkeep serve` is SIGKILLed while it is half-way through a large batch, started again on the
same database, and the phone resends its whole outbox. Nothing acknowledged is lost, nothing
is half-written, nothing applies twice, and applied_through ends at the last seq."""

from __future__ import annotations

import asyncio
import sqlite3
import threading
from pathlib import Path
from random import Random
from typing import Any

import asyncpg
import httpx

from server import db
from server.settings import Settings
from tests.conftest import PASSWORD, make_user

from .stress_kit import (
    HttpDevice,
    LiveServer,
    Sent,
    ServerState,
    check_comments,
    check_exactly_once,
    check_received_results,
    free_port,
    http_sign_in,
    make_site,
    photo_hash,
    read_server,
    uuid_from,
)

SEED = 31337
KILLS = 3
BIG_BATCH = 300  # new mutations in the batch that is in flight when the server dies


def batch_in_flight(url: str) -> bool:
    """True while a push's transaction is open on the server: SQLite's write lock is held, or
    a PostgreSQL transaction holds the record locks a push takes as it reads its batch
    (advisory locks, see docs/SYNC.md) or is writing the batch out (results)."""
    if url.startswith("sqlite:///"):
        conn = sqlite3.connect(url.removeprefix("sqlite:///"), timeout=0, isolation_level=None)
        try:
            conn.execute("BEGIN IMMEDIATE")
            conn.execute("ROLLBACK")
            return False
        except sqlite3.OperationalError as exc:
            assert "locked" in str(exc), exc
            return True
        finally:
            conn.close()

    async def probe() -> bool:
        conn = await asyncpg.connect(url, timeout=10)
        try:
            held = await conn.fetchval(
                "SELECT count(*) FROM pg_locks l LEFT JOIN pg_class c ON c.oid = l.relation"
                " WHERE l.pid <> pg_backend_pid() AND (l.locktype = 'advisory'"
                " OR (c.relname = 'sync_result' AND l.mode = 'RowExclusiveLock'))"
            )
            return bool(held)
        finally:
            await conn.close()

    return asyncio.run(probe())


def kill_in_flight(
    server: LiveServer, url: str, hits: int, done: threading.Event, killed: list[bool]
) -> None:
    """SIGKILL the server once the batch's transaction has been seen open `hits` times (so
    somewhere inside it, not always at its start); give up if the push was answered first."""
    seen = 0
    while not done.is_set():
        if batch_in_flight(url):
            seen += 1
            if seen >= hits:
                server.kill()
                killed.append(True)
                return


def effect_present(s: Sent, state: ServerState) -> bool:
    """Every mutation of the stream leaves its own mark, whatever comes after it."""
    args = s.args
    if s.name == "findings.comment":
        return ("finding_comments", args["id"]) in state.records
    record = state.records.get(("findings", args["id"]))
    if "category" in args:  # a create
        return record is not None
    return record is not None and args["photos"]["add"][0] in record.fields.get("photos", [])


def test_a_killed_server_keeps_every_acknowledged_mutation_and_applies_each_once(
    settings: Settings, tmp_path: Path
) -> None:
    url = settings.database.url
    rng = Random(SEED)

    async def seed() -> tuple[int, int]:
        db.configure(db.engine_from_url(url))
        site = await make_site("kill")
        return site, await make_user("kill_super", ["supervisor"], [site])

    site, user_id = asyncio.run(seed())
    server = LiveServer(url, tmp_path / "data")
    server.start()
    client = http_sign_in(server.url, "kill_super", PASSWORD)
    device = HttpDevice(client, user_id, rng)
    mine: list[str] = []
    partial: list[float] = []  # how much of each killed batch had committed
    acknowledged: dict[str, dict[str, Any]] = {}

    def make(n: int) -> None:
        for _ in range(n):
            roll = rng.random()
            if not mine or roll < 0.3:
                mine.append(uuid_from(rng))
                device.make(
                    "findings.upsert",
                    {"id": mine[-1], "site_id": site, "category": "pest", "description": "鼠患"},
                )
            elif roll < 0.7:
                args = {"id": rng.choice(mine), "photos": {"add": [photo_hash(rng)]}}
                device.make("findings.upsert", args)
            else:
                args = {"id": uuid_from(rng), "finding_id": rng.choice(mine), "body": "已处理"}
                device.make("findings.comment", args)

    def push(batch: list[Sent]) -> None:
        answer = device.send(batch)
        device.take(batch, answer)
        for s, r in zip(batch, answer["results"], strict=True):
            assert r["status"] in ("applied", "duplicate"), r
            acknowledged.setdefault(s.id, r)

    try:
        kills = attempts = 0
        while kills < KILLS:
            attempts += 1
            assert attempts <= 3 * KILLS, "the server never died with a batch in flight"
            # A few small batches, answered before the crash.
            for _ in range(3):
                make(rng.randint(1, 20))
                push(list(device.outbox))
            # Then a large one (with whatever the last crash left unanswered) dies in flight.
            make(BIG_BATCH)
            batch = list(device.outbox)
            done, killed = threading.Event(), list[bool]()
            killer = threading.Thread(
                target=kill_in_flight, args=(server, url, rng.randint(1, 10), done, killed)
            )
            killer.start()
            try:
                answer = device.send(batch)
            except httpx.TransportError:
                answer = None
            finally:
                done.set()
                killer.join()
            if answer is not None:
                device.take(batch, answer)
                for s, r in zip(batch, answer["results"], strict=True):
                    acknowledged.setdefault(s.id, r)
                if not killed:
                    continue  # answered before the killer struck: try again
                # The answer left just before the kill: all it acknowledged must be there.
            assert killed
            kills += 1

            # Right after the crash: every acknowledged mutation is there with the answer that
            # was given, the stored results are an unbroken prefix of the seqs, applied_through
            # is its end, and each mutation's effect is there iff its result is (nothing
            # half-written).
            state = asyncio.run(read_server(url))
            stored = {m: r for m, r in state.results.items() if r[0] == device.id}
            assert set(acknowledged) <= set(stored)
            for mutation_id, answer in acknowledged.items():
                assert answer["status"] == "duplicate" or stored[mutation_id][2] == answer
            seqs = sorted(r[1] for r in stored.values())
            assert seqs == list(range(1, len(seqs) + 1))
            assert state.devices[device.id][1] == len(seqs)
            for s in device.made:
                assert effect_present(s, state) == (s.id in stored), s.mutation
            partial.append(sum(s.id in stored for s in batch) / len(batch))

            server.port = free_port()
            server.start()
            client.base_url = httpx.URL(server.url)

        # Back for good: the phone resends its outbox until every mutation has its answer.
        while device.outbox:
            push(device.outbox[: rng.randint(20, 120)])
    finally:
        client.close()
        server.stop()

    state = asyncio.run(read_server(url))
    check_exactly_once(device.made, state)
    check_received_results(device.received, state)
    check_comments(device.made, state)
    assert all(r[2]["status"] == "applied" for r in state.results.values())
    assert all(effect_present(s, state) for s in device.made)
    photos = [s.args["photos"]["add"][0] for s in device.made if "photos" in s.args]
    held = [
        p
        for r in state.records.values()
        if r.collection == "findings"
        for p in r.fields.get("photos", [])
    ]
    assert sorted(photos) == sorted(held)
    assert state.devices[device.id][1] == device.seq
    print(f"{device.seq} mutations; share of each killed batch committed: {partial}")
