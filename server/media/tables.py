"""The photos the server holds, one row per SHA-256 of the bytes a phone uploaded."""

from piccolo.columns import (
    DoublePrecision,
    ForeignKey,
    Integer,
    OnDelete,
    Timestamptz,
    Varchar,
)
from piccolo.table import Table

from server.auth.tables import AppUser


class Media(Table, tablename="media"):
    """A stored photo. What is served is a normalized JPEG (and a thumbnail) made from the upload;
    `sha256` names the upload's original bytes. Capture time and GPS position come from the
    upload's EXIF and are kept here, never in the served files."""

    sha256 = Varchar(length=64, primary_key=True)
    # Users are disabled, not deleted; if one ever is, their photos stay (uploader unknown).
    uploader_id = ForeignKey(references=AppUser, index=True, null=True, on_delete=OnDelete.set_null)
    content_type = Varchar(length=32)  # of the upload: image/jpeg, image/png or image/webp
    width = Integer()  # of the served (upright, normalized) image
    height = Integer()
    bytes = Integer()  # of the upload
    # EXIF DateTimeOriginal in UTC; a camera time without an offset is read in the uploader's
    # site zone.
    taken_at = Timestamptz(null=True, default=None)
    gps_lat = DoublePrecision(null=True, default=None)
    gps_lon = DoublePrecision(null=True, default=None)
    uploaded_at = Timestamptz(index=True)
