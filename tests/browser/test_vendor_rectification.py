"""Issue 17's journey after the inspection, in Chromium in zh-CN: lina returns wangfang's
inspection with a comment, wangfang reads it, corrects the inspection and sends it again; once
approved she re-inspects the deduction with an after-photo and sees the before- and after-photos
side by side (on the inspection's item and on its finding); zhaolei signs the month off on the
evaluation page (refused while an inspection waits for review, 已签认 with who and when after,
refused as locked on a page that had not seen the sign-off)."""

from __future__ import annotations

import io
from pathlib import Path

from PIL import Image
from playwright.sync_api import BrowserContext, Page, expect

from tests.browser.conftest import LiveServer, query, sign_in, synced
from tests.browser.test_patrol_day import jpeg_bytes, records
from tests.browser.test_vendor_inspection import item, site_month


def green_jpeg() -> bytes:
    """Another photo than `jpeg_bytes` (so another hash): the rectified lobby."""
    out = io.BytesIO()
    Image.new("RGB", (640, 480), (40, 160, 90)).save(out, "JPEG", quality=85)
    return out.getvalue()


def lobby(server: LiveServer) -> tuple[int, int, int]:
    """The first cleaning vendor, the lobby zone and its cleaning item needing a photo."""
    [(vendor_id,)] = query(
        server, "SELECT id FROM vendor WHERE service = 'cleaning' ORDER BY id LIMIT 1"
    )
    [(zone_id,)] = query(server, "SELECT id FROM vendor_zone WHERE name = '1栋大堂'")
    [(item_id,)] = query(server, "SELECT id FROM inspection_template_item WHERE code = 'c02'")
    return vendor_id, zone_id, item_id


def inspect(p: Page, server: LiveServer, tmp_path: Path, reason: str) -> str:
    """wangfang inspects the lobby online: the item −2 with a reason and a photo; its id."""
    vendor_id, zone_id, item_id = lobby(server)
    p.get_by_test_id("nav-inspections").click()
    p.get_by_test_id("inspection-new").click()
    p.get_by_test_id("inspect-site").select_option(label="翠湖花园")
    p.get_by_test_id("inspect-vendor").select_option(str(vendor_id))
    p.get_by_test_id("inspect-zone").select_option(str(zone_id))
    p.get_by_test_id("inspect-add-failed").select_option(str(item_id))
    item(p, item_id).get_by_test_id("item-minus-2").click()
    item(p, item_id).get_by_test_id("item-reason").fill(reason)
    photo = tmp_path / "before.jpg"
    photo.write_bytes(jpeg_bytes())
    item(p, item_id).get_by_test_id("item-photo").set_input_files(photo)
    expect(item(p, item_id).get_by_test_id("photo-thumb")).to_have_count(1, timeout=30_000)
    p.get_by_test_id("inspect-submit").click()
    expect(p.get_by_test_id("inspect-saved")).to_have_text("已提交，等待审核。")
    inspection_id = p.get_by_test_id("inspection-detail").get_attribute("data-id")
    assert inspection_id
    synced(p)
    return inspection_id


def review(p: Page, inspection_id: str, comment: str = "") -> None:
    """lina approves the inspection, or returns it with the comment."""
    synced(p)
    p.get_by_test_id("nav-review").click()
    p.locator(f'[data-testid="inspection-row"][data-id="{inspection_id}"]').click()
    if comment:
        p.get_by_test_id("review-comment").fill(comment)
        p.get_by_test_id("review-reject").click()
    else:
        p.get_by_test_id("review-approve").click()
    expect(p.get_by_test_id("review-queue")).to_be_visible()
    expect(p.get_by_test_id("review-inspections")).to_have_count(0)
    synced(p)


def open_inspection(p: Page, inspection_id: str) -> None:
    synced(p)
    p.get_by_test_id("nav-inspections").click()
    p.locator(f'[data-testid="inspection-row"][data-id="{inspection_id}"]').click()
    expect(p.get_by_test_id("inspection-detail")).to_have_attribute("data-id", inspection_id)


def test_a_returned_inspection_is_corrected_and_its_rectification_verified(
    page: Page, other_context: BrowserContext, live_server: LiveServer, tmp_path: Path
) -> None:
    _, _, item_id = lobby(live_server)
    p = page
    sign_in(p, live_server, "wangfang")
    inspection_id = inspect(p, live_server, tmp_path, "大堂玻璃门有手印")
    boss = other_context.new_page()
    sign_in(boss, live_server, "lina")
    review(boss, inspection_id, comment="扣分过重，请按手印面积重新评分")

    # wangfang sees the returned inspection with lina's comment, corrects it and sends it again.
    open_inspection(p, inspection_id)
    detail = p.get_by_test_id("inspection-detail")
    expect(detail).to_have_attribute("data-status", "rejected")
    expect(p.get_by_test_id("inspection-returned-comment")).to_have_text(
        "退回意见：扣分过重，请按手印面积重新评分"
    )
    p.get_by_test_id("inspection-correct").click()
    expect(p.get_by_test_id("inspect-returned-comment")).to_contain_text("扣分过重")
    row = item(p, item_id)
    expect(row).to_have_attribute("data-points", "2")
    expect(row.get_by_test_id("item-reason")).to_have_value("大堂玻璃门有手印")
    expect(row.get_by_test_id("photo-thumb")).to_have_count(1)
    row.get_by_test_id("item-minus-1").click()
    row.get_by_test_id("item-reason").fill("大堂玻璃门有少量手印")
    expect(p.get_by_test_id("inspect-total")).to_have_attribute("data-score", "99")
    p.get_by_test_id("inspect-submit").click()
    expect(p.get_by_test_id("inspect-saved")).to_have_text("已提交，等待审核。")
    expect(detail).to_have_attribute("data-id", inspection_id)
    synced(p)
    stored = records(live_server, "inspections")[inspection_id]
    assert (stored["status"], stored["score"]) == ("submitted", 99)
    [stored_item] = [
        r
        for r in records(live_server, "inspection_items").values()
        if r["inspection_id"] == inspection_id
    ]
    assert (stored_item["points_deducted"], stored_item["reason"]) == (1, "大堂玻璃门有少量手印")
    [before_hash] = stored_item["photos"]

    review(boss, inspection_id)

    # Approved: the deduction's rectification is re-inspected with an after-photo.
    open_inspection(p, inspection_id)
    expect(detail).to_have_attribute("data-status", "approved")
    result = p.locator(f'[data-testid="inspection-item"][data-item="{item_id}"]')
    expect(result).to_have_attribute("data-rectified", "no")
    expect(result.get_by_test_id("item-before").get_by_test_id("photo-thumb")).to_have_count(1)
    expect(result.get_by_test_id("item-after")).to_have_count(0)
    result.get_by_test_id("item-verify-open").click()
    result.get_by_test_id("item-verify-send").click()
    expect(result.get_by_test_id("verify-error")).to_have_text("请拍整改后的照片。")
    after = tmp_path / "after.jpg"
    after.write_bytes(green_jpeg())
    result.get_by_test_id("verify-photo").set_input_files(after)
    expect(result.get_by_test_id("item-verify").get_by_test_id("photo-thumb")).to_have_count(
        1, timeout=30_000
    )
    result.get_by_test_id("verify-note").fill("玻璃门已擦净")
    result.get_by_test_id("item-verify-send").click()
    expect(p.get_by_test_id("inspect-saved")).to_have_text("复查已保存。")
    expect(result).to_have_attribute("data-rectified", "queued")
    open_inspection(p, inspection_id)  # synced
    expect(result).to_have_attribute("data-rectified", "yes")
    expect(result.get_by_test_id("item-rectified")).to_contain_text("已复查，整改完成")
    expect(result.get_by_test_id("item-rectified")).to_contain_text("玻璃门已擦净")
    pair = result.locator(".before-after figure")
    expect(pair).to_have_count(2)
    expect(pair.nth(0)).to_contain_text("整改前")
    expect(pair.nth(1)).to_contain_text("整改后")
    expect(result.get_by_test_id("item-after").get_by_test_id("photo-thumb")).to_have_count(1)
    before_box = pair.nth(0).bounding_box()
    after_box = pair.nth(1).bounding_box()
    assert before_box and after_box
    assert after_box["x"] > before_box["x"] and after_box["y"] == before_box["y"]  # side by side
    stored_item = records(live_server, "inspection_items")[stored_item_id(live_server, item_id)]
    [after_hash] = stored_item["after_photos"]
    assert after_hash != before_hash
    finding = records(live_server, "findings")[stored_item["finding_id"]]
    assert (finding["status"], finding["fix_photos"]) == ("verified", [after_hash])

    # The finding the deduction raised shows the before-photo and the after-photo too.
    result.get_by_test_id("item-finding").click()
    expect(p.get_by_test_id("finding-detail")).to_have_attribute(
        "data-id", stored_item["finding_id"]
    )
    expect(p.get_by_test_id("finding-detail-photos").get_by_test_id("photo-thumb")).to_have_count(1)
    expect(
        p.get_by_test_id("finding-detail-fix-photos").get_by_test_id("photo-thumb")
    ).to_have_count(1)


def stored_item_id(server: LiveServer, item_id: int) -> str:
    [record_id] = [
        k for k, r in records(server, "inspection_items").items() if r["item_id"] == item_id
    ]
    return record_id


def test_the_manager_signs_the_month_off(
    page: Page,
    other_context: BrowserContext,
    third_context: BrowserContext,
    live_server: LiveServer,
    tmp_path: Path,
) -> None:
    vendor_id, _, _ = lobby(live_server)
    month = site_month(live_server)
    p = page
    sign_in(p, live_server, "wangfang")
    inspection_id = inspect(p, live_server, tmp_path, "大堂地面有污渍")

    manager = third_context.new_page()
    sign_in(manager, live_server, "zhaolei")

    def open_evaluation(m: Page) -> None:
        m.get_by_test_id("home-open-vendors").click()
        m.locator(f'[data-testid="vendor-row"][data-id="{vendor_id}"]').click()
        expect(m.get_by_test_id("evaluation")).to_have_attribute("data-locked", "no")

    # An inspection of the month still waits for review: the sign-off is refused, and says why.
    open_evaluation(manager)
    manager.get_by_test_id("eval-sign").click()
    expect(manager.get_by_test_id("eval-sign-ask")).to_contain_text("确定签认吗")
    manager.get_by_test_id("eval-sign-yes").click()
    expect(manager.get_by_test_id("eval-sign-error")).to_have_text("检查尚未审核通过。")
    expect(manager.get_by_test_id("evaluation")).to_have_attribute("data-locked", "no")
    assert not query(live_server, "SELECT id FROM vendor_evaluation_signoff")

    boss = other_context.new_page()
    sign_in(boss, live_server, "lina")
    review(boss, inspection_id)

    # A second tab of zhaolei's, opened before the sign-off, keeps its button.
    stale = third_context.new_page()
    stale.goto(live_server.url + "/")
    stale.get_by_test_id("home-header").wait_for()
    open_evaluation(stale)

    manager.reload()
    expect(manager.get_by_test_id("evaluation")).to_have_attribute("data-inspections", "1")
    # Cancel asks nothing of the server.
    manager.get_by_test_id("eval-sign").click()
    manager.get_by_test_id("eval-sign-cancel").click()
    expect(manager.get_by_test_id("eval-sign-ask")).to_have_count(0)
    manager.get_by_test_id("eval-sign").click()
    manager.get_by_test_id("eval-sign-yes").click()
    expect(manager.get_by_test_id("eval-signed-saved")).to_have_text("已签认，本月评价已锁定。")
    evaluation = manager.get_by_test_id("evaluation")
    expect(evaluation).to_have_attribute("data-locked", "yes")
    expect(manager.get_by_test_id("eval-signed")).to_contain_text("已锁定")
    expect(manager.get_by_test_id("eval-signed")).to_contain_text("已签认：赵磊")
    expect(manager.get_by_test_id("eval-sign")).to_have_count(0)
    [(signed_month,)] = query(
        live_server, "SELECT month FROM vendor_evaluation_signoff WHERE vendor = ?", vendor_id
    )
    assert signed_month == month

    # Opened again, the month shows signed and locked, with no button.
    manager.reload()
    expect(evaluation).to_have_attribute("data-locked", "yes")
    expect(manager.get_by_test_id("eval-signed")).to_contain_text("已签认：赵磊")
    expect(manager.get_by_test_id("eval-sign")).to_have_count(0)

    # The page that had not seen it: the server refuses, locked, and the page says so.
    stale.get_by_test_id("eval-sign").click()
    stale.get_by_test_id("eval-sign-yes").click()
    expect(stale.get_by_test_id("eval-sign-error")).to_have_text("该月评价已签字锁定。")
    # ...and then shows the month as it is now: signed off and locked.
    expect(stale.get_by_test_id("evaluation")).to_have_attribute("data-locked", "yes")
    expect(stale.get_by_test_id("eval-signed")).to_contain_text("已签认：赵磊")
