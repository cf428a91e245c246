"""Per-field merge and add-wins set fields, as pure functions."""

from __future__ import annotations

from functools import reduce
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from sync import Refusal, format_stamp
from sync._merge import FieldState, incoming_state, merge

A = "0b7e2a64-1f1c-4c57-9f1e-5a3c2d1e0f9a"
B = "f3c1a2b4-5d6e-4f70-8a9b-0c1d2e3f4a5b"
SETS = frozenset({"tags"})

stamps = st.builds(
    format_stamp,
    st.integers(min_value=1000, max_value=1005),
    st.integers(min_value=0, max_value=2),
    st.sampled_from([A, B, "server"]),
)
plain_events = st.tuples(
    st.sampled_from(["title", "body"]), st.one_of(st.none(), st.integers(0, 3), st.text(max_size=2))
)
set_events = st.tuples(
    st.just("tags"),
    st.fixed_dictionaries(
        {},
        optional={
            "add": st.lists(st.sampled_from("abcd")),
            "remove": st.lists(st.sampled_from("abcd")),
        },
    ).filter(bool),
)
# One write per stamp, as in real life: a stamp names one event.
events = st.lists(st.tuples(stamps, st.one_of(plain_events, set_events)), unique_by=lambda e: e[0])


def state_of(evs: list[tuple[str, tuple[str, Any]]]) -> FieldState:
    states = [incoming_state({name: value}, stamp, SETS) for stamp, (name, value) in evs]
    return reduce(lambda acc, s: merge(acc, s).state, states, FieldState())


@st.composite
def three_states(draw: st.DrawFn) -> tuple[FieldState, FieldState, FieldState]:
    evs = draw(events)
    parts = [
        draw(st.lists(st.sampled_from(evs), max_size=len(evs))) if evs else [] for _ in range(3)
    ]
    a, b, c = (state_of(p) for p in parts)
    return a, b, c


@given(three_states())
def test_field_merge_is_commutative(states: tuple[FieldState, FieldState, FieldState]) -> None:
    a, b, _ = states
    assert merge(a, b).state == merge(b, a).state


@given(three_states())
def test_field_merge_is_associative(states: tuple[FieldState, FieldState, FieldState]) -> None:
    a, b, c = states
    assert merge(merge(a, b).state, c).state == merge(a, merge(b, c).state).state


@given(three_states())
def test_field_merge_is_idempotent(states: tuple[FieldState, FieldState, FieldState]) -> None:
    a, b, _ = states
    assert merge(a, a).state == a
    assert merge(a, a).changed is False
    ab = merge(a, b).state
    assert merge(ab, b).state == ab


@given(events, st.randoms())
def test_any_delivery_order_gives_the_same_state(
    evs: list[tuple[str, tuple[str, Any]]], rnd: Any
) -> None:
    shuffled = list(evs)
    rnd.shuffle(shuffled)
    assert state_of(shuffled) == state_of(evs)


@given(
    st.lists(
        st.tuples(stamps, st.sampled_from(["add", "remove"]), st.sampled_from("abc")),
        unique_by=lambda op: op[0],
    ),
    st.randoms(),
)
def test_set_fields_never_lose_an_add(ops: list[tuple[str, str, str]], rnd: Any) -> None:
    rnd.shuffle(ops)
    state = state_of([(stamp, ("tags", {kind: [el]})) for stamp, kind, el in ops])
    present = set(state.fields.get("tags", []))
    for element in "abc":
        adds = [s for s, kind, el in ops if el == element and kind == "add"]
        removes = [s for s, kind, el in ops if el == element and kind == "remove"]
        survivor = any(not any(r > a for r in removes) for a in adds)
        assert (element in present) == survivor


def test_two_devices_adding_at_once_keep_both() -> None:
    at_a, at_b = format_stamp(1000, 0, A), format_stamp(1000, 0, B)
    base = FieldState()
    one = merge(base, incoming_state({"tags": ["p1", "shared"]}, at_a, SETS)).state
    both = merge(one, incoming_state({"tags": ["p2", "shared"]}, at_b, SETS))
    assert both.state.fields["tags"] == ["p1", "p2", "shared"]
    assert both.losses == []


def test_an_add_and_remove_in_one_write_leave_the_element() -> None:
    s = incoming_state({"tags": {"add": ["x"], "remove": ["x"]}}, format_stamp(1, 0, A), SETS)
    assert s.fields["tags"] == ["x"]


def test_a_remove_only_undoes_an_older_add() -> None:
    older, newer = format_stamp(1000, 0, A), format_stamp(1001, 0, B)
    added = merge(FieldState(), incoming_state({"tags": ["x"]}, newer, SETS)).state
    late_remove = merge(added, incoming_state({"tags": {"remove": ["x"]}}, older, SETS))
    assert late_remove.state.fields["tags"] == ["x"]
    assert late_remove.losses[0].discarded == {"add": [], "remove": ["x"]}
    removed = merge(
        added, incoming_state({"tags": {"remove": ["x"]}}, format_stamp(1002, 0, A), SETS)
    )
    assert removed.state.fields["tags"] == []
    assert removed.losses == []


def test_older_field_loses_and_is_reported() -> None:
    older, newer = format_stamp(1000, 0, A), format_stamp(1000, 1, B)
    base = merge(FieldState(), incoming_state({"title": "new"}, newer, SETS)).state
    result = merge(base, incoming_state({"title": "old", "body": "b"}, older, SETS))
    assert result.state.fields == {"title": "new", "body": "b"}
    (loss,) = result.losses
    assert (loss.field, loss.kept, loss.discarded) == ("title", "new", "old")
    assert (loss.kept_stamp, loss.discarded_stamp) == (newer, older)


def test_a_lost_field_with_the_same_value_is_no_conflict() -> None:
    older, newer = format_stamp(1000, 0, A), format_stamp(1001, 0, B)
    base = merge(FieldState(), incoming_state({"title": "same"}, newer, SETS)).state
    assert merge(base, incoming_state({"title": "same"}, older, SETS)).losses == []


@pytest.mark.parametrize("value", ["x", 3, {"add": "x"}, {"put": ["x"]}, {}, [1], {"add": [None]}])
def test_malformed_set_operations_are_refused(value: Any) -> None:
    with pytest.raises(Refusal) as err:
        incoming_state({"tags": value}, format_stamp(1, 0, A), SETS)
    assert (err.value.code, err.value.field) == ("invalid_args", "tags")
