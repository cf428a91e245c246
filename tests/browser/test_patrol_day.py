"""The customer-service specialist's day (issue 7), in Chromium: the supervisor registers a key
for a vacant unit; the patrol, offline, scans the key's QR tag with the phone's camera (a fake
camera playing the label's QR), checks the key out, patrols the unit with a failed item and a
photo, checks the key in and syncs when back online; the supervisor, on another phone, finds the
patrol in the review queue and approves it; the patrol sees it approved and can edit it no more."""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

import qrcode  # type: ignore[import-untyped]
from PIL import Image
from playwright.sync_api import Browser, BrowserContext, Page, expect

from tests.browser.conftest import (
    LiveServer,
    assert_offline,
    expect_pending,
    go_offline,
    go_online,
    outbox,
    query,
    sign_in,
    sync_now,
    wait_for_service_worker,
    write_y4m,
)

PUBLIC_BASE = "http://127.0.0.1:8000"  # the server's default public_base_url: what labels print


def records(server: LiveServer, collection: str) -> dict[str, dict[str, Any]]:
    rows = query(
        server, "SELECT record_id, fields FROM sync_record WHERE collection = ?", collection
    )
    return {r[0]: json.loads(r[1]) for r in rows}


def key_tag(server: LiveServer, key_id: str) -> str:
    """The token printed on a key's tag (what the label sheet encodes; no device pulls it)."""
    from server.keys.tags import derived_token

    return derived_token(server.data_dir, key_id)


def open_tag(page: Page, server: LiveServer, key_id: str) -> None:
    """Open a key's page as its scanned tag does: checkout and receipt need the tag."""
    page.goto(f"{server.url}/k/{key_tag(server, key_id)}")
    expect(page.get_by_test_id("key-page")).to_have_attribute("data-id", key_id)


def vacant_unit(server: LiveServer) -> tuple[int, str]:
    [(unit_id, building, entrance, number)] = query(
        server,
        "SELECT u.id, b.name, u.entrance, u.number FROM unit u "
        "JOIN building b ON u.building = b.id JOIN site s ON b.site = s.id "
        "WHERE s.code = 'cuihu' AND u.vacant ORDER BY u.id LIMIT 1",
    )
    return int(unit_id), f"{building}{entrance}{number}"


def label_video(url: str, path: Path) -> Path:
    """The key label's QR code, centred on a white 640×480 picture, as a fake camera video."""
    qr = (
        qrcode.make(url, border=4)
        .get_image()
        .convert("RGB")
        .resize((300, 300), Image.Resampling.NEAREST)
    )
    canvas = Image.new("RGB", (640, 480), "white")
    canvas.paste(qr, ((640 - 300) // 2, (480 - 300) // 2))
    return write_y4m(canvas, path)


def jpeg_bytes() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (640, 480), (160, 90, 60)).save(out, "JPEG", quality=85)
    return out.getvalue()


def register_key(page: Page, unit_id: int, code: str) -> None:
    """As the supervisor: 钥匙 → 登记钥匙 → a vacant-unit key for the unit."""
    page.get_by_test_id("nav-keys").click()
    page.get_by_test_id("keys-register").click()
    page.get_by_test_id("admin-site").select_option(label="翠湖花园")
    page.get_by_test_id("admin-key-new").click()
    page.get_by_test_id("admin-key-code").fill(code)
    unit = page.get_by_test_id("admin-key-unit")
    expect(unit.locator(f'option[value="{unit_id}"]')).to_have_count(1)
    unit.select_option(str(unit_id))
    page.get_by_test_id("admin-key-storage").fill("客服中心钥匙柜 A3")
    page.get_by_test_id("admin-key-save").click()
    expect(page.get_by_test_id("admin-key-row")).to_have_count(1)


def test_patrol_day_offline_scan_patrol_review(
    context: BrowserContext,
    page: Page,
    live_server: LiveServer,
    camera_browser: Any,
    tmp_path: Path,
) -> None:
    unit_id, unit_name = vacant_unit(live_server)

    # The supervisor registers the unit's key; it syncs and gets its opaque QR token.
    sign_in(page, live_server, "lina")
    register_key(page, unit_id, "CH-K001")
    sync_now(page)
    expect_pending(page, 0)
    [(key_id, key)] = records(live_server, "keys").items()
    assert key["unit_id"] == unit_id and key["status"] == "in"
    token = key_tag(live_server, key_id)
    assert unit_name not in token and "qr_token" not in key

    # The patrol's phone: its camera sees the printed label.
    video = label_video(f"{PUBLIC_BASE}/k/{token}", tmp_path / "label.y4m")
    phone_browser: Browser = camera_browser(video)
    phone = phone_browser.new_context(
        locale="zh-CN", viewport={"width": 360, "height": 740}, permissions=["camera"]
    )
    p = phone.new_page()
    sign_in(p, live_server, "zhangwei")
    wait_for_service_worker(p)
    # Online once: the key, the checklist and the unit list reach the phone.
    p.get_by_test_id("nav-keys").click()
    expect(p.locator(f'[data-testid="key-row"][data-id="{key_id}"]')).to_be_visible()
    p.get_by_test_id("nav-patrols").click()
    due = p.locator(f'[data-testid="due-unit"][data-unit-id="{unit_id}"]')
    expect(due).to_be_visible()
    expect(due).to_contain_text(unit_name)

    go_offline(phone)
    # The tag's URL opens the key's page from the service worker, offline.
    p.goto(f"{live_server.url}/k/{token}")
    expect(p.get_by_test_id("key-page")).to_have_attribute("data-id", key_id)
    assert_offline(p)

    # Scan the tag with the camera (ZXing-wasm from the precache: no BarcodeDetector on Linux).
    p.get_by_test_id("nav-keys").click()
    p.get_by_test_id("scan-open").click()
    expect(p.get_by_test_id("scan-video")).to_be_visible()
    expect(p.get_by_test_id("key-page")).to_have_attribute("data-id", key_id, timeout=30_000)
    expect(p.get_by_test_id("key-status")).to_have_attribute("data-status", "in")
    p.get_by_test_id("key-purpose").select_option("patrol")
    p.get_by_test_id("key-checkout").click()
    expect(p.get_by_test_id("key-status")).to_have_attribute("data-status", "out")

    # Patrol the unit with that key: one failed item with a note and a photo.
    p.get_by_test_id("key-patrol").click()
    expect(p.get_by_test_id("patrol-unit")).to_have_attribute("data-unit-id", str(unit_id))
    p.get_by_test_id("patrol-start").click()
    expect(p.get_by_test_id("patrol-status")).to_have_attribute("data-status", "draft")
    items = p.get_by_test_id("patrol-item")
    expect(items).to_have_count(9)
    for key_name in items.evaluate_all("els => els.map((e) => e.dataset.key)"):
        item = p.locator(f'[data-testid="patrol-item"][data-key="{key_name}"]')
        item.get_by_test_id("item-fail" if key_name == "water" else "item-pass").click()
    water = p.locator('[data-testid="patrol-item"][data-key="water"]')
    expect(water).to_have_attribute("data-result", "fail")
    water.get_by_test_id("item-note").fill("卫生间角阀滴水")
    photo_file = tmp_path / "leak.jpg"
    photo_file.write_bytes(jpeg_bytes())
    water.get_by_test_id("photo-input").set_input_files(photo_file)
    expect(water.get_by_test_id("photo-thumb")).to_have_count(1, timeout=30_000)
    p.get_by_test_id("water-reading").fill("12.5")
    p.get_by_test_id("electricity-reading").fill("3400")
    expect(p.get_by_test_id("reading-warning")).to_have_count(0)
    p.get_by_test_id("patrol-save").click()
    expect(p.get_by_test_id("patrol-saved")).to_be_visible()
    p.get_by_test_id("patrol-submit").click()
    expect(p.get_by_test_id("patrol-status")).to_have_attribute("data-status", "submitted")
    patrol_id = p.get_by_test_id("patrol-form").get_attribute("data-id")
    assert patrol_id

    # Bring the key back.
    p.get_by_test_id("patrol-key").click()
    expect(p.get_by_test_id("key-page")).to_have_attribute("data-id", key_id)
    p.get_by_test_id("key-checkin").click()
    expect(p.get_by_test_id("key-status")).to_have_attribute("data-status", "in")
    assert [m["name"] for m in outbox(p)] == [
        "keys.checkout",
        "patrols.save",  # start: unit, checklist version, key, start time
        "patrols.save",  # the draft
        "patrols.save",  # submitting records the end time
        "patrols.submit",
        "keys.checkin",
    ]
    assert_offline(p)
    assert records(live_server, "patrols") == {}

    # Online again: everything reaches the server, in order.
    go_online(phone)
    sync_now(p)
    expect_pending(p, 0)
    patrol = records(live_server, "patrols")[patrol_id]
    assert patrol["status"] == "submitted"
    assert patrol["unit_id"] == unit_id and patrol["key_id"] == key_id
    assert patrol["items"]["water"]["result"] == "fail"
    assert patrol["items"]["water"]["note"] == "卫生间角阀滴水"
    [photo] = patrol["items"]["water"]["photos"]
    assert patrol["water_reading"] == 12.5 and patrol["electricity_reading"] == 3400
    [finding_id] = patrol["finding_ids"]
    finding = records(live_server, "findings")[finding_id]
    assert finding["unit_id"] == unit_id and finding["photos"] == [photo]
    assert "卫生间角阀滴水" in finding["description"]
    assert records(live_server, "keys")[key_id]["status"] == "in"
    events = sorted(records(live_server, "key_events").values(), key=lambda e: e["at"])
    assert [e["kind"] for e in events] == ["checkout", "checkin"]

    # The supervisor's phone: the patrol is in the review queue; approve it.
    sync_now(page)
    expect_pending(page, 0)
    page.get_by_test_id("nav-review").click()
    row = page.locator(f'[data-testid="review-item"][data-id="{patrol_id}"]')
    expect(row).to_contain_text(unit_name)
    row.click()
    expect(page.locator('[data-testid="review-check"][data-key="water"]')).to_have_attribute(
        "data-result", "fail"
    )
    expect(
        page.locator('[data-testid="review-check"][data-key="water"] [data-testid="photo-thumb"]')
    ).to_have_attribute("data-hash", photo)
    expect(page.get_by_test_id("review-finding")).to_have_count(1)
    page.get_by_test_id("review-comment").fill("已派维修")
    page.get_by_test_id("review-approve").click()
    expect(page.get_by_test_id("review-queue")).to_be_visible()
    expect(row).to_have_count(0)
    sync_now(page)
    expect_pending(page, 0)
    approved = records(live_server, "patrols")[patrol_id]
    assert approved["status"] == "approved" and approved["review_comment"] == "已派维修"

    # The patrol's phone: approved, locked, and it says why.
    sync_now(p)
    expect_pending(p, 0)
    p.get_by_test_id("nav-patrols").click()
    p.locator(f'[data-testid="patrol-row"][data-id="{patrol_id}"]').click()
    expect(p.get_by_test_id("patrol-status")).to_have_attribute("data-status", "approved")
    expect(p.get_by_test_id("patrol-locked")).to_contain_text("李娜")
    expect(p.get_by_test_id("patrol-save")).to_be_disabled()
    expect(p.get_by_test_id("patrol-submit")).to_have_count(0)
    expect(water.get_by_test_id("item-pass")).to_be_disabled()
    expect(p.get_by_test_id("water-reading")).to_be_disabled()
    # The unit is no longer due.
    p.get_by_test_id("nav-patrols").click()
    expect(p.get_by_test_id("due-list")).to_be_visible()
    expect(p.locator(f'[data-testid="due-unit"][data-unit-id="{unit_id}"]')).to_have_count(0)
    phone.close()
