"""Issue 17, the app side, in Chromium in zh-CN: wangfang (环境主管) finds 「外包巡检」 on her home
screen, inspects a cleaning vendor's lobby offline (the vendors, zones and template cached),
fails an item that needs a photo (said next to the item before anything is sent), the total
moves live, and the save says 「已保存，联网后同步」; online, it syncs with its photo; lina
approves it in the review queue; zhaolei's vendor page and the evaluation API count it."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from playwright.sync_api import BrowserContext, Locator, Page, expect

from tests.browser.conftest import (
    LiveServer,
    expect_pending,
    go_offline,
    go_online,
    outbox,
    query,
    sign_in,
    sync_now,
    synced,
    wait_for_service_worker,
)
from tests.browser.test_patrol_day import jpeg_bytes, records


def site_month(server: LiveServer) -> str:
    [(tz,)] = query(server, "SELECT timezone FROM site WHERE code = 'cuihu'")
    return datetime.now(ZoneInfo(tz or "Asia/Shanghai")).strftime("%Y-%m")


def item(p: Page, item_id: int) -> Locator:
    return p.locator(f'[data-testid="inspect-item"][data-item="{item_id}"]')


def test_an_offline_inspection_with_a_photo_is_approved_and_counted(
    page: Page,
    other_context: BrowserContext,
    third_context: BrowserContext,
    live_server: LiveServer,
    tmp_path: Path,
) -> None:
    [(vendor_id, vendor_name)] = query(
        live_server, "SELECT id, name FROM vendor WHERE service = 'cleaning' ORDER BY id LIMIT 1"
    )
    [(zone_id,)] = query(live_server, "SELECT id FROM vendor_zone WHERE name = '1栋大堂'")
    # The lobby's cleaning item (12 points, a deduction needs a photo) and an any-zone item.
    [(lobby_item, lobby_photo)] = query(
        live_server, "SELECT id, photo_required FROM inspection_template_item WHERE code = 'c02'"
    )
    assert lobby_photo
    [(lobby_items,)] = query(
        live_server,
        "SELECT count(*) FROM inspection_template_item i "
        "JOIN inspection_template_version v ON i.version = v.id "
        "JOIN inspection_template t ON v.template = t.id "
        "WHERE t.service = 'cleaning' AND i.zone_kind IN ('', 'lobby')",
    )
    assert lobby_items > 1

    p = page
    sign_in(p, live_server, "wangfang")
    wait_for_service_worker(p)
    expect(p.get_by_test_id("role-card-environment")).to_contain_text("外包巡检")
    synced(p)  # the after-sync hook caches the vendors, zones and templates

    # Offline from here: the form's choices come from the phone's cache.
    go_offline(p.context)
    p.get_by_test_id("nav-inspections").click()
    p.get_by_test_id("inspection-new").click()
    p.get_by_test_id("inspect-site").select_option(label="翠湖花园")
    p.get_by_test_id("inspect-vendor").select_option(str(vendor_id))
    p.get_by_test_id("inspect-zone").select_option(str(zone_id))
    total = p.get_by_test_id("inspect-total")
    expect(total).to_have_attribute("data-score", "100")

    # Full mode lists every item checked in a lobby; quick mode only the items added as failed.
    p.get_by_test_id("mode-full").click()
    expect(p.get_by_test_id("inspect-item")).to_have_count(lobby_items)
    p.get_by_test_id("mode-quick").click()
    expect(p.get_by_test_id("inspect-item")).to_have_count(0)
    p.get_by_test_id("inspect-add-failed").select_option(str(lobby_item))
    expect(p.get_by_test_id("inspect-item")).to_have_count(1)
    expect(total).to_have_attribute("data-score", "99")
    item(p, lobby_item).get_by_test_id("item-minus-2").click()
    expect(total).to_have_attribute("data-score", "98")
    item(p, lobby_item).get_by_test_id("item-reason").fill("大堂玻璃门有明显手印")

    # No photo yet: refused next to the item, nothing queued.
    p.get_by_test_id("inspect-submit").click()
    problem = item(p, lobby_item).get_by_test_id("item-problem")
    expect(problem).to_have_attribute("data-code", "photo_required")
    expect(problem).to_have_text("该项扣分需要拍照。")
    assert not [m for m in outbox(p) if m["name"] == "inspections.submit"]

    photo = tmp_path / "lobby.jpg"
    photo.write_bytes(jpeg_bytes())
    item(p, lobby_item).get_by_test_id("item-photo").set_input_files(photo)
    expect(item(p, lobby_item).get_by_test_id("photo-thumb")).to_have_count(1, timeout=30_000)
    p.get_by_test_id("inspect-submit").click()
    expect(p.get_by_test_id("inspect-saved")).to_have_text("已保存，联网后同步")
    detail = p.get_by_test_id("inspection-detail")
    expect(detail).to_have_attribute("data-status", "queued")
    expect(detail.get_by_test_id("inspection-status")).to_have_text("待同步")
    expect(p.get_by_test_id("inspection-detail-score")).to_have_text("98 分")
    inspection_id = detail.get_attribute("data-id")
    assert inspection_id
    [sent] = [m for m in outbox(p) if m["name"] == "inspections.submit"]
    assert sent["args"]["mode"] == "quick"
    assert [(i["item_id"], i["points_deducted"]) for i in sent["args"]["items"]] == [
        (lobby_item, 2)
    ]
    [photo_hash] = sent["args"]["items"][0]["photos"]

    # Online: it syncs with its photo and waits for review.
    go_online(p.context)
    synced(p)
    stored = records(live_server, "inspections")[inspection_id]
    assert stored["status"] == "submitted"
    assert stored["score"] == 98
    assert stored["item_photos"] == [photo_hash]
    p.get_by_test_id("nav-inspections").click()
    row = p.locator(f'[data-testid="inspection-row"][data-id="{inspection_id}"]')
    expect(row.get_by_test_id("inspection-status")).to_have_text("待审核")
    expect(row.get_by_test_id("inspection-score")).to_have_text("98 分")

    # lina approves it from the review queue, next to the patrols.
    boss = other_context.new_page()
    sign_in(boss, live_server, "lina")
    synced(boss)
    boss.get_by_test_id("nav-review").click()
    queued = boss.get_by_test_id("review-inspections")
    expect(queued).to_contain_text(vendor_name)
    queued.locator(f'[data-testid="inspection-row"][data-id="{inspection_id}"]').click()
    expect(boss.get_by_test_id("inspection-item")).to_contain_text("大堂玻璃门有明显手印")
    boss.get_by_test_id("review-approve").click()
    # Saved, it goes back to the queue, where the inspection no longer waits.
    expect(boss.get_by_test_id("review-queue")).to_be_visible()
    expect(boss.get_by_test_id("review-inspections")).to_have_count(0)
    synced(boss)
    assert records(live_server, "inspections")[inspection_id]["status"] == "approved"

    # wangfang's list says 已通过 after her next sync.
    sync_now(p)
    expect_pending(p, 0)
    p.get_by_test_id("nav-inspections").click()
    expect(row.get_by_test_id("inspection-status")).to_have_text("已通过")

    # zhaolei's page for the vendor counts it in the month's evaluation, as does the API.
    month = site_month(live_server)
    manager = third_context.new_page()
    sign_in(manager, live_server, "zhaolei")
    expect(manager.get_by_test_id("role-card-manager")).to_contain_text("外包月度评价")
    manager.get_by_test_id("home-open-vendors").click()
    manager.locator(f'[data-testid="vendor-row"][data-id="{vendor_id}"]').click()
    evaluation = manager.get_by_test_id("evaluation")
    expect(evaluation).to_have_attribute("data-inspections", "1")
    expect(manager.get_by_test_id("eval-score")).to_have_text("98.00")
    expect(manager.get_by_test_id("eval-pdf")).to_have_attribute(
        "href", f"/api/vendors/{vendor_id}/evaluations/{month}.pdf"
    )
    expect(manager.get_by_test_id("eval-xlsx")).to_have_attribute(
        "href", f"/api/vendors/{vendor_id}/evaluations/{month}.xlsx"
    )
    bar = manager.locator(f'[data-testid="eval-chart"] g[data-month="{month}"]')
    expect(bar).to_have_attribute("data-score", "98")
    answer = manager.request.get(f"{live_server.url}/api/vendors/{vendor_id}/evaluations/{month}")
    assert answer.ok
    ev = answer.json()
    assert (ev["inspections"], ev["score"], ev["month"]) == (1, 98.0, month)
    assert ev["payable_fen"] == ev["monthly_fee_fen"] - ev["deduction_fen"]
