"""The arguments of the findings intents (msgspec Structs): `findings.upsert` and
`findings.comment`."""

from __future__ import annotations

from datetime import date
from typing import Literal, get_args

import msgspec
from msgspec import UNSET, UnsetType

from server.syncing.handler_kit import (
    PhotoSet,
    PositiveId,
    RecordRef,
    Said,
    ShortText,
    Text,
)

Category = Literal["patrol", "cleaning", "greening", "pest", "parking", "other"]
Status = Literal["open", "assigned", "fixed", "verified", "closed"]
CATEGORIES = frozenset(get_args(Category))
STATUSES = frozenset(get_args(Status))


class FindingUpsert(msgspec.Struct, forbid_unknown_fields=True):
    """`findings.upsert` (without its id): the fields sent; a create needs site_id, category
    and description."""

    site_id: PositiveId | UnsetType = UNSET
    unit_id: PositiveId | UnsetType | None = UNSET
    location: ShortText | UnsetType = UNSET
    category: Category | UnsetType = UNSET
    description: Text | UnsetType = UNSET
    photos: PhotoSet | UnsetType = UNSET
    assignee_id: PositiveId | UnsetType | None = UNSET
    due_date: date | UnsetType | None = UNSET
    status: Status | UnsetType = UNSET
    fix_note: Text | UnsetType = UNSET
    fix_photos: PhotoSet | UnsetType = UNSET


class FindingCommentArgs(msgspec.Struct):
    """`findings.comment`: the comment's own id, the finding, and what it says."""

    id: RecordRef
    finding_id: RecordRef
    body: Said
