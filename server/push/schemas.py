"""Request and response bodies of the push API (msgspec Structs)."""

from __future__ import annotations

from typing import Annotated, Literal

import msgspec

from server.push.endpoints import MAX_ENDPOINT

Short = Annotated[str, msgspec.Meta(max_length=200)]


class SubscriptionKeys(msgspec.Struct, forbid_unknown_fields=True):
    p256dh: Annotated[str, msgspec.Meta(min_length=1, max_length=128)]
    auth: Annotated[str, msgspec.Meta(min_length=1, max_length=64)]


class SubscriptionCreate(msgspec.Struct, forbid_unknown_fields=True):
    """What `PushSubscription.toJSON()` gives, plus the device's name and UI language."""

    endpoint: Annotated[str, msgspec.Meta(min_length=1, max_length=MAX_ENDPOINT)]
    keys: SubscriptionKeys
    device: Short = ""
    language: Literal["zh-CN", "en", ""] = ""
    expirationTime: int | float | None = None  # the browser's name for it


class SubscriptionRead(msgspec.Struct):
    id: int
    endpoint: str
    device: str
    language: str


class SubscriptionDelete(msgspec.Struct, forbid_unknown_fields=True):
    endpoint: Annotated[str, msgspec.Meta(min_length=1, max_length=MAX_ENDPOINT)]


class VapidKeyRead(msgspec.Struct):
    public_key: str  # the applicationServerKey: base64url of the uncompressed P-256 point


class PreferencesRead(msgspec.Struct):
    review_requested: bool = True
    rejected: bool = True
    key_overdue: bool = True
    finding_overdue: bool = True
    parking_variance: bool = True
    permit_expiring: bool = True


class PreferencesUpdate(msgspec.Struct, forbid_unknown_fields=True):
    """Only the kinds named change."""

    review_requested: bool | None = None
    rejected: bool | None = None
    key_overdue: bool | None = None
    finding_overdue: bool | None = None
    parking_variance: bool | None = None
    permit_expiring: bool | None = None
