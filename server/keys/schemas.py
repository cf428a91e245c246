"""Response bodies of the key reports and the arguments of the keys intents (msgspec Structs)."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Literal

import msgspec
from msgspec import UNSET, UnsetType

from server.syncing.handler_kit import (
    PhotoSet,
    PositiveId,
    RecordRef,
    ShortText,
    Text,
    ZonedDateTime,
)


class KeyOutRead(msgspec.Struct):
    id: str
    code: str
    label: str
    holder_id: int | None
    holder: str
    purpose: str | None
    out_since: str | None
    expected_return: str | None
    overdue: bool


class KeyEventRead(msgspec.Struct):
    id: str
    key_id: str
    code: str
    kind: str
    by_id: int
    by: str
    at: str
    purpose: str | None = None
    to_user_id: int | None = None
    note: str = ""


# ---- the keys intents' arguments -----------------------------------------------------------

Kind = Literal["vacant", "entrusted"]
Purpose = Literal["patrol", "repair", "viewing", "owner_pickup"]


class KeyUpsert(msgspec.Struct, forbid_unknown_fields=True):
    """`keys.upsert` (without its id): the master data sent; a create needs site_id, code and
    kind. Custody fields are the intents'."""

    site_id: PositiveId | UnsetType = UNSET
    unit_id: PositiveId | UnsetType | None = UNSET
    code: Annotated[str, msgspec.Meta(max_length=32)] | UnsetType = UNSET
    kind: Kind | UnsetType = UNSET
    label: ShortText | UnsetType = UNSET
    storage_place: ShortText | UnsetType = UNSET
    owner_name: Annotated[str, msgspec.Meta(max_length=100)] | UnsetType = UNSET
    owner_phone: Annotated[str, msgspec.Meta(max_length=32)] | UnsetType = UNSET
    authorized_people: Annotated[str, msgspec.Meta(max_length=500)] | UnsetType = UNSET
    authorization_until: date | UnsetType | None = UNSET
    authorization_photos: PhotoSet | UnsetType = UNSET
    note: Text | UnsetType = UNSET


class KeyIntentArgs(msgspec.Struct, kw_only=True):
    """What every custody intent takes: the ledger entry's own id, the key, an optional note.
    (Other members are ignored, as they always were, except by `keys.checkout`.)"""

    id: RecordRef
    key_id: RecordRef
    note: Text = ""


# The token scanned from the key's tag (empty: not scanned, refused `key_tag_mismatch`).
Tag = Annotated[str, msgspec.Meta(max_length=200)]


class KeyCheckoutArgs(KeyIntentArgs, forbid_unknown_fields=True):
    purpose: Purpose
    tag: Tag = ""
    expected_return: ZonedDateTime | None = None


class KeyHandoverArgs(KeyIntentArgs):
    to_user_id: PositiveId


class KeyReceiveArgs(KeyIntentArgs):
    tag: Tag = ""
