"""Push: exactly once, seq order, device binding, handler rules, conflicts (rules 1-4)."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from sync import (
    DeviceMismatch,
    MemoryStore,
    Mutation,
    MutationResult,
    StoredResult,
    Write,
    format_stamp,
    parse_stamp,
)

from .kit import DAY_MS, NOW, Device, FakeClock, actor, make_engine, new_id


def setup(**kw: Any) -> tuple[Device, MemoryStore, FakeClock]:
    engine, store, clock = make_engine(**kw)
    return Device(engine, actor(), clock), store, clock


def note(record_id: str, **fields: Any) -> dict[str, Any]:
    return {"id": record_id, "site": "s1", **fields}


def error_of(result: MutationResult) -> tuple[str, str | None]:
    assert result.status == "rejected" and result.error is not None
    return result.error.code, result.error.field


async def test_a_new_note_is_applied_with_a_revision() -> None:
    device, store, _ = setup()
    rid = new_id()
    device.mutate("notes.upsert", note(rid, title="Leak", tags=["p1"]))
    response = await device.push()
    (result,) = response.results
    assert (result.status, result.revision, result.conflicts, result.error) == (
        "applied",
        1,
        [],
        None,
    )
    assert response.applied_through == 1
    record = store.records[("notes", rid)]
    assert record.fields == {"site": "s1", "title": "Leak", "tags": ["p1"], "created_by": "u1"}
    assert record.sites == frozenset({"s1"})


async def test_resent_mutation_returns_first_result_as_duplicate() -> None:
    device, store, _ = setup()
    m = device.mutate("notes.upsert", note(new_id(), title="a"))
    first = (await device.engine.push(device.actor, device.id, [m])).results[0]
    before = store.snapshot()
    again = await device.engine.push(device.actor, device.id, [m])
    (dup,) = again.results
    assert dup.status == "duplicate"
    assert (dup.id, dup.revision, dup.conflicts, dup.error) == (m.id, first.revision, [], None)
    assert again.applied_through == 1
    assert store.snapshot() == before
    assert store.revision == 1


async def test_resent_rejection_is_returned_again_as_duplicate() -> None:
    device, _, _ = setup()
    m = device.mutate("notes.upsert", note(new_id(), created_by="me"))
    first = (await device.push()).results[0]
    assert error_of(first) == ("server_owned_field", "created_by")
    (dup,) = (await device.engine.push(device.actor, device.id, [m])).results
    assert dup.status == "duplicate" and dup.error == first.error


async def test_a_mutation_repeated_in_one_batch_is_applied_once() -> None:
    device, store, _ = setup()
    m = device.mutate("notes.upsert", note(new_id(), title="a"))
    response = await device.engine.push(device.actor, device.id, [m, m, m])
    assert [r.status for r in response.results] == ["applied", "duplicate", "duplicate"]
    assert store.revision == 1


async def test_mutations_apply_in_seq_order_whatever_the_batch_order() -> None:
    device, store, _ = setup()
    rid = new_id()
    ms = [device.mutate("notes.upsert", note(rid, title=f"v{i}")) for i in (1, 2, 3)]
    response = await device.engine.push(device.actor, device.id, [ms[2], ms[0], ms[1]])
    assert [r.id for r in response.results] == [ms[2].id, ms[0].id, ms[1].id]
    assert [r.revision for r in response.results] == [3, 1, 2]
    assert store.records[("notes", rid)].fields["title"] == "v3"
    assert response.applied_through == 3


async def test_gap_defers_the_rest_and_names_the_expected_seq() -> None:
    device, store, _ = setup()
    rid = new_id()
    m1, m2, m3, m4 = (device.mutate("notes.upsert", note(rid, title=f"v{i}")) for i in range(4))
    assert (await device.engine.push(device.actor, device.id, [m1])).applied_through == 1
    response = await device.engine.push(device.actor, device.id, [m3, m4])
    assert [r.status for r in response.results] == ["deferred", "deferred"]
    assert response.applied_through == 1
    for r in response.results:
        assert (
            r.error is not None
            and r.error.code == "seq_gap"
            and "expected seq 2" in r.error.message
        )
        assert r.revision is None
    assert store.revision == 1 and m3.id not in store.results  # deferred is not final
    resent = await device.engine.push(device.actor, device.id, [m2, m3, m4])
    assert [r.status for r in resent.results] == ["applied"] * 3
    assert resent.applied_through == 4


async def test_reused_seq_with_a_new_id_is_rejected_as_seq_reused() -> None:
    device, _, _ = setup()
    device.mutate("notes.upsert", note(new_id(), title="a"))
    await device.push()
    reused = Mutation(
        id=new_id(), seq=1, name="notes.upsert", args=note(new_id()), hlc=device.clock.tick()
    )
    response = await device.engine.push(device.actor, device.id, [reused])
    assert error_of(response.results[0])[0] == "seq_reused"
    assert response.applied_through == 1
    (dup,) = (await device.engine.push(device.actor, device.id, [reused])).results
    assert dup.status == "duplicate" and dup.error is not None and dup.error.code == "seq_reused"


async def test_device_bound_to_another_user_raises_device_mismatch() -> None:
    device, store, _ = setup()
    device.mutate("notes.upsert", note(new_id()))
    await device.push()
    with pytest.raises(DeviceMismatch):
        await device.engine.push(actor("u2"), device.id, [])
    assert store.devices[device.id].user_id == "u1"


async def test_a_mutation_id_of_another_device_is_not_answered_for() -> None:
    device, _, clock = setup()
    m = device.mutate("notes.upsert", note(new_id()))
    await device.push()
    other = Device(device.engine, actor("u2"), clock)
    stolen = Mutation(id=m.id, seq=1, name=m.name, args=m.args, hlc=other.clock.tick())
    (result,) = (await other.engine.push(other.actor, other.id, [stolen])).results
    assert error_of(result)[0] == "duplicate_id"


async def test_a_malformed_device_id_is_a_programming_error() -> None:
    device, _, _ = setup()
    with pytest.raises(ValueError):
        await device.engine.push(device.actor, "server", [])


async def test_server_owned_field_is_refused_naming_the_field() -> None:
    device, store, _ = setup()
    device.mutate("notes.upsert", note(new_id(), title="x", created_by="someone"))
    response = await device.push()
    assert error_of(response.results[0]) == ("server_owned_field", "created_by")
    assert response.applied_through == 1  # a refusal is final
    assert store.records == {} and store.revision == 0  # and writes nothing


async def test_handler_sets_server_owned_fields_on_create_only() -> None:
    device, store, clock = setup()
    rid = new_id()
    device.mutate("notes.upsert", note(rid, title="a"))
    await device.push()
    other = Device(device.engine, actor("u2"), clock)
    other.mutate("notes.upsert", {"id": rid, "body": "b"})
    await other.push()
    assert store.records[("notes", rid)].fields["created_by"] == "u1"


async def test_append_only_record_is_refused_on_rewrite() -> None:
    device, store, _ = setup()
    cid = new_id()
    device.mutate("comments.upsert", {"id": cid, "text": "first", "site": "s1"})
    device.mutate("comments.upsert", {"id": cid, "text": "changed", "site": "s1"})
    device.mutate("comments.delete", {"id": cid})
    results = (await device.push()).results
    assert results[0].status == "applied"
    assert error_of(results[1])[0] == "append_only"
    assert error_of(results[2])[0] == "append_only"
    assert store.records[("comments", cid)].fields == {
        "text": "first",
        "site": "s1",
        "author": "u1",
    }


async def test_domain_intent_writes_what_the_handler_returns() -> None:
    device, store, _ = setup()
    rid = new_id()
    device.mutate("notes.upsert", note(rid, title="a"))
    c = device.mutate("notes.comment", {"id": rid, "text": "on my way"})
    results = (await device.push()).results
    assert [r.status for r in results] == ["applied", "applied"]
    comment = store.records[("comments", c.id)]
    assert comment.fields == {"note": rid, "text": "on my way", "author": "u1", "site": "s1"}
    assert comment.revision == results[1].revision


async def test_domain_intent_refusal_is_the_handlers_code() -> None:
    device, _, _ = setup()
    device.mutate("notes.comment", {"id": new_id(), "text": "x"})
    assert error_of((await device.push()).results[0]) == ("not_found", "id")


async def test_locked_record_is_refused() -> None:
    device, store, _ = setup()
    rid = new_id()
    device.mutate("notes.upsert", note(rid, title="a"))
    device.mutate("notes.close", {"id": rid})
    device.mutate("notes.upsert", {"id": rid, "title": "late edit"})
    device.mutate("notes.delete", {"id": rid})
    device.mutate("notes.comment", {"id": rid, "text": "comments still allowed"})
    results = (await device.push()).results
    assert [r.status for r in results[:2]] == ["applied", "applied"]
    assert error_of(results[2])[0] == "record_locked"
    assert error_of(results[3])[0] == "record_locked"
    assert results[4].status == "applied"
    fields = store.records[("notes", rid)].fields
    assert (fields["title"], fields["status"], fields["closed_by"]) == ("a", "closed", "u1")


async def test_handler_role_rule_refuses_with_its_code() -> None:
    engine, _, clock = make_engine()
    viewer = Device(engine, actor("v", roles=["viewer"]), clock)
    viewer.mutate("notes.upsert", note(new_id()))
    assert error_of((await viewer.push()).results[0])[0] == "forbidden"


async def test_writing_outside_ones_sites_is_forbidden() -> None:
    engine, store, clock = make_engine()
    s1 = Device(engine, actor("u1", sites=["s1"]), clock)
    s2 = Device(engine, actor("u2", sites=["s2"]), clock)
    rid = new_id()
    s2.mutate("notes.upsert", {"id": rid, "site": "s2", "title": "theirs"})
    await s2.push()
    s1.mutate("notes.upsert", {"id": new_id(), "site": "s2"})
    s1.mutate("notes.upsert", {"id": rid, "title": "mine now"})
    s1.mutate("notes.delete", {"id": rid})
    s1.mutate("notes.upsert", {"id": new_id()})  # no site at all
    results = (await s1.push()).results
    assert [error_of(r)[0] for r in results] == ["forbidden"] * 4
    assert store.records[("notes", rid)].fields["title"] == "theirs"


@pytest.mark.parametrize("name", ["widgets.upsert", "notes.explode", "notes", ".upsert", "notes."])
async def test_unknown_mutation_is_rejected(name: str) -> None:
    device, _, _ = setup()
    device.mutate(name, {"id": new_id()})
    response = await device.push()
    assert error_of(response.results[0])[0] == "unknown_mutation"
    assert response.applied_through == 1


@pytest.mark.parametrize(
    "args, field",
    [
        ({"title": "no id"}, "id"),
        ({"id": 7}, "id"),
        ({"id": ""}, "id"),
        ({"id": "x", "tags": "p"}, "tags"),
        ({"id": "x", "site": "s1", "title": 5}, "title"),
        # NUL, which no database text holds, anywhere in an argument
        ({"id": "x", "site": "s1", "title": "a\x00b"}, "title"),
        ({"id": "x\x00", "site": "s1"}, "id"),
        ({"id": "x", "site": "s1", "tags": ["p1", "\x00"]}, "tags"),
        ({"id": "x", "site": "s1", "meta": {"k\x00": 1}}, "meta"),
    ],
)
async def test_invalid_args_are_rejected_naming_the_field(args: dict[str, Any], field: str) -> None:
    device, _, _ = setup()
    device.mutate("notes.upsert", args)
    assert error_of((await device.push()).results[0]) == ("invalid_args", field)


async def test_bad_hlc_is_rejected() -> None:
    device, store, _ = setup()
    other_node = new_id()
    bad = [
        Mutation(id=new_id(), seq=1, name="notes.upsert", args=note(new_id()), hlc="yesterday"),
        Mutation(id=new_id(), seq=2, name="notes.upsert", args=note(new_id()),
                 hlc=format_stamp(NOW, 0, other_node)),
        Mutation(id=new_id(), seq=3, name="notes.upsert", args=note(new_id()),
                 hlc=format_stamp(NOW, 0, "server")),
    ]  # fmt: skip
    response = await device.engine.push(device.actor, device.id, bad)
    assert [error_of(r) for r in response.results] == [("bad_hlc", "hlc")] * 3
    assert response.applied_through == 3
    assert store.records == {}


async def test_conflicts_are_reported_and_logged() -> None:
    engine, store, clock = make_engine()
    a = Device(engine, actor("u1"), clock)
    b = Device(engine, actor("u2"), clock)
    rid = new_id()
    a.mutate("notes.upsert", note(rid, title="base", body="base"))
    await a.push()
    clock.now += 1
    stale = b.mutate("notes.upsert", {"id": rid, "title": "b's title", "body": "b's body"})
    clock.now += 1
    a.mutate("notes.upsert", {"id": rid, "title": "a's title"})
    await a.push()  # a's newer edit reaches the server first
    (result,) = (await b.push()).results
    assert result.status == "merged"
    assert [(c.field, c.kept, c.discarded, c.why) for c in result.conflicts] == [
        ("title", "a's title", "b's title", "newer_edit")
    ]
    assert result.revision == 3
    fields = store.records[("notes", rid)].fields
    assert (fields["title"], fields["body"]) == ("a's title", "b's body")
    (entry,) = store.conflicts
    assert (entry.mutation_id, entry.device_id, entry.user_id) == (stale.id, b.id, "u2")
    assert (entry.collection, entry.record_id, entry.field) == ("notes", rid, "title")
    assert (entry.kept, entry.discarded, entry.revision) == ("a's title", "b's title", 3)
    assert entry.kept_stamp > entry.discarded_stamp == stale.hlc


async def test_every_field_losing_is_still_merged_not_rejected() -> None:
    engine, store, clock = make_engine()
    a = Device(engine, actor("u1"), clock)
    b = Device(engine, actor("u2"), clock)
    rid = new_id()
    stale = b.mutate("notes.upsert", note(rid, title="old"))
    clock.now += 5
    a.mutate("notes.upsert", note(rid, title="new"))
    await a.push()
    (result,) = (await b.push()).results
    assert result.status == "merged" and result.error is None
    assert result.revision == 1  # nothing changed: the record's current revision
    assert store.revision == 1
    assert stale.id in store.results


async def test_set_field_edits_from_two_devices_keep_both_adds() -> None:
    engine, store, clock = make_engine()
    a = Device(engine, actor("u1"), clock)
    b = Device(engine, actor("u2"), clock)
    rid = new_id()
    a.mutate("notes.upsert", note(rid, tags=["p0"]))
    await a.push()
    a.mutate("notes.upsert", {"id": rid, "tags": {"add": ["pa"], "remove": ["p0"]}})
    b.mutate("notes.upsert", {"id": rid, "tags": ["pb"]})
    await b.push()
    await a.push()
    assert store.records[("notes", rid)].fields["tags"] == ["pa", "pb"]


async def test_a_clock_a_day_ahead_does_not_win_against_a_later_edit() -> None:
    engine, store, clock = make_engine()
    ahead = Device(engine, actor("u1"), FakeClock(NOW + DAY_MS))
    honest = Device(engine, actor("u2"), clock)
    rid = new_id()
    m = ahead.mutate("notes.upsert", note(rid, title="from the future"))
    (result,) = (await ahead.push()).results
    assert result.status == "applied"
    assert store.records[("notes", rid)].stamps["title"] == format_stamp(NOW, 0, ahead.id)
    assert m.hlc != store.records[("notes", rid)].stamps["title"]
    clock.now += 10 * 60_000
    honest.mutate("notes.upsert", {"id": rid, "title": "ten minutes later"})
    assert (await honest.push()).results[0].status == "applied"
    assert store.records[("notes", rid)].fields["title"] == "ten minutes later"
    assert parse_stamp(engine.clock.last).wall_ms < NOW + DAY_MS  # server clock not dragged


async def test_clamped_edits_of_one_device_keep_their_order() -> None:
    engine, store, _ = make_engine()
    far = FakeClock(NOW + DAY_MS)
    ahead = Device(engine, actor("u1"), far)
    rid = new_id()
    ahead.mutate("notes.upsert", note(rid, title="first"))
    far.now += 1_000
    ahead.mutate("notes.upsert", {"id": rid, "title": "second"})
    results = (await ahead.push()).results
    assert [r.status for r in results] == ["applied", "applied"]
    assert store.records[("notes", rid)].fields["title"] == "second"
    stamp = parse_stamp(store.records[("notes", rid)].stamps["title"])
    assert stamp.wall_ms == NOW


async def test_delete_leaves_a_tombstone_and_wins_over_later_edits() -> None:
    device, store, clock = setup()
    rid, unseen = new_id(), new_id()
    device.mutate("notes.upsert", note(rid, title="a"))
    device.mutate("notes.delete", {"id": rid})
    device.mutate("notes.delete", {"id": rid})
    device.mutate("notes.upsert", {"id": rid, "title": "again"})
    device.mutate("notes.delete", {"id": unseen})
    device.mutate("notes.delete", {"id": rid, "why": "x"})
    results = (await device.push()).results
    assert [r.status for r in results[:3]] == ["applied"] * 3
    assert results[1].revision == results[2].revision == 2
    assert error_of(results[3])[0] == "record_deleted"
    assert results[4].status == "applied"
    assert error_of(results[5]) == ("invalid_args", "why")
    tomb = store.records[("notes", rid)]
    assert (tomb.deleted, tomb.fields, set(tomb.sites), tomb.deleted_at_ms) == (
        True,
        {},
        {"s1"},
        clock.now,
    )
    assert store.records[("notes", unseen)].deleted


async def test_no_result_without_a_commit() -> None:
    class FailingStore(MemoryStore):
        fail_on: str | None = None

        async def put_result(self, stored: StoredResult) -> None:
            await super().put_result(stored)
            if stored.mutation_id == self.fail_on:
                raise OSError("disk gone")

    store = FailingStore()
    engine, _, clock = make_engine(store=store)
    device = Device(engine, actor(), clock)
    m1 = device.mutate("notes.upsert", note(new_id(), title="a"))
    m2 = device.mutate("notes.upsert", note(new_id(), title="b"))
    store.fail_on = m2.id
    with pytest.raises(OSError):
        await device.push()
    assert m1.id in store.results and m2.id not in store.results
    assert store.devices[device.id].applied_through == 1
    assert store.revision == 1 and len(store.records) == 1
    store.fail_on = None
    response = await device.push()
    assert [r.status for r in response.results] == ["duplicate", "applied"]
    assert response.applied_through == 2


async def test_concurrent_pushes_of_one_device_apply_each_mutation_once() -> None:
    device, store, _ = setup()
    rid = new_id()
    ms = [device.mutate("notes.upsert", note(rid, body=str(i))) for i in range(5)]
    r1, r2 = await asyncio.gather(
        device.engine.push(device.actor, device.id, ms),
        device.engine.push(device.actor, device.id, list(reversed(ms))),
    )
    statuses = sorted(r.status for r in r1.results + r2.results)
    assert statuses == ["applied"] * 5 + ["duplicate"] * 5
    assert store.revision == 5 and store.devices[device.id].applied_through == 5


async def test_server_write_wins_and_gets_a_revision() -> None:
    engine, store, _ = make_engine()
    ahead = Device(engine, actor(), FakeClock(NOW + 200_000))  # ahead, but within the limit
    rid = new_id()
    ahead.mutate("notes.upsert", note(rid, status="open"))
    await ahead.push()
    revision = await engine.server_write(
        [Write(collection="notes", id=rid, fields={"status": "approved"})]
    )
    assert revision == 2
    record = store.records[("notes", rid)]
    assert record.fields["status"] == "approved" and record.revision == 2
    assert parse_stamp(record.stamps["status"]).node == "server"
    assert await engine.server_write([]) is None


async def test_a_decided_write_wins_over_newer_stamps_on_the_record() -> None:
    """A handler's decided write (a state machine step) is stamped after the record's newest
    stamp, so a device whose clock runs behind cannot make the decision lose the merge."""
    from collections.abc import Mapping, Sequence

    from sync import Actor, Handler, MemoryStore, Mutation, MutationContext, SyncEngine, Write
    from sync import StoredRecord as Stored

    class Door(Handler):
        collection = "doors"
        intents = frozenset({"open"})

        def sites_of(self, fields: Mapping[str, Any]) -> frozenset[str]:
            return frozenset({"s"})

        async def apply(
            self, ctx: MutationContext, intent: str, args: Mapping[str, Any], current: Stored | None
        ) -> Sequence[Write]:
            return [
                Write(collection="doors", id=args["id"], fields={"state": "open"}, decided=True)
            ]

    store = MemoryStore()
    now = 2_000_000_000_000
    engine = SyncEngine(store, [Door()], cursor_secret=b"k" * 32, now_ms=lambda: now)
    actor = Actor(user_id="u", roles=frozenset({"r"}), site_ids=frozenset({"s"}))
    device = "22222222-2222-4222-8222-222222222222"
    await engine.server_write([Write(collection="doors", id="d", fields={"state": "shut"})])
    an_hour_behind = Mutation(
        id="33333333-3333-4333-8333-333333333333",
        seq=1,
        name="doors.open",
        args={"id": "d"},
        hlc=f"{now - 3_600_000:015d}-00000-{device}",
    )
    result = (await engine.push(actor, device, [an_hour_behind])).results[0]
    assert result.status == "applied"
    assert store.records[("doors", "d")].fields["state"] == "open"


async def test_events_are_stored_with_an_applied_mutation_and_dropped_with_a_refused_one() -> None:
    from collections.abc import Mapping, Sequence

    from sync import (
        Actor,
        Handler,
        MemoryStore,
        Mutation,
        MutationContext,
        Refusal,
        SyncEngine,
        Write,
    )
    from sync import StoredRecord as Stored

    class Bell(Handler):
        collection = "bells"
        intents = frozenset({"ring"})

        def sites_of(self, fields: Mapping[str, Any]) -> frozenset[str]:
            return frozenset({"s"})

        async def apply(
            self, ctx: MutationContext, intent: str, args: Mapping[str, Any], current: Stored | None
        ) -> Sequence[Write]:
            ctx.emit("rang", loud=args["loud"])
            if not args["loud"]:
                raise Refusal("invalid_args", "too quiet")
            return [Write(collection="bells", id=args["id"], fields={"rung": True})]

    store = MemoryStore()
    engine = SyncEngine(store, [Bell()], cursor_secret=b"k" * 32, now_ms=lambda: 10**12)
    actor = Actor(user_id="u", roles=frozenset({"r"}), site_ids=frozenset({"s"}))
    device = "22222222-2222-4222-8222-222222222222"
    mutations = [
        Mutation(
            id=f"3333333{n}-3333-4333-8333-333333333333",
            seq=n,
            name="bells.ring",
            args={"id": "b", "loud": loud},
            hlc=f"{10**12:015d}-0000{n}-{device}",
        )
        for n, loud in ((1, True), (2, False))
    ]
    results = (await engine.push(actor, device, mutations)).results
    assert [r.status for r in results] == ["applied", "rejected"]
    assert [(e.kind, e.payload) for e in store.events] == [("rang", {"loud": True})]
