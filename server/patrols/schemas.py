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


Label = Annotated[str, msgspec.Meta(min_length=1, max_length=200, pattern=r"\S")]
Meter = Literal["water", "electricity"]
# The unit each meter is read in, shown next to its reading.
METER_UNITS: dict[str, str] = {"water": "m³", "electricity": "kWh"}


class TemplateItem(msgspec.Struct, forbid_unknown_fields=True):
    """A checklist item: its label in each language, and whether failing it needs a photo
    (a note is always needed)."""

    key: Annotated[str, msgspec.Meta(min_length=1, max_length=200)]
    zh: Label
    en: Label
    photo_required: bool = False


class LocalName(msgspec.Struct, forbid_unknown_fields=True, rename={"zh_cn": "zh-CN"}):
    """A name in each UI language (zh-CN shown in the Chinese UI, en in the English one)."""

    zh_cn: Label
    en: Label


class TemplateReading(msgspec.Struct, forbid_unknown_fields=True):
    """A meter the checklist reads: which one, in which unit, and whether it is required."""

    meter: Meter
    unit: Literal["m³", "kWh"]
    required: bool = False


class PatrolTemplateUpsert(msgspec.Struct, forbid_unknown_fields=True):
    """`patrol_templates.upsert` (without its id): a new checklist version, whole."""

    site_id: PositiveId
    version: PositiveId
    name: LocalName
    items: Annotated[list[TemplateItem], msgspec.Meta(min_length=1, max_length=60)]
    readings: Annotated[list[TemplateReading], msgspec.Meta(max_length=2)] = msgspec.field(
        default_factory=list
    )


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
