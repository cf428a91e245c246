"""A key's tag: the token its QR label carries. Every custodian pulls the key, so the key
record carries only the token's hash (`tag_hash`); `keys.checkout` and `keys.receive` send the
scanned token, and a match proves the tag was in hand. A new key's token is derived from its id
with the server's secret (nothing to store, nothing to pull); a key registered before keeps the
random token already printed on its label, in a `key_tags` record of no site (no device pulls
it). `fieldkeep migrate` moves those tokens off the key records.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from collections.abc import Mapping
from functools import cache
from pathlib import Path
from typing import Any

from server.secret_files import load_or_create_secret
from server.syncing.handler_kit import ServerKeptHandler
from sync import SyncEngine, Write

COLLECTION = "key_tags"


def tag_hash(token: str) -> str:
    """SHA-256 hex of the token: what the PWA computes from a scanned `/k/<token>`."""
    return hashlib.sha256(token.encode()).hexdigest()


@cache
def _secret(data_dir: Path) -> bytes:
    return load_or_create_secret(data_dir, "key_tag.key", None)


def derived_token(data_dir: Path, key_id: str) -> str:
    """The token of a key registered since tags were hashed: opaque, names no unit."""
    digest = hmac.new(_secret(data_dir), f"key-tag:{key_id}".encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest[:16]).decode().rstrip("=")


def matches(tag: str, fields: Mapping[str, Any]) -> bool:
    expected = fields.get("tag_hash")
    return isinstance(expected, str) and bool(tag) and hmac.compare_digest(tag_hash(tag), expected)


async def token_of(data_dir: Path, key_id: str) -> str:
    """The token printed on a key's label (for the label sheets only)."""
    from server.syncing.records import record_by_id

    kept = await record_by_id(COLLECTION, key_id)
    return str(kept["token"]) if kept else derived_token(data_dir, key_id)


async def upgrade_key_tags(engine: SyncEngine) -> int:
    """Moves the token of every key that still carries it (`qr_token`) into a `key_tags`
    record and puts its hash on the key (`fieldkeep migrate`); returns how many moved."""
    from server.sites.tables import Site
    from server.syncing.records import records_of_site

    moved = 0
    for site in await Site.select(Site.id):
        for key in await records_of_site("keys", site["id"]):
            token = key.get("qr_token")
            if not token:
                continue
            await engine.server_write(
                [
                    Write(collection=COLLECTION, id=key["id"], fields={"token": token}),
                    Write(
                        collection="keys",
                        id=key["id"],
                        fields={"qr_token": None, "tag_hash": tag_hash(token)},
                    ),
                ]
            )
            moved += 1
    return moved


class KeyTagsHandler(ServerKeptHandler):
    """Tokens of keys registered before tags were hashed; written only by `upgrade_key_tags`."""

    collection = COLLECTION
    refusal = "key tags are kept by the server"
