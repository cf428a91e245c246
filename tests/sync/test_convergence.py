"""Any interleaving, duplication and resending of device streams converges (rules 1 and 3)."""

from __future__ import annotations

import asyncio
import random
from typing import Any

from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from sync import MAX_AHEAD_MS, MemoryStore, Mutation, SyncEngine, Write, format_stamp, parse_stamp

from .kit import DAY_MS, NOW, FakeClock, actor, make_engine

DEVICES = [
    "0b7e2a64-1f1c-4c57-9f1e-5a3c2d1e0f9a",
    "5d1f8a2c-3b4e-4c6d-8e9f-a0b1c2d3e4f5",
    "f3c1a2b4-5d6e-4f70-8a9b-0c1d2e3f4a5b",
]
ACTORS = [actor(f"u{i}", sites=["s1", "s2"]) for i in range(len(DEVICES))]
SHARED = ["r0", "r1", "r2"]

field_values = st.fixed_dictionaries(
    {},
    optional={
        "title": st.sampled_from(["a", "b", "c"]),
        "body": st.integers(0, 3),
        "site": st.sampled_from(["s1", "s2"]),
        "tags": st.one_of(
            st.lists(st.sampled_from("xyz"), max_size=2),
            st.fixed_dictionaries(
                {"add": st.lists(st.sampled_from("xyz"), max_size=2)},
                optional={"remove": st.lists(st.sampled_from("xyz"), max_size=2)},
            ),
        ),
    },
)


@st.composite
def op(draw: st.DrawFn) -> tuple[str, str, dict[str, Any]]:
    kind = draw(st.sampled_from(["upsert"] * 6 + ["delete", "create"]))
    if kind == "delete":
        return kind, draw(st.sampled_from(SHARED)), {}
    if kind == "create":  # a record only this device writes, so its creation is no race
        return kind, draw(st.sampled_from(["p0", "p1"])), draw(field_values)
    values = draw(field_values) or {"title": draw(st.sampled_from(["a", "b", "c"]))}
    return kind, draw(st.sampled_from(SHARED)), values


@st.composite
def stream(draw: st.DrawFn, device: int) -> list[Mutation]:
    node = DEVICES[device]
    planned = draw(st.lists(op(), min_size=1, max_size=10))
    offsets = sorted(
        draw(st.lists(st.integers(-40, 40), min_size=len(planned), max_size=len(planned)))
    )
    # From some point on this phone's clock may jump a day ahead: clamped by the server.
    jump = draw(st.integers(0, len(planned) + 3))
    out: list[Mutation] = []
    last: tuple[int, int] = (0, -1)
    for seq, ((kind, rid, values), offset) in enumerate(zip(planned, offsets, strict=True), 1):
        wall = NOW + offset + (DAY_MS if seq > jump else 0)
        counter = last[1] + 1 if wall == last[0] else 0
        last = (wall, counter)
        if kind == "create":
            rid, kind = f"{node}-{rid}", "upsert"
            values = {"site": "s1", **values}
        args = {"id": rid, **values}
        mutation_id = f"{device:08x}-0000-4000-8000-{seq:012x}"
        out.append(
            Mutation(mutation_id, seq, f"notes.{kind}", args, format_stamp(wall, counter, node))
        )
    return out


@st.composite
def scenario(
    draw: st.DrawFn,
) -> tuple[list[list[Mutation]], list[tuple[int, list[int]]], list[int]]:
    streams = [draw(stream(d)) for d in range(len(DEVICES))]
    deliveries = []
    for _ in range(draw(st.integers(0, 12))):
        d = draw(st.integers(0, len(DEVICES) - 1))
        picks = draw(st.lists(st.integers(0, len(streams[d]) - 1), max_size=6))
        deliveries.append((d, picks))
    drain_order = draw(st.permutations(range(len(DEVICES))))
    return streams, deliveries, list(drain_order)


async def seeded_engine() -> tuple[SyncEngine, MemoryStore]:
    engine, store, clock = make_engine(clock=FakeClock(NOW - 1_000))
    for rid in SHARED:
        await engine.server_write(
            [
                Write(
                    collection="notes",
                    id=rid,
                    fields={"site": "s1", "title": "seed", "tags": ["t"]},
                )
            ]
        )
    clock.now = NOW  # fixed from here on: the clamp depends on nothing but the stamps
    return engine, store


def visible_state(store: MemoryStore) -> dict[tuple[str, str], Any]:
    """What devices can observe: live records' fields and sites; tombstones only as such."""
    return {
        key: ("deleted",) if r.deleted else (r.fields, sorted(r.sites))
        for key, r in store.records.items()
    }


async def run(
    streams: list[list[Mutation]],
    deliveries: list[tuple[int, list[int]]],
    drain: list[int],
    seed: int,
) -> tuple[Any, Any]:
    rnd = random.Random(seed)
    engine, store = await seeded_engine()
    for d, picks in deliveries:
        batch = [streams[d][i] for i in picks]
        rnd.shuffle(batch)
        response = await engine.push(ACTORS[d], DEVICES[d], batch)
        for m, r in zip(batch, response.results, strict=True):
            assert r.id == m.id
            event(f"delivered: {r.status}")
            if r.status == "deferred":
                assert m.seq > response.applied_through
    for d in drain:  # each device resends its outbox from applied_through + 1
        through = (await engine.push(ACTORS[d], DEVICES[d], [])).applied_through
        response = await engine.push(ACTORS[d], DEVICES[d], streams[d][through:])
        assert "deferred" not in {r.status for r in response.results}
    reference, reference_store = await seeded_engine()
    for d, s in enumerate(streams):
        await reference.push(ACTORS[d], DEVICES[d], s)

    for d, s in enumerate(streams):
        assert store.devices[DEVICES[d]].applied_through == len(s)
        for m in s:
            first = store.results[m.id].result
            assert first.status in {"applied", "merged", "rejected"}
            event(f"final: {first.status} {first.error.code if first.error else ''}")
    # Clamping held: no stored stamp is more than MAX_AHEAD_MS past the server clock.
    for rec in store.records.values():
        stamps = [*rec.stamps.values()] + [
            t for el in rec.set_state.values() for ar in el.values() for t in ar
        ]
        assert all(parse_stamp(t).wall_ms <= NOW + MAX_AHEAD_MS for t in stamps if t)
    # Everything again, all at once: answered, not re-applied.
    before = visible_state(store)
    for d, s in enumerate(streams):
        again = await engine.push(ACTORS[d], DEVICES[d], s + s)
        assert {r.status for r in again.results} == {"duplicate"}
    assert visible_state(store) == before
    return visible_state(store), visible_state(reference_store)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(scenario(), st.integers(0, 2**32))
def test_any_interleaving_and_duplication_of_device_streams_gives_the_same_state(
    case: tuple[list[list[Mutation]], list[tuple[int, list[int]]], list[int]], seed: int
) -> None:
    streams, deliveries, drain = case
    got, expected = asyncio.run(run(streams, deliveries, drain, seed))
    assert got == expected
