"""An inspection's total from its template version (pure: no I/O): the item points sum to 100,
each deduction takes its points off, and a deduction on a critical item caps the total."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class ItemRule:
    max_points: int
    critical: bool
    photo_required: bool  # on a deduction
    zone_kind: str  # "" = any zone
    rectification_hours: int


@dataclass(frozen=True)
class Scored:
    total: int
    deducted: int
    critical_failures: int
    # (code, message, index of the item or None for the list) when the items are refused
    refusal: tuple[str, str, int | None] | None = None


def _refused(code: str, message: str, index: int | None) -> Scored:
    return Scored(0, 0, 0, (code, message, index))


def score_inspection(
    rules: Mapping[int, ItemRule],
    critical_cap: int,
    zone_kind: str,
    mode: str,
    items: Sequence[tuple[int, int, bool]],
) -> Scored:
    """`items`: (item id, points deducted, has photos) as sent. Quick mode lists the failed
    items only; full mode every item that applies to the zone."""
    seen: set[int] = set()
    deducted = critical = 0
    for index, (item_id, points, has_photos) in enumerate(items):
        rule = rules.get(item_id)
        if rule is None:
            return _refused("invalid_args", f"item {item_id} is not in this version", index)
        if item_id in seen:
            return _refused("invalid_args", f"item {item_id} is scored twice", index)
        seen.add(item_id)
        if rule.zone_kind and rule.zone_kind != zone_kind:
            return _refused("invalid_args", f"item {item_id} is not checked in this zone", index)
        if points > rule.max_points:
            return _refused(
                "score_out_of_range",
                f"item {item_id} has {rule.max_points} points; {points} cannot be deducted",
                index,
            )
        if points and rule.photo_required and not has_photos:
            return _refused("photo_required", f"a deduction on item {item_id} needs a photo", index)
        deducted += points
        critical += bool(points and rule.critical)
    if mode == "full":
        missing = [i for i, r in rules.items() if r.zone_kind in ("", zone_kind) and i not in seen]
        if missing:
            return _refused("invalid_args", f"full mode scores every item: {missing[0]}", None)
    full_marks = sum(r.max_points for r in rules.values())
    total = max(full_marks - deducted, 0)
    if critical:
        total = min(total, critical_cap)
    return Scored(total, deducted, critical)
