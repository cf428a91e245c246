"""Wire types of sync protocol v1: the push and pull bodies, as msgspec Structs."""

from __future__ import annotations

import secrets
import time
from typing import Annotated, Any, Literal

import msgspec

# Lower-case canonical form of any version (the PWA makes v7, see `new_id`); ids are compared
# as strings.
UUID_PATTERN = "^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$"
Uuid = Annotated[str, msgspec.Meta(pattern=UUID_PATTERN)]


def new_id(now_ms: int | None = None) -> str:
    """A lower-case uuid v7 (RFC 9562), as the PWA makes ids (pwa/src/sync/hlc.ts): 48 bits of
    Unix milliseconds, then random. Ids made later sort later, so new rows land beside the last
    ones in the indexes instead of on a random page each."""
    ms = time.time_ns() // 1_000_000 if now_ms is None else now_ms
    raw = bytearray(ms.to_bytes(6, "big") + secrets.token_bytes(10))
    raw[6] = raw[6] & 0x0F | 0x70
    raw[8] = raw[8] & 0x3F | 0x80
    h = raw.hex()
    return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"


Status = Literal["applied", "merged", "rejected", "duplicate", "deferred"]


class Mutation(msgspec.Struct, forbid_unknown_fields=True):
    """One change a device asks for. Only what identifies it is checked at decode time: a bad
    name or stamp must come back as a per-mutation refusal, not fail the whole batch (which
    would wedge the device's outbox forever)."""

    id: Uuid
    # At most 2**53 - 1 so that JavaScript numbers hold it exactly.
    seq: Annotated[int, msgspec.Meta(ge=1, le=2**53 - 1)]
    name: str
    args: dict[str, Any]
    hlc: str


class PushRequest(msgspec.Struct, forbid_unknown_fields=True):
    """Body of POST /api/sync/push."""

    device_id: Uuid
    mutations: list[Mutation]


class Conflict(msgspec.Struct):
    """A field whose incoming value lost to a newer stored one."""

    field: str
    kept: Any
    discarded: Any
    why: str


class ErrorInfo(msgspec.Struct):
    """Why a mutation was refused or deferred: a stable code the PWA translates, filling in
    `args` (the values its text names, e.g. {"name": "张伟"})."""

    code: str
    message: str
    field: str | None = None
    args: dict[str, str | int] = msgspec.field(default_factory=dict)


class MutationResult(msgspec.Struct):
    """What became of one mutation. All fields are always encoded (null / [] when empty)."""

    id: str
    status: Status
    revision: int | None = None
    conflicts: list[Conflict] = msgspec.field(default_factory=list)
    error: ErrorInfo | None = None


class PushResponse(msgspec.Struct):
    """Answer to a push; `applied_through` is the device's highest seq with a final status."""

    results: list[MutationResult]
    applied_through: int


class Change(msgspec.Struct):
    """A record's state at `revision`; `deleted` also means "left your scope". `fields` is a
    JSON object ({} on a removal), passed through from the store as it was stored."""

    collection: str
    id: str
    revision: int
    deleted: bool
    fields: msgspec.Raw


NO_FIELDS = msgspec.Raw(b"{}")


class PullResponse(msgspec.Struct):
    """Answer to a pull; on `reset` the device drops its server state (not its outbox) first."""

    changes: list[Change]
    cursor: str
    has_more: bool
    reset: bool = False
