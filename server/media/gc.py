"""Removing photos no record holds any more, after a grace period (`fieldkeep media gc`)."""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import datetime

import anyio.to_thread
from piccolo.query.functions.aggregate import Max

from server.media.service import file_name
from server.media.storage import MediaStorage
from server.media.tables import Media
from server.syncing.tables import MediaRef

# The row goes only if, at that moment, still no record holds the photo.
_DELETE_UNHELD = (
    "DELETE FROM media WHERE sha256 = {} AND NOT EXISTS (SELECT 1 FROM media_ref"
    " WHERE media_ref.sha256 = {} AND media_ref.released_at_ms IS NULL) RETURNING sha256"
)


@dataclass(frozen=True)
class Removed:
    sha256: str
    bytes: int  # freed on storage (the photo and its thumbnail)


async def collect_garbage(
    storage: MediaStorage, days: float, now_ms: int | None = None
) -> list[Removed]:
    """Photos that no record holds (no media_ref with released_at_ms null) and whose last
    reference was released — or, never referenced, whose upload was — more than `days` ago."""
    cutoff_ms = (now_ms if now_ms is not None else int(time.time() * 1000)) - int(days * 86_400_000)
    held = {
        r["sha256"]
        for r in await MediaRef.select(MediaRef.sha256)
        .where(MediaRef.released_at_ms.is_null())
        .distinct()
    }
    released = {
        r["sha256"]: r["last"]
        for r in await MediaRef.select(
            MediaRef.sha256, Max(MediaRef.released_at_ms, alias="last")
        ).group_by(MediaRef.sha256)
    }
    removed: list[Removed] = []
    for row in await Media.select(Media.sha256, Media.uploaded_at).order_by(Media.sha256):
        sha256: str = row["sha256"]
        if sha256 in held:
            continue
        last_ms = released.get(sha256)
        if last_ms is None:
            last_ms = _ms(row["uploaded_at"])
        if last_ms >= cutoff_ms:
            continue
        if not await Media.raw(_DELETE_UNHELD, sha256, sha256):
            continue  # held again since we looked

        def delete_files(sha256: str = sha256) -> int:
            return storage.delete(file_name(sha256)) + storage.delete(file_name(sha256, True))

        removed.append(Removed(sha256, await anyio.to_thread.run_sync(delete_files)))
    return removed


def _ms(moment: datetime) -> int:
    return int(moment.timestamp() * 1000)
