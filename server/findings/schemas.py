"""The arguments of the findings intents (msgspec Structs): `findings.upsert`, the state
changes (`findings.assign`, `.fix`, `.verify`, `.close`, `.reopen`) and `findings.comment`."""

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
# Categories whose fix is shown, not only told: `findings.fix` needs at least one fix photo.
FIX_PHOTO_CATEGORIES = frozenset({"cleaning", "greening", "pest"})


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
    # Accepted only as it stands (older apps send it on create); changed by the intents below.
    status: Status | UnsetType = UNSET
    fix_note: Text | UnsetType = UNSET
    fix_photos: PhotoSet | UnsetType = UNSET


class FindingCommentArgs(msgspec.Struct):
    """`findings.comment`: the comment's own id, the finding, and what it says."""

    id: RecordRef
    finding_id: RecordRef
    body: Said


class FindingAssignArgs(msgspec.Struct, forbid_unknown_fields=True):
    """`findings.assign`: who fixes it (a member of the finding's site)."""

    id: RecordRef
    assignee_id: PositiveId


class FindingAcceptArgs(msgspec.Struct, forbid_unknown_fields=True):
    """`findings.accept`: the assignee takes the finding on (接单)."""

    id: RecordRef


class FindingFixArgs(msgspec.Struct, forbid_unknown_fields=True):
    """`findings.fix`: what the assignee did, and photos of the result."""

    id: RecordRef
    fix_note: Text = ""
    fix_photos: PhotoSet | UnsetType = UNSET


class FindingVerifyArgs(msgspec.Struct, forbid_unknown_fields=True):
    """`findings.verify`: a supervisor or environment role confirms the fix."""

    id: RecordRef


class FindingCloseArgs(msgspec.Struct, forbid_unknown_fields=True):
    """`findings.close`: a verified finding, or (by a supervisor, with a reason) a duplicate or
    invalid one."""

    id: RecordRef
    reason: Text = ""


class FindingReopenArgs(msgspec.Struct, forbid_unknown_fields=True):
    """`findings.reopen`: a supervisor sends a fixed, verified or closed finding back."""

    id: RecordRef
    reason: Text = ""


class FindingChangeRead(msgspec.Struct):
    """One line of a finding's history: who changed which field, from what to what (photo sets
    as counts), and when (ISO 8601 UTC)."""

    at: str
    by_id: int
    by: str
    field: str
    before: object
    after: object
