"""Pull: scopes, removals, tombstones, cursors, resets and paging (rules 5, 6, 8)."""

from __future__ import annotations

import asyncio
import base64
from typing import Any

import msgspec
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sync import (
    MAX_PULL_LIMIT,
    BadCursor,
    BadLimit,
    MemoryStore,
    PullResponse,
    Refusal,
    SyncEngine,
    Write,
)
from sync._cursor import CursorData, decode_cursor, encode_cursor

from .kit import (
    DAY_MS,
    SECRET,
    CommentsHandler,
    Device,
    MemosHandler,
    NotesHandler,
    actor,
    make_engine,
    new_id,
)


def ids(page: PullResponse) -> list[tuple[str, bool]]:
    return [(c.id, c.deleted) for c in page.changes]


async def seed(engine: SyncEngine, notes: dict[str, str]) -> None:
    """Server-side writes: note id -> site."""
    for rid, site in notes.items():
        await engine.server_write(
            [Write(collection="notes", id=rid, fields={"site": site, "title": rid})]
        )


async def test_pull_from_scratch_returns_visible_records_in_revision_order() -> None:
    engine, _, _ = make_engine()
    await seed(engine, {"n1": "s1", "n2": "s2", "n3": "s1"})
    page = await engine.pull(actor(sites=["s1"]))
    assert [(c.collection, c.id, c.revision, c.deleted) for c in page.changes] == [
        ("notes", "n1", 1, False),
        ("notes", "n3", 3, False),
    ]
    assert msgspec.json.decode(page.changes[0].fields) == {"site": "s1", "title": "n1"}
    assert (page.has_more, page.reset) == (False, False)


async def test_pull_after_a_cursor_returns_only_newer_changes() -> None:
    engine, _, _ = make_engine()
    await seed(engine, {"n1": "s1"})
    first = await engine.pull(actor())
    assert (await engine.pull(actor(), first.cursor)).changes == []
    await seed(engine, {"n2": "s1"})
    again = await engine.pull(actor(), first.cursor)
    assert ids(again) == [("n2", False)]


async def test_pull_never_returns_a_record_of_another_site() -> None:
    engine, _, _ = make_engine()
    layout = {f"n{i}": f"s{i % 3}" for i in range(30)}
    await seed(engine, layout)
    for site in ("s0", "s1", "s2"):
        page = await engine.pull(actor(sites=[site]))
        assert {c.id for c in page.changes} == {r for r, s in layout.items() if s == site}
        assert all(msgspec.json.decode(c.fields)["site"] == site for c in page.changes)


async def test_a_record_moved_to_another_site_is_pulled_as_deleted_by_the_old_sites_users() -> None:
    engine, _, clock = make_engine()
    mover = Device(engine, actor("m", sites=["s1", "s2"]), clock)
    old_site = Device(engine, actor("a", sites=["s1"]), clock)
    new_site = Device(engine, actor("b", sites=["s2"]), clock)
    rid = new_id()
    mover.mutate("notes.upsert", {"id": rid, "site": "s1", "title": "t"})
    await mover.push()
    await old_site.pull()
    await new_site.pull()
    assert ("notes", rid) in old_site.local and ("notes", rid) not in new_site.local
    mover.mutate("notes.upsert", {"id": rid, "site": "s2"})
    await mover.push()
    (page,) = await old_site.pull()
    assert ids(page) == [(rid, True)] and msgspec.json.decode(page.changes[0].fields) == {}
    assert ("notes", rid) not in old_site.local
    await new_site.pull()
    assert new_site.local[("notes", rid)]["site"] == "s2"
    fresh = Device(engine, actor("c", sites=["s1"]), clock)
    (page,) = await fresh.pull()
    assert page.changes == []  # from scratch there is nothing to remove


async def test_a_deleted_record_is_pulled_as_deleted_by_those_who_had_it() -> None:
    engine, _, clock = make_engine()
    a = Device(engine, actor("a"), clock)
    rid = new_id()
    a.mutate("notes.upsert", {"id": rid, "site": "s1"})
    await a.sync()
    a.mutate("notes.delete", {"id": rid})
    await a.push()
    (page,) = await a.pull()
    assert ids(page) == [(rid, True)]
    assert a.local == {}
    (scratch,) = await Device(engine, actor("b"), clock).pull()
    assert scratch.changes == []


async def test_tombstones_are_purged_after_the_horizon_and_older_cursors_reset() -> None:
    engine, store, clock = make_engine(tombstone_horizon_ms=10 * DAY_MS)
    a = Device(engine, actor("a"), clock)
    keep, doomed = new_id(), new_id()
    a.mutate("notes.upsert", {"id": keep, "site": "s1"})
    a.mutate("notes.upsert", {"id": doomed, "site": "s1"})
    await a.sync()
    old_cursor = a.cursor
    a.mutate("notes.delete", {"id": doomed})
    await a.sync()
    up_to_date = a.cursor
    clock.now += 9 * DAY_MS
    assert await engine.purge_tombstones() == 0
    clock.now += 2 * DAY_MS
    assert await engine.purge_tombstones() == 1
    assert ("notes", doomed) not in store.records and store.purge_watermark == 3
    stale = await engine.pull(a.actor, old_cursor)
    assert stale.reset and ids(stale) == [(keep, False)]
    current = await engine.pull(a.actor, up_to_date)
    assert not current.reset and current.changes == []


@pytest.mark.parametrize(
    "mangle",
    [
        lambda c: c[:-1] + ("A" if c[-1] != "A" else "B"),  # altered signature
        lambda c: ("A" if c[0] != "A" else "B") + c[1:],  # altered payload
        lambda c: c[:10],  # truncated
        lambda c: "not a cursor!",
        lambda c: "",
        lambda c: "é" + c,
        lambda c: c * 20,  # too long
        lambda c: base64.urlsafe_b64encode(b'[1,"epoch",0,"scope"]').decode(),  # unsigned
    ],
)
async def test_forged_or_garbled_cursor_raises_bad_cursor(mangle: Any) -> None:
    engine, _, _ = make_engine()
    await seed(engine, {"n1": "s1"})
    cursor = (await engine.pull(actor())).cursor
    with pytest.raises(BadCursor):
        await engine.pull(actor(), mangle(cursor))


async def test_a_cursor_signed_with_another_secret_raises_bad_cursor() -> None:
    engine, store, _ = make_engine()
    info = await store.info()
    forged = encode_cursor(CursorData(info.epoch, 0, "x"), b"another-secret-of-16+")
    with pytest.raises(BadCursor):
        await engine.pull(actor(), forged)


def test_a_cursor_spelled_differently_in_its_spare_bits_raises_bad_cursor() -> None:
    # Unpadded base64 leaves spare low bits in the last character when the bytes are not a
    # multiple of three; a token changed only there decodes to the same bytes.
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
    for extra in range(3):  # of three consecutive lengths, two leave spare bits
        token = encode_cursor(CursorData("e" * (32 + extra), 10, "f" * 32), SECRET)
        if len(token) % 4:
            break
    spare_bits = 4 if len(token) % 4 == 2 else 2
    last = alphabet.index(token[-1])
    respelled = token[:-1] + alphabet[last ^ (1 << spare_bits) - 1]
    padded = lambda t: t + "=" * (-len(t) % 4)  # noqa: E731
    assert base64.urlsafe_b64decode(padded(respelled)) == base64.urlsafe_b64decode(padded(token))
    assert decode_cursor(token, SECRET).revision == 10
    with pytest.raises(BadCursor):
        decode_cursor(respelled, SECRET)


def test_a_signed_cursor_of_an_unknown_layout_raises_bad_cursor() -> None:
    from sync._cursor import _mac

    payload = b'[2,"epoch",0,"scope"]'
    token = base64.urlsafe_b64encode(payload + _mac(SECRET, payload)).decode().rstrip("=")
    with pytest.raises(BadCursor):
        decode_cursor(token, SECRET)


def test_cursor_round_trips_and_is_url_safe() -> None:
    data = CursorData("e" * 32, 12345, "f" * 32)
    token = encode_cursor(data, SECRET)
    assert decode_cursor(token, SECRET) == data
    assert set(token) <= set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")


async def test_a_cursor_from_another_epoch_resets() -> None:
    engine, _, clock = make_engine()
    await seed(engine, {"n1": "s1"})
    cursor = (await engine.pull(actor())).cursor
    restored, _, _ = make_engine(store=MemoryStore(), clock=clock)  # a restore: new epoch
    await seed(restored, {"n1": "s1", "n2": "s1"})
    page = await restored.pull(actor(), cursor)
    assert page.reset and ids(page) == [("n1", False), ("n2", False)]
    assert not (await restored.pull(actor(), page.cursor)).reset


async def test_a_cursor_ahead_of_the_server_resets() -> None:
    engine, store, clock = make_engine()
    await seed(engine, {"n1": "s1", "n2": "s1", "n3": "s1"})
    cursor = (await engine.pull(actor())).cursor
    info = await store.info()
    rolled_back, _, _ = make_engine(store=MemoryStore(epoch=info.epoch), clock=clock)
    await seed(rolled_back, {"n1": "s1"})
    page = await rolled_back.pull(actor(), cursor)
    assert page.reset and ids(page) == [("n1", False)]


async def test_scope_growth_resets_and_pulls_the_new_sites_records() -> None:
    engine, _, _ = make_engine()
    await seed(engine, {"n1": "s1", "n2": "s2"})
    cursor = (await engine.pull(actor(sites=["s1"]))).cursor
    grown = await engine.pull(actor(sites=["s1", "s2"]), cursor)
    assert grown.reset and ids(grown) == [("n1", False), ("n2", False)]
    promoted = await engine.pull(
        actor(sites=["s1", "s2"], roles=["staff", "manager"]), grown.cursor
    )
    assert promoted.reset


async def test_scope_shrink_resets_so_the_old_sites_records_go() -> None:
    engine, _, clock = make_engine()
    await seed(engine, {"n1": "s1", "n2": "s2"})
    device = Device(engine, actor("a", sites=["s1", "s2"]), clock)
    await device.pull()
    assert len(device.local) == 2
    device.actor = actor("a", sites=["s2"])
    (page,) = await device.pull()
    assert page.reset and list(device.local) == [("notes", "n2")]


async def test_a_role_restricted_collection_is_pulled_by_its_roles_only() -> None:
    engine, _, _ = make_engine()
    await engine.server_write([Write(collection="memos", id="m1", fields={"text": "all hands"})])
    staff = await engine.pull(actor(sites=["s9"]))
    manager = await engine.pull(actor(sites=["s9"], roles=["manager"]))
    assert staff.changes == []
    assert [(c.collection, c.id) for c in manager.changes] == [("memos", "m1")]


@pytest.mark.parametrize("limit", [0, -1, MAX_PULL_LIMIT + 1, True, 2.5, "10"])
async def test_limits_outside_1_to_1000_are_refused(limit: Any) -> None:
    engine, _, _ = make_engine()
    with pytest.raises(BadLimit):
        await engine.pull(actor(), None, limit)


async def test_limits_1_and_1000_are_accepted() -> None:
    engine, _, _ = make_engine()
    await seed(engine, {"n1": "s1", "n2": "s1"})
    one = await engine.pull(actor(), None, 1)
    assert len(one.changes) == 1 and one.has_more
    assert len((await engine.pull(actor(), None, MAX_PULL_LIMIT)).changes) == 2


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.lists(
        st.tuples(st.sampled_from(["upsert", "delete", "move"]), st.integers(0, 7)),
        min_size=1,
        max_size=40,
    ),
    st.integers(1, 6),
    st.integers(0, 40),
)
def test_has_more_paging_returns_every_revision_exactly_once(
    ops: list[tuple[str, int]], limit: int, pause_after: int
) -> None:
    async def run() -> None:
        engine, store, clock = make_engine()
        reader = Device(engine, actor("r", sites=["s1"]), clock)
        for i, (kind, n) in enumerate(ops):
            if i == pause_after:  # pull half way, then page through the rest
                await reader.pull(limit)
            rid = f"n{n}"
            if kind == "delete":
                write = Write(collection="notes", id=rid, delete=True)
            else:
                site = "s2" if kind == "move" else "s1"
                write = Write(collection="notes", id=rid, fields={"site": site, "v": i})
            try:
                await engine.server_write([write])
            except Refusal as refusal:  # writing to a tombstone is refused
                assert refusal.code == "record_deleted"
        start = reader.cursor
        pages = await reader.pull(limit)
        seen = [(c.id, c.revision) for p in pages for c in p.changes]
        assert all(len(p.changes) <= limit for p in pages)
        assert all(p.has_more for p in pages[:-1]) and not pages[-1].has_more
        revisions = [r for _, r in seen]
        assert revisions == sorted(set(revisions))  # ordered, each once
        after = 0 if start is None else decode_cursor(start, SECRET).revision
        live = {
            (r.id, r.revision) for r in store.records.values() if not r.deleted and "s1" in r.sites
        }
        gone = {
            (r.id, r.revision)
            for r in store.records.values()
            if (r.deleted or "s1" not in r.sites) and "s1" in r.seen_sites
        }
        assert {(c.id, c.revision) for p in pages for c in p.changes if not c.deleted} == {
            (i, rev) for i, rev in live if rev > after
        }
        removed = {(c.id, c.revision) for p in pages for c in p.changes if c.deleted}
        assert removed <= {(i, rev) for i, rev in gone if rev > after}
        if after:  # a device that holds records is told of every one that went
            assert removed == {(i, rev) for i, rev in gone if rev > after}
        # The device now mirrors the server's view for its site.
        mirror = {
            ("notes", r.id): r.fields
            for r in store.records.values()
            if not r.deleted and "s1" in r.sites
        }
        assert reader.local == mirror

    asyncio.run(run())


async def test_an_empty_store_pulls_nothing_with_a_usable_cursor() -> None:
    engine, _, _ = make_engine()
    page = await engine.pull(actor())
    assert (page.changes, page.has_more, page.reset) == ([], False, False)
    await seed(engine, {"n1": "s1"})
    assert ids(await engine.pull(actor(), page.cursor)) == [("n1", False)]


def test_handlers_are_registered_once_with_well_formed_names() -> None:
    class Bad(NotesHandler):
        collection = "Bad.Name"

    with pytest.raises(ValueError):
        SyncEngine(MemoryStore(), [Bad()], cursor_secret=SECRET)
    with pytest.raises(ValueError):
        SyncEngine(MemoryStore(), [NotesHandler(), NotesHandler()], cursor_secret=SECRET)
    with pytest.raises(ValueError):
        SyncEngine(MemoryStore(), [CommentsHandler(), MemosHandler()], cursor_secret=b"short")
