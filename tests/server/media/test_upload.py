"""PUT /api/media/<sha256> over the real app: the hostile corpus, what is served, idempotency."""

from __future__ import annotations

import asyncio
import io
import os
import zipfile
from collections.abc import Callable

import pytest
from PIL import Image

from server.media.service import file_name, media_storage
from server.media.tables import Media
from server.settings import Settings
from tests.conftest import ApiClient, make_user
from tests.server.media import corpus
from tests.server.media.conftest import (
    both_stores,
    put_photo,
    stored_bytes,
    stored_files,
    stored_names,
)
from tests.server.media.corpus import sha


def hostile() -> list[tuple[str, Callable[[], bytes], int, str]]:
    too_large, corrupt, unsupported = "image_too_large", "image_corrupt", "unsupported_media"
    return [
        ("png bomb 30000x30000", corpus.png_bomb, 422, too_large),
        ("png declaring 8000x8000", corpus.png_over_our_limit, 422, too_large),
        ("truncated jpeg", corpus.truncated("JPEG"), 422, corrupt),
        ("truncated png", corpus.truncated("PNG"), 422, corrupt),
        ("truncated webp", corpus.truncated("WEBP"), 422, corrupt),
        ("jpeg magic then junk", lambda: b"\xff\xd8\xff\xe0" + os.urandom(4000), 422, corrupt),
        ("png magic then junk", lambda: b"\x89PNG\r\n\x1a\n" + os.urandom(200), 422, corrupt),
        ("text named .jpg", lambda: "不是照片 not a photo\n".encode() * 20, 415, unsupported),
        ("svg", lambda: corpus.SVG, 415, unsupported),
        ("gif", corpus.gif, 415, unsupported),
        ("zip", corpus.zip_archive, 415, unsupported),
        ("html", lambda: b"<!doctype html><script>alert(1)</script>", 415, unsupported),
        ("0 bytes", lambda: b"", 400, "photo_empty"),
    ]


# Every case on disk; three on S3 as well (refusals happen before the store; these check that
# nothing reaches the bucket either).
ON_S3 = ("png bomb 30000x30000", "truncated jpeg", "text named .jpg")


def hostile_cases() -> list[object]:
    return [
        *(pytest.param("disk", *h, id=h[0]) for h in hostile()),
        *(pytest.param("s3", *h, id=f"s3 {h[0]}") for h in hostile() if h[0] in ON_S3),
    ]


@pytest.mark.parametrize(
    ("media_env", "label", "make", "status", "code"), hostile_cases(), indirect=["media_env"]
)
async def test_hostile_upload_is_refused_with_its_code_and_nothing_is_kept(
    zhang: ApiClient,
    settings: Settings,
    label: str,
    make: Callable[[], bytes],
    status: int,
    code: str,
) -> None:
    data = make()
    r = await put_photo(zhang, data)
    assert r.status_code == status, (label, r.text)
    assert r.json()["error"]["code"] == code
    assert r.json()["error"]["message"]
    assert await Media.count() == 0
    assert stored_names(settings) == []
    # The server keeps serving: an ordinary photo goes in right after.
    good = corpus.jpeg(seed=99)
    r = await put_photo(zhang, good)
    assert r.status_code == 201, r.text
    assert (await zhang.get(f"/api/media/{sha(good)}")).status_code == 200


@both_stores
async def test_wrong_hash_is_422_hash_mismatch(zhang: ApiClient, settings: Settings) -> None:
    data = corpus.jpeg()
    r = await put_photo(zhang, data, name=sha(data + b"x"))
    assert r.status_code == 422
    assert r.json()["error"]["code"] == "hash_mismatch"
    assert stored_names(settings) == []


@pytest.mark.parametrize("name", ["abc", "A" * 64, "g" * 64, "a" * 63, "a" * 65, "%2e%2e"])
async def test_a_name_that_is_not_a_sha256_is_400_bad_hash(zhang: ApiClient, name: str) -> None:
    r = await put_photo(zhang, corpus.jpeg(), name=name)
    assert r.status_code == 400
    assert r.json()["error"]["code"] == "bad_hash"


@both_stores
async def test_16_mb_is_413_photo_too_large_with_the_limit(
    zhang: ApiClient, settings: Settings
) -> None:
    data = corpus.jpeg(64, 64) + os.urandom(16 * 1024 * 1024)
    r = await zhang.put(f"/api/media/{sha(data)}", content=data, headers={"Accept-Language": "en"})
    assert r.status_code == 413
    assert r.json()["error"]["code"] == "photo_too_large"
    assert "15 MB" in r.json()["error"]["message"]
    assert stored_names(settings) == []
    good = corpus.jpeg(seed=5)
    assert (await put_photo(zhang, good)).status_code == 201


async def test_16_mb_under_a_false_small_content_length_is_413_too(zhang: ApiClient) -> None:
    """The limit counts the bytes that arrive, not the length a client announces."""
    data = b"\xff" * (16 * 1024 * 1024)
    r = await zhang.put(f"/api/media/{sha(data)}", content=data, headers={"Content-Length": "100"})
    assert r.status_code == 413
    assert r.json()["error"]["code"] == "photo_too_large"


async def test_a_body_just_under_15_mb_is_read_and_judged_on_content(zhang: ApiClient) -> None:
    data = corpus.jpeg(64, 64) + b"\0" * (15 * 1024 * 1024 - 70_000)
    r = await put_photo(zhang, data)
    assert r.status_code == 201, r.text


async def test_upload_needs_a_signed_in_user_and_the_csrf_header(
    client: ApiClient, sites: dict[str, int]
) -> None:
    data = corpus.jpeg()
    await make_user("zhang", ["patrol"], [sites["north"]])
    await client.prepare_csrf()
    r = await put_photo(client, data)
    assert r.status_code == 401
    await client.sign_in("zhang")
    del client.headers["X-CSRF-Token"]
    r = await put_photo(client, data)
    assert r.status_code == 403
    assert r.json()["error"]["code"] == "csrf_failed"


@both_stores
@pytest.mark.parametrize("make", [corpus.jpeg_zip_polyglot, corpus.jpeg_with_zip_comment])
async def test_a_jpeg_zip_polyglot_is_stored_re_encoded_with_nothing_of_the_zip(
    zhang: ApiClient, settings: Settings, make: Callable[[], bytes]
) -> None:
    data = make()
    r = await put_photo(zhang, data)
    assert r.status_code == 201, r.text
    for thumb in ("", "?size=thumb"):
        served = (await zhang.get(f"/api/media/{sha(data)}{thumb}")).content
        assert served != data
        assert b"PK\x03\x04" not in served and b"PK\x05\x06" not in served
        assert b"payload.html" not in served
        assert not zipfile.is_zipfile(io.BytesIO(served))
        assert Image.open(io.BytesIO(served)).format == "JPEG"
    for name in stored_names(settings):
        assert b"PK\x03\x04" not in stored_bytes(settings, name)


def kinds() -> list[tuple[str, Callable[[], bytes], str]]:
    im = corpus.noise(300, 200)
    grey16 = Image.linear_gradient("L").resize((300, 200)).convert("I").point(lambda v: v * 256)
    return [
        ("png rgba", lambda: corpus.encoded(im.convert("RGBA"), "PNG"), "image/png"),
        (
            "png palette",
            lambda: corpus.encoded(im.convert("P"), "PNG", transparency=0),
            "image/png",
        ),
        ("png grey+alpha", lambda: corpus.encoded(im.convert("LA"), "PNG"), "image/png"),
        ("png 16-bit grey", lambda: corpus.encoded(grey16.convert("I;16"), "PNG"), "image/png"),
        ("webp", lambda: corpus.encoded(im, "WEBP"), "image/webp"),
        ("webp lossless", lambda: corpus.encoded(im, "WEBP", lossless=True), "image/webp"),
        ("jpeg grey", lambda: corpus.encoded(im.convert("L"), "JPEG"), "image/jpeg"),
        ("jpeg cmyk", lambda: corpus.encoded(im.convert("CMYK"), "JPEG"), "image/jpeg"),
        ("jpeg progressive", lambda: corpus.encoded(im, "JPEG", progressive=True), "image/jpeg"),
    ]


@pytest.mark.parametrize(("label", "make", "content_type"), kinds(), ids=[k[0] for k in kinds()])
async def test_png_webp_and_jpeg_variants_are_served_as_rgb_jpeg(
    zhang: ApiClient, label: str, make: Callable[[], bytes], content_type: str
) -> None:
    data = make()
    r = await put_photo(zhang, data)
    assert r.status_code == 201, r.text
    assert r.json() == {"sha256": sha(data), "width": 300, "height": 200}
    got = await zhang.get(f"/api/media/{sha(data)}")
    assert got.headers["content-type"] == "image/jpeg"
    served = Image.open(io.BytesIO(got.content))
    assert (served.format, served.mode, served.size) == ("JPEG", "RGB", (300, 200))
    info = (await zhang.get(f"/api/media/{sha(data)}/info")).json()
    assert info["content_type"] == content_type


async def test_orientation_6_comes_out_upright_and_metadata_stays_out_of_the_file(
    zhang: ApiClient,
) -> None:
    # Stored sideways: left red, right blue. Orientation 6 says "turn 90° clockwise to view",
    # so upright the red half is on top and the blue half below.
    data = corpus.encoded(
        corpus.split_red_blue(200, 100), "JPEG", quality=95, exif=corpus.evidence_exif(6)
    )
    assert (await put_photo(zhang, data)).status_code == 201
    for query, size in (("", (100, 200)), ("?size=thumb", (100, 200))):
        served = (await zhang.get(f"/api/media/{sha(data)}{query}")).content
        im = Image.open(io.BytesIO(served))
        assert im.size == size
        top, bottom = im.getpixel((50, 30)), im.getpixel((50, 170))
        assert isinstance(top, tuple) and isinstance(bottom, tuple)
        assert top[0] > 200 and top[2] < 60, top
        assert bottom[2] > 200 and bottom[0] < 60, bottom
        # No metadata at all in what is served: no EXIF (so no GPS), XMP, ICC or comment.
        assert not [m for m in corpus.jpeg_segments(served) if 0xE1 <= m <= 0xEF or m == 0xFE]
        assert "exif" not in im.info and not im.getexif()
        assert b"Huawei" not in served
    info = (await zhang.get(f"/api/media/{sha(data)}/info")).json()
    assert info["gps_lat"] == pytest.approx(31.23)
    assert info["gps_lon"] == pytest.approx(121.47)
    assert info["taken_at"].startswith("2026-11-20T01:30:00")
    assert info["width"] == 100 and info["height"] == 200
    assert info["bytes"] == len(data)
    assert info["uploader"]["username"] == "zhang"
    assert info["uploader"]["display_name"] == "Zhang"


@both_stores
async def test_large_photo_is_normalized_to_2048_and_a_320_thumbnail(zhang: ApiClient) -> None:
    """The full image is served in several chunks read from the store."""
    data = corpus.jpeg(3000, 2250, seed=3)  # decoded at full size: 3000/2 < 1920
    r = await put_photo(zhang, data)
    assert r.json()["width"] == 2048 and r.json()["height"] == 1536
    full = Image.open(io.BytesIO((await zhang.get(f"/api/media/{sha(data)}")).content))
    thumb = Image.open(io.BytesIO((await zhang.get(f"/api/media/{sha(data)}?size=thumb")).content))
    assert full.size == (2048, 1536)
    assert thumb.size == (320, 240)


async def test_photo_without_exif_has_no_capture_time_or_position(zhang: ApiClient) -> None:
    data = corpus.encoded(corpus.noise(100, 100), "PNG")
    await put_photo(zhang, data)
    info = (await zhang.get(f"/api/media/{sha(data)}/info")).json()
    assert (info["taken_at"], info["gps_lat"], info["gps_lon"]) == (None, None, None)


async def test_second_put_answers_200_without_rewriting(
    zhang: ApiClient, settings: Settings
) -> None:
    data = corpus.jpeg(seed=11)
    first = await put_photo(zhang, data)
    assert first.status_code == 201
    served = (await zhang.get(f"/api/media/{sha(data)}")).content
    files = stored_files(settings)
    assert [p.name for p in files] == [f"{sha(data)}-thumb.jpg", f"{sha(data)}.jpg"]
    mtimes = [p.stat().st_mtime_ns for p in files]
    again = await put_photo(zhang, data)
    assert again.status_code == 200
    assert again.json() == first.json()
    assert (await zhang.get(f"/api/media/{sha(data)}")).content == served
    assert stored_files(settings) == files
    assert [p.stat().st_mtime_ns for p in files] == mtimes
    assert await Media.count() == 1


@both_stores
async def test_files_lost_under_a_row_are_rewritten_by_the_next_put(
    zhang: ApiClient, settings: Settings
) -> None:
    data = corpus.jpeg(seed=12)
    await put_photo(zhang, data)
    assert media_storage(settings).delete(file_name(sha(data))) > 0
    assert (await zhang.head(f"/api/media/{sha(data)}")).status_code == 404
    assert (await put_photo(zhang, data)).status_code == 200
    assert (await zhang.head(f"/api/media/{sha(data)}")).status_code == 200


@both_stores
async def test_concurrent_puts_of_one_hash_store_one_file_and_one_row(
    zhang: ApiClient, another_client: ApiClient, settings: Settings, sites: dict[str, int]
) -> None:
    """Three uploads at once: two through one app (one process), one through another app on
    the same database and store (a second worker)."""
    await make_user("li", ["patrol"], [sites["north"]])
    await another_client.sign_in("li")
    data = corpus.jpeg(1600, 1200, seed=13)
    responses = await asyncio.gather(
        put_photo(zhang, data), put_photo(zhang, data), put_photo(another_client, data)
    )
    assert sorted(r.status_code for r in responses) == [200, 200, 201], [r.text for r in responses]
    assert await Media.count() == 1
    names = stored_names(settings)
    assert names == [f"{sha(data)}-thumb.jpg", f"{sha(data)}.jpg"]
    assert Image.open(io.BytesIO(stored_bytes(settings, names[1]))).size == (1600, 1200)
