"""Photo rules apart from HTTP: storing an upload once, who may see a photo, reading it back."""

from __future__ import annotations

import asyncio
import io
import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import IO, Any

import anyio
import anyio.to_thread
import msgspec

from server.auth.service import CurrentUser, now
from server.media.processing import Processed, Rejected, process
from server.media.storage import LocalDiskStorage, MediaStorage, Opened, digest
from server.media.tables import Media
from server.settings import Settings
from server.sites.service import user_zone
from server.syncing.store import SqlStore
from server.syncing.tables import MediaRef
from sync import MutationContext, Refusal, StoredRecord

SHA256 = re.compile(r"^[0-9a-f]{64}$")
# Decoding a large photo takes up to a few hundred MB; at most this many run at once per process.
PROCESSING_SLOTS = 2

_sites_decoder = msgspec.json.Decoder(list[str])


def media_storage(settings: Settings) -> MediaStorage:
    """The configured photo store: the data folder's media/ (default), or the S3 bucket."""
    if settings.media.store == "s3" and settings.media.s3 is not None:
        from server.media.s3 import s3_storage  # boto3 loads only when S3 is in use

        return s3_storage(settings.media.s3)
    return LocalDiskStorage(settings.data_dir / "media")


def file_name(sha256: str, thumb: bool = False) -> str:
    return f"{sha256}-thumb.jpg" if thumb else f"{sha256}.jpg"


@dataclass(frozen=True)
class Stored:
    sha256: str
    width: int
    height: int
    created: bool  # False: the photo was already here


class MediaService:
    """One per app: the storage, a limit on concurrent decoding, and per-hash upload locks."""

    def __init__(self, storage: MediaStorage) -> None:
        self.storage = storage
        self._limiter: anyio.CapacityLimiter | None = None
        self._locks: dict[str, tuple[asyncio.Lock, int]] = {}

    @property
    def limiter(self) -> anyio.CapacityLimiter:
        # Made on first use, inside the event loop that serves the app.
        if self._limiter is None:
            self._limiter = anyio.CapacityLimiter(PROCESSING_SLOTS)
        return self._limiter

    @asynccontextmanager
    async def _hash_lock(self, sha256: str) -> AsyncIterator[None]:
        """Uploads of one hash in this process take turns; across processes the atomic rename
        and the insert's ON CONFLICT DO NOTHING keep one file and one row."""
        lock, users = self._locks.get(sha256, (asyncio.Lock(), 0))
        self._locks[sha256] = (lock, users + 1)
        try:
            async with lock:
                yield
        finally:
            lock, users = self._locks[sha256]
            if users == 1:
                del self._locks[sha256]
            else:
                self._locks[sha256] = (lock, users - 1)

    async def _files_present(self, sha256: str) -> bool:
        def both() -> bool:
            return self.storage.exists(file_name(sha256)) and self.storage.exists(
                file_name(sha256, thumb=True)
            )

        return await anyio.to_thread.run_sync(both)

    async def store(self, sha256: str, upload: bytes | IO[bytes], uploader_id: int) -> Stored:
        """Check, process and keep an upload named by its SHA-256; raises Rejected. `upload` may
        be a (seekable) file: the request body spooled to disk is never read whole into memory."""
        source = io.BytesIO(upload) if isinstance(upload, bytes) else upload

        def hashed() -> tuple[str, int]:
            source.seek(0)
            found = digest(source)
            source.seek(0)
            return found

        found, size = await anyio.to_thread.run_sync(hashed)
        if found != sha256:
            raise Rejected("hash_mismatch", 422)
        async with self._hash_lock(sha256):
            row = (
                await Media.select(Media.width, Media.height).where(Media.sha256 == sha256).first()
            )
            if row is not None and await self._files_present(sha256):
                return Stored(sha256, row["width"], row["height"], created=False)
            zone = await user_zone(uploader_id)
            processed: Processed = await anyio.to_thread.run_sync(
                process, source, zone, limiter=self.limiter
            )

            def write() -> None:
                # The thumbnail first: a present full image means a complete pair.
                self.storage.put(file_name(sha256, thumb=True), io.BytesIO(processed.thumb))
                self.storage.put(file_name(sha256), io.BytesIO(processed.image))

            await anyio.to_thread.run_sync(write)
            if row is not None:  # the row outlived its files (a restore, a GC race): rewritten
                return Stored(sha256, row["width"], row["height"], created=False)
            meta = processed.metadata
            inserted = await (
                Media.insert(
                    Media(
                        sha256=sha256,
                        uploader_id=uploader_id,
                        content_type=processed.content_type,
                        width=processed.width,
                        height=processed.height,
                        bytes=size,
                        taken_at=meta.taken_at,
                        gps_lat=meta.gps_lat,
                        gps_lon=meta.gps_lon,
                        uploaded_at=now(),
                    )
                )
                .on_conflict(target=Media.sha256, action="DO NOTHING")
                .returning(Media.sha256)
            )
            return Stored(sha256, processed.width, processed.height, created=bool(inserted))

    async def visible(self, user: CurrentUser, sha256: str) -> dict[str, Any] | None:
        """The photo's row when this user may see it, else None (missing and hidden look alike).
        Its uploader may; so may a member of a site that a record holding the photo belongs to
        (an admin: of any such record)."""
        row = await (
            Media.select(
                *Media.all_columns(),
                Media.uploader_id.username.as_alias("uploader_username"),
                Media.uploader_id.display_name.as_alias("uploader_display_name"),
            )
            .where(Media.sha256 == sha256)
            .first()
        )
        if row is None:
            return None
        if row["uploader_id"] == user.id:
            return row
        refs = await MediaRef.select(MediaRef.sites).where(
            (MediaRef.sha256 == sha256) & MediaRef.released_at_ms.is_null()
        )
        if refs and "admin" in user.roles:
            return row
        mine = {str(site) for site in user.site_ids}
        for ref in refs:
            try:
                sites = _sites_decoder.decode(ref["sites"])
            except msgspec.DecodeError:
                continue
            if mine.intersection(sites):
                return row
        return None

    async def open(self, sha256: str, thumb: bool) -> Opened | None:
        return await anyio.to_thread.run_sync(self.storage.open, file_name(sha256, thumb))

    async def exists(self, sha256: str, thumb: bool) -> bool:
        return await anyio.to_thread.run_sync(self.storage.exists, file_name(sha256, thumb))


async def check_named_photos(
    ctx: MutationContext, record: StoredRecord, added: frozenset[str]
) -> None:
    """A record may name a photo the server already has only when its author uploaded it or a
    record of the same site holds it (or this record held it before); else knowing a photo's
    hash would be enough to read it (name it in a record of your own site, then GET it).
    A hash the server does not have yet is accepted: records may arrive before their photos,
    and such a hash is known only to whoever holds the photo or pulled its record."""
    if not isinstance(ctx.store, SqlStore):
        raise TypeError("photo checks need the SQL store")
    store = ctx.store
    key = f"{record.collection}/{record.id}"
    for sha256 in sorted(added):
        media = await store.read("SELECT uploader_id FROM media WHERE sha256 = ?", sha256)
        if not media or str(media[0][0]) == ctx.actor.user_id:
            continue
        if any(record.sites.intersection(sites) for sites in await store.photo_sites(sha256, key)):
            continue
        field = next(
            (n for n, v in sorted(record.fields.items()) if isinstance(v, list) and sha256 in v),
            None,
        )
        raise Refusal(
            "photo_unknown",
            "this photo was not uploaded by you and is not one of this site's photos",
            field,
            {"photo": sha256},
        )
