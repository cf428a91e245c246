"""Concurrent edits: told apart from sequential ones by their base revision, logged once with
both authors, and shown as `conflicts` records to the two people and the site's watchers."""

from __future__ import annotations

import asyncio
from typing import Any

import msgspec
import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from sync import (
    ALL_SITES,
    Actor,
    Clock,
    ConflictEntry,
    ConflictsHandler,
    MemoryStore,
    Mutation,
    MutationResult,
    StoredRecord,
    SyncEngine,
    Write,
    audiences_of,
    format_stamp,
)

from .kit import SECRET, CommentsHandler, FakeClock, NotesHandler, new_id

DEVICES = [
    "0b7e2a64-1f1c-4c57-9f1e-5a3c2d1e0f9a",
    "5d1f8a2c-3b4e-4c6d-8e9f-a0b1c2d3e4f5",
    "f3c1a2b4-5d6e-4f70-8a9b-0c1d2e3f4a5b",
    "9a8b7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d",
]
RECORD = "r1"


def person(
    user: str, sites: tuple[str, ...] = ("s1",), roles: tuple[str, ...] = ("staff",)
) -> Actor:
    site_ids, role_set = frozenset(sites), frozenset(roles)
    return Actor(
        user_id=user,
        roles=role_set,
        site_ids=site_ids,
        audiences=audiences_of(user, role_set, site_ids),
    )


LEAD = person("lead", roles=("lead",))  # a watcher of site s1
OUTSIDER = person("other-lead", sites=("s2",), roles=("lead",))


def engine_with_conflicts(clock: FakeClock) -> tuple[SyncEngine, MemoryStore]:
    store = MemoryStore()
    handlers = [NotesHandler(), CommentsHandler(), ConflictsHandler(watcher_roles={"lead"})]
    return SyncEngine(store, handlers, cursor_secret=SECRET, now_ms=clock), store


class Phone:
    """A device that remembers the revision of each record it last pulled (its base)."""

    def __init__(
        self, engine: SyncEngine, who: Actor, clock: FakeClock, node: str, skew_ms: int = 0
    ) -> None:
        self.engine, self.actor, self.id = engine, who, node
        self.clock = Clock(node, lambda: clock.now + skew_ms)
        self.seq = 0
        self.outbox: list[Mutation] = []
        self.cursor: str | None = None
        self.local: dict[tuple[str, str], tuple[int, dict[str, Any]]] = {}

    def base(self, record_id: str = RECORD) -> int | None:
        pulled = self.local.get(("notes", record_id))
        return pulled[0] if pulled else None

    def edit(self, fields: dict[str, Any], record_id: str = RECORD, **extra: Any) -> Mutation:
        args: dict[str, Any] = {"id": record_id, **fields, **extra}
        if (base := self.base(record_id)) is not None and "base_revision" not in extra:
            args["base_revision"] = base
        return self.mutate("notes.upsert", args)

    def mutate(self, name: str, args: dict[str, Any]) -> Mutation:
        self.seq += 1
        m = Mutation(id=new_id(), seq=self.seq, name=name, args=args, hlc=self.clock.tick())
        self.outbox.append(m)
        return m

    async def push_each(self) -> list[MutationResult]:
        """One mutation per push, so a test can look at the store after each."""
        results = []
        for m in list(self.outbox):
            (result,) = (await self.engine.push(self.actor, self.id, [m])).results
            results.append(result)
        self.outbox = []
        return results

    async def pull(self) -> None:
        while True:
            page = await self.engine.pull(self.actor, self.cursor)
            if page.reset:
                self.local.clear()
            for c in page.changes:
                if c.deleted:
                    self.local.pop((c.collection, c.id), None)
                else:
                    self.local[(c.collection, c.id)] = (c.revision, msgspec.json.decode(c.fields))
            self.cursor = page.cursor
            if not page.has_more:
                return

    def conflicts(self) -> dict[str, dict[str, Any]]:
        return {k[1]: f for k, (_, f) in self.local.items() if k[0] == "conflicts"}


async def two_phones(
    skews: tuple[int, int] = (0, 0),
) -> tuple[SyncEngine, MemoryStore, FakeClock, Phone, Phone]:
    clock = FakeClock()
    engine, store = engine_with_conflicts(clock)
    a = Phone(engine, person("ann"), clock, DEVICES[0], skews[0])
    b = Phone(engine, person("bob"), clock, DEVICES[1], skews[1])
    a.edit({"site": "s1", "title": "base", "body": "base"})
    await a.push_each()
    await a.pull()
    await b.pull()
    clock.now += 10
    return engine, store, clock, a, b


def record(store: MemoryStore, record_id: str = RECORD) -> StoredRecord:
    return store.records[("notes", record_id)]


@pytest.mark.parametrize("first", ["ann", "bob"])
async def test_concurrent_edits_are_logged_once_whichever_arrives_first(first: str) -> None:
    _, store, clock, a, b = await two_phones()
    ann = a.edit({"title": "ann's"})
    clock.now += 5
    bob = b.edit({"title": "bob's"})  # the later stamp: bob's value wins the merge
    order = [a, b] if first == "ann" else [b, a]
    for phone in order:
        await phone.push_each()
    assert record(store).fields["title"] == "bob's"
    (entry,) = store.conflicts
    later = ann if first == "bob" else bob
    assert (entry.mutation_id, entry.field) == (later.id, "title")
    assert (entry.kept, entry.kept_by, entry.kept_device) == ("bob's", "bob", b.id)
    assert (entry.discarded, entry.discarded_by, entry.discarded_device) == ("ann's", "ann", a.id)
    assert (entry.kept_stamp, entry.discarded_stamp) == (bob.hlc, ann.hlc)
    # Both authors and the site's lead pull the same notice; nobody else does.
    for phone in (a, b):
        await phone.pull()
    lead = Phone(a.engine, LEAD, clock, DEVICES[2])
    outsider = Phone(a.engine, OUTSIDER, clock, DEVICES[2])
    await lead.pull()
    await outsider.pull()
    notice = a.conflicts()[entry.conflict_id]
    assert a.conflicts() == b.conflicts() == lead.conflicts() == {entry.conflict_id: notice}
    assert outsider.conflicts() == {}
    assert notice["kept"] == "bob's" and notice["discarded"] == "ann's"
    assert (notice["kept_by"], notice["discarded_by"]) == ("bob", "ann")
    assert notice["kept_at"] == "2024-11-23T07:07:58.916+00:00"  # bob's device time
    assert notice["discarded_at"] == "2024-11-23T07:07:58.911+00:00"
    assert [notice[k] for k in ("collection", "record_id", "field")] == ["notes", RECORD, "title"]
    assert (notice["record_sites"], notice["dismissed_by"]) == (["s1"], [])


async def test_a_sequential_edit_is_no_conflict_and_wins_though_its_clock_is_behind() -> None:
    _, store, _, a, b = await two_phones(skews=(0, -60_000))
    a.edit({"title": "ann's"})
    await a.push_each()
    await b.pull()  # bob sees ann's title, then changes it with a clock a minute behind
    b.edit({"title": "bob's"})
    (result,) = await b.push_each()
    assert (result.status, result.conflicts) == ("applied", [])
    assert record(store).fields["title"] == "bob's"
    assert store.conflicts == []
    await a.pull()
    assert a.conflicts() == {}


async def test_the_same_person_on_two_phones_is_no_conflict() -> None:
    clock = FakeClock()
    engine, store = engine_with_conflicts(clock)
    ann = person("ann")
    a = Phone(engine, ann, clock, DEVICES[0])
    a2 = Phone(engine, ann, clock, DEVICES[1])
    a.edit({"site": "s1", "title": "base"})
    await a.push_each()
    await a.pull()
    await a2.pull()
    a2.edit({"title": "from the tablet"})
    clock.now += 1
    a.edit({"title": "from the phone"})
    await a.push_each()
    await a2.push_each()
    assert store.conflicts == []


async def test_a_server_decision_is_no_conflict() -> None:
    engine, store, _, a, _ = await two_phones()
    await engine.server_write([Write(collection="notes", id=RECORD, fields={"title": "decided"})])
    a.edit({"title": "ann's"})  # made before seeing the decision
    (result,) = await a.push_each()
    assert result.status == "merged"  # the decision is newer; ann's push result says so
    assert store.conflicts == []


async def test_equal_values_are_no_conflict() -> None:
    _, store, _, a, b = await two_phones()
    a.edit({"title": "same"})
    b.edit({"title": "same"})
    await a.push_each()
    await b.push_each()
    assert store.conflicts == []


async def test_each_field_is_judged_on_its_own() -> None:
    _, store, clock, a, b = await two_phones()
    a.edit({"title": "ann's"})
    await a.push_each()
    clock.now += 5
    b.edit({"title": "bob's", "body": "bob's body"})  # body: nobody else changed it
    await b.push_each()
    assert [(e.field, e.kept, e.discarded) for e in store.conflicts] == [
        ("title", "bob's", "ann's")
    ]


async def test_an_app_that_sends_no_base_is_told_of_losses_as_before() -> None:
    _, store, clock, a, b = await two_phones()
    stale = b.mutate("notes.upsert", {"id": RECORD, "title": "bob's"})
    clock.now += 5
    a.edit({"title": "ann's"})
    await a.push_each()
    (result,) = await b.push_each()
    (entry,) = store.conflicts
    assert (entry.mutation_id, entry.kept_by, entry.discarded_by) == (stale.id, "ann", "bob")
    # Its one value lost: it answers with the note's revision, not the conflict record's.
    assert (result.status, result.revision) == ("merged", record(store).revision)


@pytest.mark.parametrize("bad", [-1, "3", 1.5, True, None, 2**53])
async def test_a_bad_base_revision_is_refused(bad: Any) -> None:
    _, _, _, a, _ = await two_phones()
    a.edit({"title": "x"}, base_revision=bad)
    (result,) = await a.push_each()
    assert result.status == "rejected" and result.error is not None
    assert (result.error.code, result.error.field) == ("invalid_args", "base_revision")


async def test_the_base_revision_is_no_field() -> None:
    _, store, _, a, _ = await two_phones()
    a.edit({"title": "x"})
    await a.push_each()
    assert "base_revision" not in record(store).fields


async def settled_conflict() -> tuple[MemoryStore, FakeClock, Phone, Phone, ConflictEntry]:
    _, store, clock, a, b = await two_phones()
    a.edit({"title": "ann's"})
    clock.now += 5
    b.edit({"title": "bob's"})
    await a.push_each()
    await b.push_each()
    (entry,) = store.conflicts
    await a.pull()
    await b.pull()
    return store, clock, a, b, entry


async def test_dismiss_marks_a_conflict_read_for_that_person() -> None:
    _, _, a, b, entry = await settled_conflict()
    a.mutate("conflicts.dismiss", {"id": entry.conflict_id})
    (result,) = await a.push_each()
    assert result.status == "applied"
    await b.pull()
    assert b.conflicts()[entry.conflict_id]["dismissed_by"] == ["ann"]


async def test_only_the_people_in_a_conflict_and_watchers_dismiss_it() -> None:
    _, clock, a, _, entry = await settled_conflict()
    carl = Phone(a.engine, person("carl"), clock, DEVICES[2])
    carl.mutate("conflicts.dismiss", {"id": entry.conflict_id})
    carl.mutate("conflicts.dismiss", {"id": new_id()})
    carl.mutate("conflicts.upsert", {"id": new_id(), "kept": "forged"})
    carl.mutate("conflicts.delete", {"id": entry.conflict_id})
    a.mutate("conflicts.dismiss", {"id": entry.conflict_id, "why": "x"})
    results = await carl.push_each() + await a.push_each()
    assert [(r.error.code, r.error.field) for r in results if r.error] == [
        ("forbidden", "id"),
        ("not_found", "id"),
        ("forbidden", None),
        ("forbidden", None),
        ("invalid_args", "why"),
    ]
    lead = Phone(a.engine, LEAD, clock, DEVICES[3])
    lead.mutate("conflicts.dismiss", {"id": entry.conflict_id})
    assert [r.status for r in await lead.push_each()] == ["applied"]


async def test_keep_mine_wins_raises_no_new_conflict_and_tells_the_other_author() -> None:
    store, clock, a, b, entry = await settled_conflict()
    b.mutate("conflicts.dismiss", {"id": entry.conflict_id})  # bob had read it
    await b.push_each()
    clock.now += 5
    a.edit({"title": "ann's"}, resolves=entry.conflict_id)  # ann keeps hers
    (result,) = await a.push_each()
    assert (result.status, result.conflicts) == ("applied", [])
    assert record(store).fields["title"] == "ann's"
    assert len(store.conflicts) == 1
    await b.pull()
    notice = b.conflicts()[entry.conflict_id]
    assert (notice["resolved_by"], notice["resolved_value"]) == ("ann", "ann's")
    assert notice["resolved_at"] == "2024-11-23T07:07:58.921+00:00"
    assert notice["dismissed_by"] == ["ann"]  # unread again for bob
    assert b.local[("notes", RECORD)][1]["title"] == "ann's"


async def test_resolves_must_name_a_conflict_of_that_field() -> None:
    store, clock, a, _, entry = await settled_conflict()
    carl = Phone(a.engine, person("carl"), clock, DEVICES[2])
    await carl.pull()
    carl.edit({"title": "carl's"}, resolves=entry.conflict_id)
    a.edit({"body": "x"}, resolves=entry.conflict_id)
    a.edit({"title": "x"}, resolves=new_id())
    a.edit({"title": "x"}, resolves=7)
    results = await carl.push_each() + await a.push_each()
    assert [(r.error.code, r.error.field) for r in results if r.error] == [
        ("forbidden", "resolves"),
        ("invalid_args", "resolves"),
        ("invalid_args", "resolves"),
        ("invalid_args", "resolves"),
    ]
    assert record(store).fields["title"] == "bob's"


async def test_conflicts_of_a_record_for_every_site_go_to_its_authors() -> None:
    clock = FakeClock()
    engine, _ = engine_with_conflicts(clock)
    a = Phone(engine, person("ann"), clock, DEVICES[0])
    b = Phone(engine, person("bob"), clock, DEVICES[1])
    a.edit({"site": ALL_SITES, "title": "base"})
    await a.push_each()
    await a.pull()
    await b.pull()
    a.edit({"title": "ann's"})
    b.edit({"title": "bob's"})
    await a.push_each()
    await b.push_each()
    await a.pull()
    await b.pull()
    assert len(a.conflicts()) == len(b.conflicts()) == 1


# ---- property: for any interleaving, a conflict exactly when the bases overlap ------------


@st.composite
def histories(draw: st.DrawFn) -> tuple[list[int], list[tuple[str, int, int]]]:
    phones = draw(st.integers(2, 3))
    skews = draw(st.lists(st.integers(-50, 50), min_size=phones, max_size=phones))
    steps = draw(
        st.lists(
            st.tuples(
                st.sampled_from(["edit", "edit", "push", "push", "pull"]),
                st.integers(0, phones - 1),
                st.integers(0, 3),  # the value an edit writes
            ),
            min_size=6,
            max_size=40,
        )
    )
    return skews, steps


async def run_history(skews: list[int], steps: list[tuple[str, int, int]]) -> None:
    clock = FakeClock()
    engine, store = engine_with_conflicts(clock)
    users = [f"user{i}" for i in range(len(skews))]
    phones = [
        Phone(engine, person(users[i]), clock, DEVICES[i], skew) for i, skew in enumerate(skews)
    ]
    phones[0].edit({"site": "s1", "title": "v0"})
    await phones[0].push_each()
    for phone in phones:
        await phone.pull()
    # The model: who wrote the current title, at which revision (read back after each push).
    current = record(store)
    author, at_revision = users[0], current.revision
    logged = 0
    for kind, who, value in steps:
        clock.now += 1
        phone = phones[who]
        if kind == "edit":
            phone.edit({"title": f"v{value}"})
        elif kind == "pull":
            await phone.pull()
        else:
            for m in list(phone.outbox):
                before = record(store)
                base, sent = m.args["base_revision"], m.args["title"]
                (result,) = (await engine.push(phone.actor, phone.id, [m])).results
                phone.outbox.remove(m)
                after = record(store)
                won = after.stamps["title"] != before.stamps["title"]
                new = store.conflicts[logged:]
                logged = len(store.conflicts)
                concurrent = at_revision > base and author != users[who]
                if at_revision <= base:
                    assert won, "an edit made after seeing the value must replace it"
                if concurrent and sent != before.fields["title"]:
                    (entry,) = new
                    mine, theirs = (users[who], sent), (author, before.fields["title"])
                    kept, discarded = (mine, theirs) if won else (theirs, mine)
                    assert (entry.kept_by, entry.kept) == kept
                    assert (entry.discarded_by, entry.discarded) == discarded
                    assert entry.mutation_id == m.id
                    assert after.fields["title"] == entry.kept
                else:
                    assert new == [], (kind, who, base, at_revision, author)
                if won:
                    author, at_revision = users[who], after.revision
                assert result.revision == after.revision or not won
    event(f"conflicts logged: {min(len(store.conflicts), 3)}")
    # Never twice, and each one reaches exactly its two authors (and the lead).
    ids = [e.conflict_id for e in store.conflicts]
    assert len(set(ids)) == len(ids)
    for phone, user in zip(phones, users, strict=True):
        await phone.pull()
        mine = {e.conflict_id for e in store.conflicts if user in (e.kept_by, e.discarded_by)}
        assert set(phone.conflicts()) == mine
    lead = Phone(engine, LEAD, clock, DEVICES[0])
    await lead.pull()
    assert set(lead.conflicts()) == set(ids)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(histories())
def test_a_conflict_is_logged_exactly_when_an_edit_missed_another_persons(
    history: tuple[list[int], list[tuple[str, int, int]]],
) -> None:
    asyncio.run(run_history(*history))


@settings(max_examples=100, deadline=None)
@given(
    st.lists(st.integers(-3, 3), min_size=2, max_size=3, unique=True),
    st.permutations([0, 1, 2]),
)
def test_concurrent_edits_from_one_base_give_the_same_conflicts_in_every_arrival_order(
    offsets: list[int], order: list[int]
) -> None:
    async def run(arrival: list[int]) -> set[tuple[str, str, str, str]]:
        clock = FakeClock()
        engine, store = engine_with_conflicts(clock)
        phones = [Phone(engine, person(f"u{i}"), clock, DEVICES[i]) for i in range(3)]
        phones[0].edit({"site": "s1", "title": "base"})
        await phones[0].push_each()
        for phone in phones:
            await phone.pull()
        clock.now += 100
        for i, offset in enumerate(offsets):
            wall = clock.now + offset
            args = {"id": RECORD, "title": f"by u{i}", "base_revision": phones[i].base()}
            stamp = format_stamp(wall, 0, phones[i].id)
            m = Mutation(id=f"{i:08x}-0000-4000-8000-000000000001", seq=2 if i == 0 else 1,
                         name="notes.upsert", args=args, hlc=stamp)  # fmt: skip
            phones[i].outbox = [m]
        for i in arrival:
            if i < len(offsets):
                await phones[i].push_each()
        newest = max(range(len(offsets)), key=lambda i: offsets[i])
        assert record(store).fields["title"] == f"by u{newest}"
        return {(e.kept_by, e.discarded_by, e.kept, e.discarded) for e in store.conflicts}

    one = asyncio.run(run([0, 1, 2]))
    other = asyncio.run(run(list(order)))
    # Each edit after the first meets the value standing then: n - 1 conflicts, and every
    # author is in one. With two edits that is the same conflict whatever the order.
    everyone = {f"u{i}" for i in range(len(offsets))}
    for conflicts in (one, other):
        assert len(conflicts) == len(offsets) - 1
        assert {u for c in conflicts for u in c[:2]} == everyone
        assert all(kept == f"by {u}" for u, _, kept, _ in conflicts)
    if len(offsets) == 2:
        assert one == other
