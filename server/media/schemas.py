"""Response bodies of the photos API (msgspec Structs)."""

from __future__ import annotations

from datetime import datetime

import msgspec


class UploadRead(msgspec.Struct):
    sha256: str
    width: int
    height: int


class UploaderRead(msgspec.Struct):
    id: int
    username: str
    display_name: str


class MediaInfoRead(msgspec.Struct):
    sha256: str
    width: int
    height: int
    content_type: str
    bytes: int
    taken_at: datetime | None
    gps_lat: float | None
    gps_lon: float | None
    uploaded_at: datetime
    uploader: UploaderRead | None  # None if the account was deleted
