"""Photos end to end (issue 6, rule 7): a photo attached offline is resized and made upright on the
phone, survives a reload, reaches the server exactly once under the hash the phone gave it, and a
supervisor's browser shows it (thumbnail, then the full-screen viewer)."""

from __future__ import annotations

import io
import re
from pathlib import Path

from PIL import Image, ImageDraw
from playwright.sync_api import BrowserContext, Page, Request, Response, expect

from tests.browser.conftest import (
    LiveServer,
    assert_offline,
    expect_pending,
    go_offline,
    go_online,
    open_finding,
    open_sync_page,
    query,
    server_findings,
    sign_in,
    wait_for_service_worker,
)


def camera_photo() -> bytes:
    """A 3000×2000 JPEG as a phone held upright writes it: the pixels sideways, EXIF orientation 6
    (turn 90° clockwise to show), a capture time and a GPS position. The stored image's left third
    is red, so upright the top third is red."""
    im = Image.new("RGB", (3000, 2000), (40, 90, 160))
    draw = ImageDraw.Draw(im)
    draw.rectangle((0, 0, 999, 1999), fill=(220, 30, 30))
    for x in range(1000, 3000, 200):  # some detail, as a photo has
        draw.line((x, 0, x, 1999), fill=(250, 250, 250), width=9)
    exif = Image.Exif()
    exif[0x0112] = 6
    exif.get_ifd(0x8769)[0x9003] = "2026:03:14 09:26:53"
    exif.get_ifd(0x8825).update({1: "N", 2: (31.0, 14.0, 30.12), 3: "E", 4: (121.0, 28.0, 45.01)})
    out = io.BytesIO()
    im.save(out, "JPEG", quality=90, exif=exif)
    return out.getvalue()


def media_file(server: LiveServer, sha256: str, thumb: bool = False) -> Path:
    name = f"{sha256}-thumb.jpg" if thumb else f"{sha256}.jpg"
    return server.data_dir / "media" / sha256[:2] / sha256[2:4] / name


def expect_image_loaded(page: Page, selector: str) -> None:
    page.wait_for_function(
        f"() => {{ const img = document.querySelector({selector!r}); "
        "return !!img && img.complete && img.naturalWidth > 0; }",
        timeout=15_000,
    )


def test_a_photo_taken_offline_reaches_the_server_once_and_a_supervisor_sees_it(
    context: BrowserContext,
    other_context: BrowserContext,
    page: Page,
    live_server: LiveServer,
) -> None:
    photo = camera_photo()
    sign_in(page, live_server, "zhangwei")
    wait_for_service_worker(page)
    media_writes: list[str] = []

    def on_request(r: Request) -> None:
        if r.method == "PUT" and "/api/media/" in r.url:
            media_writes.append(r.url)

    context.on("request", on_request)

    go_offline(context)
    page.reload()
    expect(page.get_by_test_id("offline-badge")).to_be_visible()
    assert_offline(page)

    # Offline: a new finding with a photo from the camera input.
    page.get_by_test_id("nav-findings").click()
    page.get_by_test_id("finding-new").click()
    form = page.get_by_test_id("finding-form")
    form.wait_for()
    page.get_by_test_id("finding-location").fill("5栋地下车库")
    page.get_by_test_id("finding-description").fill("消防栓箱门损坏")
    page.get_by_test_id("photo-input").set_input_files(
        files=[{"name": "IMG_0001.jpg", "mimeType": "image/jpeg", "buffer": photo}]
    )
    form_thumb = form.get_by_test_id("photo-thumb")
    expect(form_thumb).to_have_count(1)
    photo_hash = form_thumb.get_attribute("data-hash")
    assert photo_hash and re.fullmatch(r"[0-9a-f]{64}", photo_hash), photo_hash
    expect(page.get_by_test_id("finding-save")).to_be_enabled()
    # Made ready in the module worker (its code came from the precache: we are offline).
    assert any(re.search(r"/assets/worker-[\w-]+\.js$", w.url) for w in page.workers), [
        w.url for w in page.workers
    ]
    page.get_by_test_id("finding-save").click()

    detail = page.get_by_test_id("finding-detail")
    expect(detail).to_be_visible()
    finding_id = detail.get_attribute("data-id")
    assert finding_id
    thumb_sel = f'[data-testid="photo-thumb"][data-hash="{photo_hash}"]'
    expect(page.locator(thumb_sel)).to_have_attribute("data-source", "local")
    expect_image_loaded(page, f"{thumb_sel} img")
    expect(page.get_by_test_id("photos-pending")).to_have_attribute("data-count", "1")

    # The photo and the mutation were stored together; a reload (still offline) keeps both.
    page.reload()
    assert_offline(page)
    open_finding(page, finding_id)
    expect(page.locator(thumb_sel)).to_have_attribute("data-source", "local")
    expect(page.locator(f"{thumb_sel} img")).to_have_attribute("src", re.compile(r"^blob:"))
    expect_image_loaded(page, f"{thumb_sel} img")
    open_sync_page(page)
    expect(page.get_by_test_id("photo-upload-progress")).to_have_attribute("data-waiting", "1")
    expect_pending(page, 1)
    assert query(live_server, "SELECT count(*) FROM media") == [(0,)]
    assert media_writes == []

    # Back online: the mutation and the photo go (in whatever order), the photo once.
    go_online(context)
    expect(page.get_by_test_id("photos-pending")).to_have_count(0, timeout=30_000)
    expect(page.get_by_test_id("photo-upload-progress")).to_have_count(0)
    expect_pending(page, 0)
    rows = query(
        live_server,
        "SELECT sha256, width, height, bytes, taken_at, gps_lat, gps_lon FROM media",
    )
    assert len(rows) == 1, rows
    sha256, width, height, size, taken_at, lat, lon = rows[0]
    assert sha256 == photo_hash
    # Resized on the phone to a long edge of 2048 and turned upright (3000×2000 lying → portrait).
    assert (width, height) == (1365, 2048)
    assert size < len(photo)
    # The capture time and position were carried over the phone's re-encoding.
    assert str(taken_at).startswith("2026-03-14"), taken_at
    assert abs(lat - (31 + 14 / 60 + 30.12 / 3600)) < 1e-4
    assert abs(lon - (121 + 28 / 60 + 45.01 / 3600)) < 1e-4
    assert len(media_writes) == 1 and media_writes[0].endswith(f"/api/media/{photo_hash}")

    served = media_file(live_server, photo_hash)
    assert served.is_file() and media_file(live_server, photo_hash, thumb=True).is_file()
    with Image.open(served) as im:
        assert im.size == (1365, 2048)
        assert not im.getexif()  # what is served carries no metadata
        top = im.getpixel((682, 200))
        bottom = im.getpixel((682, 1800))
    assert top[0] > 180 and top[2] < 90, top  # red on top: upright
    assert bottom[2] > 120 and bottom[0] < 120, bottom

    findings = server_findings(live_server)
    assert findings[finding_id]["photos"] == [photo_hash]
    assert findings[finding_id]["description"] == "消防栓箱门损坏"

    # Uploaded: zhangwei's thumbnail now comes from the server.
    open_finding(page, finding_id)
    expect(page.locator(thumb_sel)).to_have_attribute("data-source", "server")
    expect_image_loaded(page, f"{thumb_sel} img")

    # The supervisor of the site, on another phone.
    thumbs: list[Response] = []

    def on_response(r: Response) -> None:
        if r.url.endswith(f"/api/media/{photo_hash}?size=thumb"):
            thumbs.append(r)

    other_context.on("response", on_response)
    lina = other_context.new_page()
    sign_in(lina, live_server, "lina")
    lina.get_by_test_id("nav-findings").click()
    lina.locator(f'[data-testid="finding-row"][data-id="{finding_id}"]').click()
    expect(lina.get_by_test_id("finding-detail")).to_have_attribute("data-id", finding_id)
    expect(lina.locator(thumb_sel)).to_have_attribute("data-source", "server")
    expect_image_loaded(lina, f"{thumb_sel} img")
    assert [r.status for r in thumbs][-1:] == [200], [(r.url, r.status) for r in thumbs]

    lina.locator(thumb_sel).click()
    viewer = lina.get_by_test_id("photo-viewer")
    expect(viewer).to_be_visible()
    expect(viewer).to_have_attribute("data-hash", photo_hash)
    expect_image_loaded(lina, '[data-testid="photo-viewer-image"]')
    natural = lina.get_by_test_id("photo-viewer-image").evaluate(
        "(img) => [img.naturalWidth, img.naturalHeight]"
    )
    assert natural == [1365, 2048]
    # When it was taken (from the server's record of the EXIF), in Asia/Shanghai.
    expect(lina.get_by_test_id("photo-viewer-taken")).to_contain_text("2026/03/14 09:26")
    # Double-tap zooms in, again zooms out.
    stage = lina.locator(".viewer-stage")
    lina.get_by_test_id("photo-viewer-image").dblclick()
    expect(stage).to_have_attribute("data-scale", "2.50")
    lina.get_by_test_id("photo-viewer-image").dblclick()
    expect(stage).to_have_attribute("data-scale", "1.00")
    lina.get_by_test_id("photo-viewer-close").click()
    expect(viewer).to_have_count(0)
    expect(lina.get_by_test_id("finding-detail")).to_have_attribute("data-id", finding_id)

    # Through her service worker the thumbnail is cached: it still shows with no network.
    wait_for_service_worker(lina)
    lina.reload()
    expect_image_loaded(lina, f"{thumb_sel} img")
    assert thumbs[-1].status == 200 and thumbs[-1].from_service_worker
    go_offline(other_context)
    lina.reload()
    assert_offline(lina)
    expect(lina.locator(thumb_sel)).to_have_attribute("data-source", "server")
    expect_image_loaded(lina, f"{thumb_sel} img")
    assert thumbs[-1].status == 200 and thumbs[-1].from_service_worker

    # Still one stored photo, one upload.
    assert query(live_server, "SELECT count(*) FROM media") == [(1,)]
    assert len(media_writes) == 1
