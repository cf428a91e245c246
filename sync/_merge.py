"""Per-field merge of record state under hybrid-logical-clock stamps, with add-wins sets."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import msgspec

from ._errors import Refusal

# Per set element: (highest add stamp, highest remove stamp); "" means "never", and sorts
# before every real stamp.
ElementStamps = tuple[str, str]
SetState = dict[str, dict[str, ElementStamps]]

NEVER = ""


class FieldState(msgspec.Struct, kw_only=True):
    """The mergeable part of a record.

    `stamps` holds the stamp of each plain field, `set_state` the element stamps of each set
    field, and `fields` the values: plain values as written, set fields materialised as
    sorted lists.
    """

    fields: dict[str, Any] = msgspec.field(default_factory=dict)
    stamps: dict[str, str] = msgspec.field(default_factory=dict)
    set_state: SetState = msgspec.field(default_factory=dict)


class Loss(msgspec.Struct, frozen=True):
    """An incoming field (or set operation) that lost to a newer stored one."""

    field: str
    kept: Any
    discarded: Any
    kept_stamp: str
    discarded_stamp: str


class Merged(msgspec.Struct, frozen=True):
    """Result of a merge: the new state, what the incoming side lost, whether state changed."""

    state: FieldState
    losses: list[Loss]
    changed: bool


def is_present(stamps: ElementStamps) -> bool:
    """An element is in the set iff it was ever added and its last add is not older than its
    last remove: adds win ties, and an add is undone only by a strictly later remove."""
    add, remove = stamps
    return add != NEVER and add >= remove


def materialise(elements: Mapping[str, ElementStamps]) -> list[str]:
    """The sorted list of present elements, as devices see a set field."""
    return sorted(e for e, s in elements.items() if is_present(s))


def _elements(field: str, value: Any) -> list[str]:
    if not isinstance(value, list) or not all(isinstance(e, str) for e in value):
        raise Refusal("invalid_args", "set elements must be a list of strings", field)
    return value


def set_ops(field: str, value: Any) -> tuple[list[str], list[str]]:
    """Read a set field's wire form: a list (add these) or {"add": [...], "remove": [...]}."""
    if isinstance(value, list):
        return _elements(field, value), []
    if isinstance(value, dict) and value and set(value) <= {"add", "remove"}:
        return _elements(field, value.get("add", [])), _elements(field, value.get("remove", []))
    raise Refusal("invalid_args", 'a set field takes a list or {"add": [], "remove": []}', field)


def incoming_state(values: Mapping[str, Any], stamp: str, set_fields: frozenset[str]) -> FieldState:
    """The state one write carries: every field stamped with the write's stamp."""
    state = FieldState()
    for name, value in values.items():
        if name in set_fields:
            adds, removes = set_ops(name, value)
            elements: dict[str, ElementStamps] = {}
            for e in removes:
                elements[e] = (NEVER, stamp)
            for e in adds:
                elements[e] = (stamp, elements.get(e, (NEVER, NEVER))[1])
            state.set_state[name] = elements
            state.fields[name] = materialise(elements)
        else:
            state.fields[name] = value
            state.stamps[name] = stamp
    return state


def _order_key(value: Any) -> bytes:
    # Only for equal stamps with different values, which one write never produces; a fixed
    # order on the encoded value keeps the merge commutative even then.
    return msgspec.json.encode(value, order="sorted")


def merge(base: FieldState, incoming: FieldState) -> Merged:
    """Merge `incoming` into `base`, field by field; the later stamp wins.

    On states this is a join (commutative, associative, idempotent): plain fields keep the
    value with the highest stamp, set elements keep the highest add and remove stamps. The
    losses are reported from the incoming side's point of view; a loss whose value equals the
    kept one is not a conflict and is not reported.
    """
    fields = dict(base.fields)
    stamps = dict(base.stamps)
    set_state = {name: dict(elements) for name, elements in base.set_state.items()}
    losses: list[Loss] = []
    changed = False

    for name, in_stamp in incoming.stamps.items():
        in_value = incoming.fields.get(name)
        cur_stamp = stamps.get(name)
        if cur_stamp is None or in_stamp > cur_stamp:
            wins = True
        elif in_stamp == cur_stamp:
            wins = _order_key(in_value) > _order_key(fields.get(name))
        else:
            wins = False
            if fields.get(name) != in_value:
                losses.append(Loss(name, fields.get(name), in_value, cur_stamp, in_stamp))
        if wins:
            changed = changed or cur_stamp != in_stamp or fields.get(name) != in_value
            fields[name], stamps[name] = in_value, in_stamp

    for name, in_elements in incoming.set_state.items():
        elements = set_state.setdefault(name, {})
        lost_adds: list[str] = []
        lost_removes: list[str] = []
        kept_stamps: list[str] = []
        discarded_stamps: list[str] = []
        for element, (in_add, in_remove) in in_elements.items():
            cur_add, cur_remove = elements.get(element, (NEVER, NEVER))
            new = (max(cur_add, in_add), max(cur_remove, in_remove))
            if new != (cur_add, cur_remove):
                elements[element] = new
                changed = True
            present = is_present(new)
            if in_add != NEVER and not present and cur_remove > in_add:
                lost_adds.append(element)
                kept_stamps.append(cur_remove)
                discarded_stamps.append(in_add)
            if in_remove != NEVER and present and cur_add > in_remove:
                lost_removes.append(element)
                kept_stamps.append(cur_add)
                discarded_stamps.append(in_remove)
        materialised = materialise(elements)
        changed = changed or fields.get(name) != materialised
        fields[name] = materialised
        if lost_adds or lost_removes:
            discarded = {"add": sorted(lost_adds), "remove": sorted(lost_removes)}
            losses.append(
                Loss(name, materialised, discarded, max(kept_stamps), max(discarded_stamps))
            )

    state = FieldState(fields=fields, stamps=stamps, set_state=set_state)
    return Merged(state, losses, changed)
