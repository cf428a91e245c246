"""/api/media: content-addressed photo upload (PUT), existence check (HEAD), reads (GET), and the
evidence metadata a supervisor checks (GET …/info). Design rule 7."""

from __future__ import annotations

import logging
import tempfile
from collections.abc import AsyncIterator
from typing import IO, Any, Literal

import anyio.to_thread
from litestar import Request, Response, get, head, put
from litestar.di import Provide
from litestar.exceptions import HTTPException
from litestar.openapi.datastructures import ResponseSpec
from litestar.response import Stream

from server.auth.guards import provide_current_user
from server.auth.service import CurrentUser
from server.errors import AppError
from server.media.processing import MAX_UPLOAD_BYTES, Rejected
from server.media.schemas import (
    MediaInfoRead,
    UploaderRead,
    UploadRead,
)
from server.media.service import SHA256, MediaService, media_storage
from server.media.storage import Opened, StorageUnavailable
from server.openapi import JPEG, files, refusals
from server.settings import Settings

log = logging.getLogger("fieldkeep.media")

CACHE_CONTROL = "private, max-age=31536000, immutable"
# An upload past this much is spooled to a temporary file instead of held in memory.
SPOOL_IN_MEMORY = 1 << 20
# A read from the store per chunk of a download (a thumbnail is one chunk, a photo a few).
CHUNK = 256 << 10
Size = Literal["full", "thumb"]


def provide_media(request: Request[Any, Any, Any], settings: Settings) -> MediaService:
    service = request.app.state.get("media_service")
    if not isinstance(service, MediaService):
        service = MediaService(media_storage(settings))
        request.app.state.media_service = service
    return service


DEPENDENCIES = {
    "user": Provide(provide_current_user),
    "media": Provide(provide_media, sync_to_thread=False),
}


def _checked_name(sha256: str) -> str:
    if not SHA256.match(sha256):
        raise AppError("bad_hash", 400, field="sha256")
    return sha256


def _limit_text() -> str:
    return f"{MAX_UPLOAD_BYTES // 1_048_576} MB"


async def _spool_body(request: Request[Any, Any, Any], spool: IO[bytes]) -> int:
    """Write the body into `spool` as it arrives; its length. Refused past MAX_UPLOAD_BYTES
    (Litestar enforces the route's limit as well)."""
    total = 0
    try:
        async for chunk in request.stream():
            total += len(chunk)
            if total > MAX_UPLOAD_BYTES:
                raise AppError("photo_too_large", 413, limit=_limit_text())
            spool.write(chunk)
    except HTTPException as exc:
        if exc.status_code == 413:
            raise AppError("photo_too_large", 413, limit=_limit_text()) from None
        raise
    spool.seek(0)
    return total


def _unavailable(exc: StorageUnavailable) -> AppError:
    # The store (S3) is down or refuses us: the phone keeps the photo and tries again later.
    log.warning("media store unavailable: %s", exc)
    return AppError("service_unavailable", 503, headers={"Retry-After": "60"})


@put(
    "/api/media/{sha256:str}",
    dependencies=DEPENDENCIES,
    request_max_body_size=MAX_UPLOAD_BYTES,
    operation_class=files(body=("image/jpeg", "image/png", "image/webp")),
    responses={
        201: ResponseSpec(UploadRead, description="Stored now (200: it was here)"),
        **refusals(415, 422),
    },
)
async def upload(
    request: Request[Any, Any, Any], sha256: str, user: CurrentUser, media: MediaService
) -> Response[UploadRead]:
    """Store a photo under the SHA-256 of its bytes: 201 when stored now, 200 when it was here."""
    _checked_name(sha256)
    with tempfile.SpooledTemporaryFile(max_size=SPOOL_IN_MEMORY) as spool:
        if not await _spool_body(request, spool):
            raise AppError("photo_empty", 400)
        try:
            stored = await media.store(sha256, spool, user.id)
        except Rejected as exc:
            raise AppError(exc.code, exc.status, **exc.params) from None
        except StorageUnavailable as exc:
            raise _unavailable(exc) from None
    return Response(
        UploadRead(sha256=stored.sha256, width=stored.width, height=stored.height),
        status_code=201 if stored.created else 200,
    )


def _etag(sha256: str, size: Size) -> str:
    return f'"{sha256}-thumb"' if size == "thumb" else f'"{sha256}"'


def _not_modified(request: Request[Any, Any, Any], etag: str) -> bool:
    header = request.headers.get("if-none-match")
    if not header:
        return False
    tags = {t.strip().removeprefix("W/") for t in header.split(",")}
    return "*" in tags or etag in tags


@get(
    "/api/media/{sha256:str}",
    dependencies=DEPENDENCIES,
    media_type=JPEG,
    responses={304: ResponseSpec(None, description="Not modified (If-None-Match)")},
)
async def download(
    request: Request[Any, Any, Any],
    sha256: str,
    user: CurrentUser,
    media: MediaService,
    size: Size = "full",
) -> Response[bytes] | Stream:
    """The photo as a JPEG (upright, no metadata), or its 320-px thumbnail with ?size=thumb."""
    _checked_name(sha256)
    if await media.visible(user, sha256) is None:
        raise AppError("not_found", 404)
    etag = _etag(sha256, size)
    headers = {"ETag": etag, "Cache-Control": CACHE_CONTROL}
    if _not_modified(request, etag):
        return Response(b"", status_code=304, headers=headers)
    try:
        opened = await media.open(sha256, thumb=size == "thumb")
    except StorageUnavailable as exc:
        raise _unavailable(exc) from None
    if opened is None:
        raise AppError("not_found", 404)
    headers["Content-Length"] = str(opened.size)
    return Stream(_chunks(opened), media_type=JPEG, headers=headers)


async def _chunks(opened: Opened) -> AsyncIterator[bytes]:
    """The file as it is read from the store, never whole in memory; closed however it ends
    (also when the client goes away)."""
    remaining = opened.size
    try:
        while remaining > 0:
            chunk = await anyio.to_thread.run_sync(opened.body.read, min(CHUNK, remaining))
            if not chunk:
                break  # shorter than announced: the client sees a cut response, not a wrong one
            remaining -= len(chunk)
            yield chunk
    finally:
        opened.body.close()


@head(
    "/api/media/{sha256:str}",
    dependencies=DEPENDENCIES,
    operation_class=files(answers=(JPEG,), json=False),  # no body: the headers a GET would send
    responses={304: ResponseSpec(None, description="Not modified (If-None-Match)")},
)
async def exists(
    request: Request[Any, Any, Any],
    sha256: str,
    user: CurrentUser,
    media: MediaService,
    size: Size = "full",
) -> Response[None]:
    """200 when the server has the photo (and this user may see it), else 404: PUT it."""
    _checked_name(sha256)
    if await media.visible(user, sha256) is None:
        return Response(None, status_code=404)
    try:
        if not await media.exists(sha256, thumb=size == "thumb"):
            return Response(None, status_code=404)
    except StorageUnavailable as exc:
        raise _unavailable(exc) from None
    etag = _etag(sha256, size)
    headers = {"ETag": etag, "Cache-Control": CACHE_CONTROL, "Content-Type": JPEG}
    status = 304 if _not_modified(request, etag) else 200
    return Response(None, status_code=status, headers=headers)


@get("/api/media/{sha256:str}/info", dependencies=DEPENDENCIES)
async def info(sha256: str, user: CurrentUser, media: MediaService) -> MediaInfoRead:
    """Capture time, GPS position and uploader of a photo: evidence a supervisor checks."""
    _checked_name(sha256)
    row = await media.visible(user, sha256)
    if row is None:
        raise AppError("not_found", 404)
    return MediaInfoRead(
        sha256=row["sha256"],
        width=row["width"],
        height=row["height"],
        content_type=row["content_type"],
        bytes=row["bytes"],
        taken_at=row["taken_at"],
        gps_lat=row["gps_lat"],
        gps_lon=row["gps_lon"],
        uploaded_at=row["uploaded_at"],
        uploader=None
        if row["uploader_id"] is None
        else UploaderRead(
            id=row["uploader_id"],
            username=row["uploader_username"],
            display_name=row["uploader_display_name"],
        ),
    )


ROUTES = [upload, download, exists, info]
