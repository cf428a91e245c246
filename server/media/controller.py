"""/api/media: content-addressed photo upload (PUT), existence check (HEAD), reads (GET), and the
evidence metadata a supervisor checks (GET …/info). Design rule 7."""

from __future__ import annotations

from typing import Any, Literal

from litestar import Request, Response, get, head, put
from litestar.di import Provide
from litestar.exceptions import HTTPException

from server.auth.guards import provide_current_user, requires_user
from server.auth.service import CurrentUser
from server.errors import AppError
from server.media.processing import MAX_UPLOAD_BYTES, Rejected
from server.media.schemas import (
    MediaInfoRead,
    UploaderRead,
    UploadRead,
)
from server.media.service import SHA256, MediaService, media_storage
from server.settings import Settings

CACHE_CONTROL = "private, max-age=31536000, immutable"
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


async def _read_body(request: Request[Any, Any, Any]) -> bytes:
    """The body, refused past MAX_UPLOAD_BYTES (Litestar enforces the route's limit as well)."""
    chunks: list[bytes] = []
    total = 0
    try:
        async for chunk in request.stream():
            total += len(chunk)
            if total > MAX_UPLOAD_BYTES:
                raise AppError("photo_too_large", 413, limit=_limit_text())
            chunks.append(chunk)
    except HTTPException as exc:
        if exc.status_code == 413:
            raise AppError("photo_too_large", 413, limit=_limit_text()) from None
        raise
    return b"".join(chunks)


@put(
    "/api/media/{sha256:str}",
    guards=[requires_user],
    dependencies=DEPENDENCIES,
    request_max_body_size=MAX_UPLOAD_BYTES,
)
async def upload(
    request: Request[Any, Any, Any], sha256: str, user: CurrentUser, media: MediaService
) -> Response[UploadRead]:
    """Store a photo under the SHA-256 of its bytes: 201 when stored now, 200 when it was here."""
    _checked_name(sha256)
    data = await _read_body(request)
    if not data:
        raise AppError("photo_empty", 400)
    try:
        stored = await media.store(sha256, data, user.id)
    except Rejected as exc:
        raise AppError(exc.code, exc.status, **exc.params) from None
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


@get("/api/media/{sha256:str}", guards=[requires_user], dependencies=DEPENDENCIES)
async def download(
    request: Request[Any, Any, Any],
    sha256: str,
    user: CurrentUser,
    media: MediaService,
    size: Size = "full",
) -> Response[bytes]:
    """The photo as a JPEG (upright, no metadata), or its 320-px thumbnail with ?size=thumb."""
    _checked_name(sha256)
    if await media.visible(user, sha256) is None:
        raise AppError("not_found", 404)
    etag = _etag(sha256, size)
    headers = {"ETag": etag, "Cache-Control": CACHE_CONTROL}
    if _not_modified(request, etag):
        return Response(b"", status_code=304, headers=headers)
    data = await media.read(sha256, thumb=size == "thumb")
    if data is None:
        raise AppError("not_found", 404)
    return Response(data, media_type="image/jpeg", headers=headers)


@head("/api/media/{sha256:str}", guards=[requires_user], dependencies=DEPENDENCIES)
async def exists(
    request: Request[Any, Any, Any],
    sha256: str,
    user: CurrentUser,
    media: MediaService,
    size: Size = "full",
) -> Response[None]:
    """200 when the server has the photo (and this user may see it), else 404: PUT it."""
    _checked_name(sha256)
    if await media.visible(user, sha256) is None or not await media.exists(
        sha256, thumb=size == "thumb"
    ):
        return Response(None, status_code=404)
    etag = _etag(sha256, size)
    headers = {"ETag": etag, "Cache-Control": CACHE_CONTROL, "Content-Type": "image/jpeg"}
    status = 304 if _not_modified(request, etag) else 200
    return Response(None, status_code=status, headers=headers)


@get("/api/media/{sha256:str}/info", guards=[requires_user], dependencies=DEPENDENCIES)
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
