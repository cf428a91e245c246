"""Opaque, tamper-evident pull cursors: (epoch, revision, scope) signed with HMAC-SHA256."""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
from typing import Literal, NamedTuple

import msgspec

from ._errors import BadCursor

_VERSION = 1
_MAC_BYTES = 32
# Real cursors are ~150 characters; anything far longer is not ours and not worth decoding.
_MAX_CURSOR_CHARS = 1024

_Payload = tuple[Literal[1], str, int, str]


class CursorData(NamedTuple):
    """What a cursor carries: the store epoch, the revision pulled through, the scope."""

    epoch: str
    revision: int
    scope: str


def scope_fingerprint(site_ids: frozenset[str], roles: frozenset[str]) -> str:
    """A short hash of what an actor may see; a cursor made under another scope is reset."""
    canonical = msgspec.json.encode([sorted(site_ids), sorted(roles)])
    return hashlib.sha256(canonical).hexdigest()[:32]


def _mac(secret: bytes, payload: bytes) -> bytes:
    return hmac.new(secret, payload, hashlib.sha256).digest()


def encode_cursor(data: CursorData, secret: bytes) -> str:
    """base64url(payload + HMAC-SHA256(secret, payload)), unpadded."""
    payload = msgspec.json.encode((_VERSION, data.epoch, data.revision, data.scope))
    return base64.urlsafe_b64encode(payload + _mac(secret, payload)).rstrip(b"=").decode("ascii")


def decode_cursor(token: str, secret: bytes) -> CursorData:
    """Check and open a cursor; anything forged, altered or garbled raises BadCursor."""
    if not isinstance(token, str) or not token.isascii() or len(token) > _MAX_CURSOR_CHARS:
        raise BadCursor("not a cursor")
    try:
        raw = base64.b64decode(token + "=" * (-len(token) % 4), altchars=b"-_", validate=True)
    except (binascii.Error, ValueError) as exc:
        raise BadCursor("not a cursor") from exc
    # A cursor has one spelling: unpadded base64 leaves spare bits in its last character, and a
    # token that differs from ours only there would otherwise open as the same cursor.
    if base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii") != token:
        raise BadCursor("not a cursor")
    payload, mac = raw[:-_MAC_BYTES], raw[-_MAC_BYTES:]
    if len(raw) <= _MAC_BYTES or not hmac.compare_digest(mac, _mac(secret, payload)):
        raise BadCursor("cursor signature does not match")
    try:
        _, epoch, revision, scope = msgspec.json.decode(payload, type=_Payload)
    except msgspec.DecodeError as exc:  # signed by us but not this version's layout
        raise BadCursor("cursor layout not understood") from exc
    if revision < 0:
        raise BadCursor("cursor revision out of range")
    return CursorData(epoch, revision, scope)
