"""The due list's rows and the arguments of the patrols intents (msgspec Structs)."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any, Literal

import msgspec
from msgspec import UNSET, UnsetType

from server.syncing.handler_kit import (
    PhotoHash,
    PhotoSet,
    PositiveId,
    RecordRef,
    ShortText,
    Text,
    ZonedDateTime,
)


class DueUnitRead(msgspec.Struct):
    unit_id: int
    building: str
    entrance: str
    number: str
    vacant_since: date | None
    interval_days: int
    last_patrolled: date | None
    due: date
    days_overdue: int


# ---- the patrols intents' arguments --------------------------------------------------------

Result = Literal["pass", "fail", "na"]
MeterReading = Annotated[float, msgspec.Meta(ge=0, le=10_000_000)]


class TemplateItem(msgspec.Struct, forbid_unknown_fields=True):
    key: Annotated[str, msgspec.Meta(min_length=1, max_length=200)]
    zh: Annotated[str, msgspec.Meta(min_length=1, max_length=200)]
    en: Annotated[str, msgspec.Meta(min_length=1, max_length=200)]


class PatrolTemplateUpsert(msgspec.Struct, forbid_unknown_fields=True):
    """`patrol_templates.upsert` (without its id): a new checklist version, whole."""

    site_id: PositiveId
    version: PositiveId
    name: Annotated[str, msgspec.Meta(max_length=200, pattern=r"\S")]
    items: Annotated[list[TemplateItem], msgspec.Meta(min_length=1, max_length=60)]


class ItemAnswer(msgspec.Struct, forbid_unknown_fields=True):
    """One checklist item's answer in `patrols.save`'s items (keyed by the item's key)."""

    result: Result
    note: Text = ""
    label: ShortText = ""
    photos: Annotated[list[PhotoHash], msgspec.Meta(max_length=20)] = msgspec.field(
        default_factory=list
    )


class PatrolSave(msgspec.Struct, forbid_unknown_fields=True):
    """`patrols.save` (without its id): the draft's fields sent; a new draft needs site_id,
    unit_id and template_id. Items are checked one by one (`ItemAnswer`), so that a refusal
    names the item."""

    site_id: PositiveId | UnsetType = UNSET
    unit_id: PositiveId | UnsetType = UNSET
    key_id: RecordRef | UnsetType | None = UNSET
    template_id: RecordRef | UnsetType = UNSET
    items: Annotated[dict[str, Any], msgspec.Meta(max_length=60)] | UnsetType = UNSET
    water_reading: MeterReading | UnsetType | None = UNSET
    electricity_reading: MeterReading | UnsetType | None = UNSET
    photos: PhotoSet | UnsetType = UNSET
    started_at: ZonedDateTime | UnsetType | None = UNSET
    ended_at: ZonedDateTime | UnsetType | None = UNSET
    note: Text | UnsetType = UNSET


class PatrolRef(msgspec.Struct):
    """The patrol a `patrols.save` or `patrols.submit` is about (save's fields: `PatrolSave`)."""

    id: RecordRef
