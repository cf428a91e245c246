"""Photos for the media tests, made with Pillow: ordinary ones, and a hostile corpus."""

from __future__ import annotations

import hashlib
import io
import random
import struct
import zipfile
import zlib
from collections.abc import Callable
from typing import Any

from PIL import Image

EXIF_IFD, GPS_IFD, ORIENTATION = 0x8769, 0x8825, 0x0112


def sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def noise(width: int, height: int, seed: int = 1) -> Image.Image:
    """Busy content (JPEG cannot squeeze it to nothing), reproducible by seed."""
    rnd = random.Random(seed)
    small = Image.frombytes(
        "RGB",
        (width // 8 + 1, height // 8 + 1),
        rnd.randbytes((width // 8 + 1) * (height // 8 + 1) * 3),
    )
    return small.resize((width, height), Image.Resampling.BILINEAR)


def jpeg(
    width: int = 640,
    height: int = 480,
    seed: int = 1,
    exif: Image.Exif | None = None,
    **save: Any,
) -> bytes:
    out = io.BytesIO()
    noise(width, height, seed).save(out, "JPEG", quality=90, exif=exif or Image.Exif(), **save)
    return out.getvalue()


def encoded(im: Image.Image, fmt: str, **save: Any) -> bytes:
    out = io.BytesIO()
    im.save(out, fmt, **save)
    return out.getvalue()


def split_red_blue(width: int = 200, height: int = 100) -> Image.Image:
    """Left half red, right half blue."""
    im = Image.new("RGB", (width, height), (255, 0, 0))
    im.paste((0, 0, 255), (width // 2, 0, width, height))
    return im


def evidence_exif(orientation: int = 1) -> Image.Exif:
    """A phone's EXIF: orientation, capture time with offset, GPS (Shanghai)."""
    exif = Image.Exif()
    exif[ORIENTATION] = orientation
    exif[0x010F] = "Huawei"  # Make
    exif[EXIF_IFD] = {0x9003: "2026:11:20 09:30:00", 0x9011: "+08:00"}
    exif[GPS_IFD] = {1: "N", 2: (31.0, 13.0, 48.0), 3: "E", 4: (121.0, 28.0, 12.0)}
    return exif


def _png_chunk(kind: bytes, body: bytes) -> bytes:
    return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))


def png_bomb(width: int = 30_000, height: int = 30_000) -> bytes:
    """A PNG of a few hundred KB that declares width×height 1-bit pixels: a real image of zeros,
    made by writing the IHDR and a deflate stream of all its rows (never decoded in memory)."""
    start = encoded(Image.new("1", (8, 8)), "PNG")
    assert start[:8] == b"\x89PNG\r\n\x1a\n"
    ihdr = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)
    deflate = zlib.compressobj(9)
    row = b"\x00" * ((width + 7) // 8 + 1)  # filter byte + packed bits
    parts = [deflate.compress(row * 1000) for _ in range(height // 1000)]
    parts.append(deflate.compress(row * (height % 1000)))
    parts.append(deflate.flush())
    return (
        start[:8]
        + _png_chunk(b"IHDR", ihdr)
        + _png_chunk(b"IDAT", b"".join(parts))
        + _png_chunk(b"IEND", b"")
    )


def png_declaring(width: int, height: int) -> bytes:
    """A small PNG whose header claims width×height (over our limit, under Pillow's)."""
    data = encoded(Image.new("RGB", (16, 16), (10, 20, 30)), "PNG")
    ihdr_at = data.index(b"IHDR")
    body = struct.pack(">II", width, height) + data[ihdr_at + 12 : ihdr_at + 17]
    return data[: ihdr_at - 4] + _png_chunk(b"IHDR", body) + data[ihdr_at + 21 :]


def png_over_our_limit() -> bytes:
    return png_declaring(8000, 8000)


def truncated(fmt: str) -> Callable[[], bytes]:
    """A real photo in `fmt` cut off part-way through its image data."""

    def make() -> bytes:
        data = encoded(noise(800, 600, seed=4), fmt, quality=90)
        return data[: len(data) * 2 // 3]

    return make


def zip_archive() -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as z:
        z.writestr("payload.html", "<script>alert('owned')</script>")
    return out.getvalue()


def jpeg_zip_polyglot() -> bytes:
    """A valid JPEG with a ZIP archive appended: both `unzip` and image viewers open it."""
    data = jpeg(320, 240, seed=7) + zip_archive()
    assert zipfile.is_zipfile(io.BytesIO(data))
    return data


def jpeg_with_zip_comment() -> bytes:
    """A JPEG carrying a ZIP archive inside its COM (comment) segment."""
    data = jpeg(320, 240, seed=8, comment=zip_archive())
    assert b"PK\x03\x04" in data
    return data


def gif() -> bytes:
    return encoded(Image.new("P", (32, 32), 3), "GIF")


SVG = (
    b'<?xml version="1.0"?>\n<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10">'
    b"<script>alert(1)</script><rect width='10' height='10'/></svg>"
)


def jpeg_segments(data: bytes) -> list[int]:
    """The marker bytes of a JPEG's segments up to its image data (SOS)."""
    assert data[:2] == b"\xff\xd8"
    markers, at = [], 2
    while at < len(data):
        assert data[at] == 0xFF
        marker = data[at + 1]
        markers.append(marker)
        if marker == 0xDA:
            break
        (length,) = struct.unpack(">H", data[at + 2 : at + 4])
        at += 2 + length
    return markers
