"""Turning an uploaded photo into what the server serves: checked, upright, metadata-free.

`process(data)` is plain blocking Python (run it in a worker thread). It accepts JPEG, PNG and
WebP by content, refuses anything else, and never passes the uploaded bytes through: the output
is always a fresh JPEG encoded from decoded pixels, so nothing riding along in the upload (EXIF,
GPS, XMP, comments, appended archives) reaches a reader.
"""

from __future__ import annotations

import io
import math
import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, timezone, tzinfo
from typing import IO, Any
from zoneinfo import ZoneInfo

from PIL import Image, ImageCms

from server.sites.tables import DEFAULT_TIMEZONE

MAX_UPLOAD_BYTES = 15 * 1024 * 1024
# Pillow's own bomb guard warns at 89 MP and refuses at 179 MP; a phone photo is at most ~50 MP.
MAX_PIXELS = 50_000_000
LONG_EDGE = 2048
# A JPEG may be decoded at 1/2, 1/4 or 1/8 scale (DCT scaling, far cheaper than decoding in full
# and resampling) when that still leaves a long edge of at least this: a 4000×3000 photo is
# served at 2000×1500 instead of 2048×1536.
MIN_SCALED_EDGE = 1920
THUMB_EDGE = 320
QUALITY = 85
THUMB_QUALITY = 80

CONTENT_TYPES = {"JPEG": "image/jpeg", "PNG": "image/png", "WEBP": "image/webp"}

# EXIF tags
ORIENTATION = 0x0112
EXIF_IFD = 0x8769
GPS_IFD = 0x8825
DATETIME_ORIGINAL = 0x9003
OFFSET_TIME_ORIGINAL = 0x9011
GPS_LAT_REF, GPS_LAT, GPS_LON_REF, GPS_LON = 1, 2, 3, 4

# What ImageOps.exif_transpose does per orientation; applied after downscaling, where it is cheap.
TRANSPOSE = {
    2: Image.Transpose.FLIP_LEFT_RIGHT,
    3: Image.Transpose.ROTATE_180,
    4: Image.Transpose.FLIP_TOP_BOTTOM,
    5: Image.Transpose.TRANSPOSE,
    6: Image.Transpose.ROTATE_270,
    7: Image.Transpose.TRANSVERSE,
    8: Image.Transpose.ROTATE_90,
}

_SRGB = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB"))
_OFFSET = re.compile(r"^([+-])(\d\d):(\d\d)$")


class Rejected(Exception):
    """The upload is not a photo we take: a stable code, an HTTP status, message parameters."""

    def __init__(self, code: str, status: int, **params: Any) -> None:
        super().__init__(code)
        self.code = code
        self.status = status
        self.params = params


@dataclass(frozen=True)
class Metadata:
    orientation: int = 1
    taken_at: datetime | None = None
    gps_lat: float | None = None
    gps_lon: float | None = None


@dataclass(frozen=True)
class Processed:
    content_type: str  # of the upload
    width: int  # of the served image
    height: int
    image: bytes  # normalized JPEG
    thumb: bytes  # JPEG, long edge THUMB_EDGE at most
    metadata: Metadata


def sniff(data: bytes) -> str | None:
    """The Pillow format name the leading bytes announce, for the three formats we take."""
    if data.startswith(b"\xff\xd8\xff"):
        return "JPEG"
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "PNG"
    if len(data) >= 12 and data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "WEBP"
    return None


def process(data: bytes | IO[bytes], camera_zone: tzinfo | None = None) -> Processed:
    """`data`: the upload's bytes, or a seekable file positioned at its start (read from there,
    never whole into memory). `camera_zone`: where a capture time without an offset was taken
    (default: the default site zone)."""
    source = io.BytesIO(data) if isinstance(data, bytes) else data
    start = source.tell()
    fmt = sniff(source.read(12))
    source.seek(start)
    if fmt is None:
        raise Rejected("unsupported_media", 415)
    try:
        # formats=[fmt]: only the plugin the magic bytes name may claim the file.
        im = Image.open(source, formats=[fmt])
    except Image.DecompressionBombError:
        raise Rejected("image_too_large", 422, limit=_megapixels(MAX_PIXELS)) from None
    except Exception:
        raise Rejected("image_corrupt", 422) from None
    with im:
        if im.format != fmt:
            raise Rejected("unsupported_media", 415)
        width, height = im.size
        if width < 1 or height < 1:
            raise Rejected("image_corrupt", 422)
        if width * height > MAX_PIXELS:
            raise Rejected("image_too_large", 422, limit=_megapixels(MAX_PIXELS))
        metadata = read_metadata(im, camera_zone or ZoneInfo(DEFAULT_TIMEZONE))
        icc = im.info.get("icc_profile")
        try:
            if fmt == "JPEG":
                _draft(im)
            im.load()
            upright = _normalize(im, metadata.orientation, icc)
        except Image.DecompressionBombError:
            raise Rejected("image_too_large", 422, limit=_megapixels(MAX_PIXELS)) from None
        except Rejected:
            raise
        except Exception:
            # Truncated or corrupt data (Pillow raises OSError, SyntaxError, ValueError, …).
            raise Rejected("image_corrupt", 422) from None
        thumb = upright.resize(
            _fit(upright.size, THUMB_EDGE), Image.Resampling.LANCZOS, reducing_gap=2.0
        )
        return Processed(
            content_type=CONTENT_TYPES[fmt],
            width=upright.width,
            height=upright.height,
            image=_jpeg(upright, QUALITY),
            thumb=_jpeg(thumb, THUMB_QUALITY),
            metadata=metadata,
        )


def _draft(im: Image.Image) -> None:
    """Ask libjpeg to decode at the smallest 1/2^n scale that keeps MIN_SCALED_EDGE."""
    long_edge = max(im.size)
    for scale in (8, 4, 2):
        if long_edge // scale >= MIN_SCALED_EDGE:
            im.draft("RGB", (im.width // scale, im.height // scale))
            return


def _normalize(im: Image.Image, orientation: int, icc: object) -> Image.Image:
    """RGB (transparency on white), long edge LONG_EDGE at most, sRGB, upright."""
    rgb = _to_rgb(im)
    target = _fit(rgb.size, LONG_EDGE)
    if target != rgb.size:
        rgb = rgb.resize(target, Image.Resampling.LANCZOS, reducing_gap=3.0)
    if isinstance(icc, bytes) and icc:
        rgb = _to_srgb(rgb, icc)
    if orientation in TRANSPOSE:
        rgb = rgb.transpose(TRANSPOSE[orientation])
    return rgb


def _to_rgb(im: Image.Image) -> Image.Image:
    mode = im.mode
    if mode == "RGB":
        return im
    if mode in ("RGBA", "LA", "PA", "RGBa", "La") or (mode == "P" and "transparency" in im.info):
        rgba = im.convert("RGBA")
        out = Image.new("RGB", rgba.size, (255, 255, 255))
        out.paste(rgba, mask=rgba.getchannel("A"))
        return out
    if mode.startswith(("I", "F")):
        # 16-bit (or wider) grey: scale to 8 bits rather than clip.
        return im.convert("I").point(lambda v: v * (1 / 256)).convert("L").convert("RGB")
    return im.convert("RGB")


def _to_srgb(im: Image.Image, icc: bytes) -> Image.Image:
    """Colours as the camera meant them once its profile (e.g. Display P3) is dropped."""
    try:
        source = ImageCms.ImageCmsProfile(io.BytesIO(icc))
        if source.profile.xcolor_space.strip() != "RGB":
            return im
        converted = ImageCms.profileToProfile(im, source, _SRGB, outputMode="RGB")
    except (ImageCms.PyCMSError, OSError, ValueError, TypeError):
        return im
    return converted if isinstance(converted, Image.Image) else im


def _fit(size: tuple[int, int], edge: int) -> tuple[int, int]:
    width, height = size
    if max(width, height) <= edge:
        return size
    ratio = edge / max(width, height)
    return max(1, round(width * ratio)), max(1, round(height * ratio))


def _jpeg(im: Image.Image, quality: int) -> bytes:
    # A clean copy of the pixels: no info dict, so no EXIF, XMP, ICC or comment is written.
    im.info = {}
    out = io.BytesIO()
    im.save(out, "JPEG", quality=quality)
    return out.getvalue()


def _megapixels(pixels: int) -> str:
    return f"{pixels // 1_000_000} MP"


# ---- metadata ----------------------------------------------------------------------------


def read_metadata(im: Image.Image, camera_zone: tzinfo) -> Metadata:
    """Orientation, capture time and GPS position; a malformed EXIF block counts as none."""
    try:
        exif = im.getexif()
        orientation = exif.get(ORIENTATION, 1)
        exif_ifd = exif.get_ifd(EXIF_IFD)
        gps = exif.get_ifd(GPS_IFD)
    except Exception:
        return Metadata()
    lat = _degrees(gps.get(GPS_LAT), gps.get(GPS_LAT_REF), "S", 90)
    lon = _degrees(gps.get(GPS_LON), gps.get(GPS_LON_REF), "W", 180)
    if lat is None or lon is None:
        lat = lon = None
    return Metadata(
        orientation=orientation if isinstance(orientation, int) else 1,
        taken_at=_taken_at(
            exif_ifd.get(DATETIME_ORIGINAL), exif_ifd.get(OFFSET_TIME_ORIGINAL), camera_zone
        ),
        gps_lat=lat,
        gps_lon=lon,
    )


def _taken_at(value: object, offset: object, camera_zone: tzinfo) -> datetime | None:
    if not isinstance(value, str):
        return None
    try:
        local = datetime.strptime(value.strip("\x00 "), "%Y:%m:%d %H:%M:%S")
    except ValueError:
        return None
    zone = camera_zone
    match = _OFFSET.match(offset.strip("\x00 ")) if isinstance(offset, str) else None
    if match:
        sign = -1 if match.group(1) == "-" else 1
        minutes = int(match.group(2)) * 60 + int(match.group(3))
        if minutes <= 14 * 60:
            zone = timezone(sign * timedelta(minutes=minutes))
    if not 1990 <= local.year <= 2100:
        return None
    return local.replace(tzinfo=zone).astimezone(UTC)


def _degrees(value: object, ref: object, negative: str, limit: float) -> float | None:
    if not isinstance(value, tuple) or len(value) != 3:
        return None
    try:
        d, m, s = (float(part) for part in value)
    except (TypeError, ValueError, ZeroDivisionError):
        return None
    degrees = d + m / 60 + s / 3600
    if not math.isfinite(degrees) or not 0 <= degrees <= limit:
        return None
    if isinstance(ref, bytes):
        ref = ref.decode("ascii", "replace")
    if isinstance(ref, str) and ref.strip("\x00 ").upper() == negative:
        degrees = -degrees
    return round(degrees, 7)
