"""A finding goes through its states on three phones (issue 14, "Findings"): 张伟 reports it at a
unit picked from the site's units, 李娜 (supervisor) assigns it to 刘洋, whose home shows it not
yet accepted; he accepts it (接单) and marks it fixed with a note (refused without one, the reason
next to the field), 李娜 verifies it, reopens it with a reason, and after the second fix closes
it; each page offers only its person's actions, and the finding shows who changed what."""

from playwright.sync_api import BrowserContext, Page, expect

from tests.browser.conftest import (
    LiveServer,
    catalog_text,
    expect_pending,
    open_finding,
    open_sync_page,
    server_findings,
    sign_in,
    synced,
)

WAIT = 20_000


def status(page: Page, finding_id: str, expected: str) -> None:
    open_finding(page, finding_id)
    expect(page.get_by_test_id("finding-detail")).to_have_attribute(
        "data-status", expected, timeout=WAIT
    )


def actions(page: Page) -> list[str]:
    """The action buttons the finding page offers this person."""
    box = page.get_by_test_id("finding-actions")
    expect(box).to_be_visible(timeout=WAIT)
    found = box.locator("button[data-testid^=action-]")
    return sorted(str(b.get_attribute("data-testid")) for b in found.all())


def report(zhang: Page) -> tuple[str, str]:
    """张伟 reports a finding at a unit chosen from the list; returns its id and the unit."""
    zhang.get_by_test_id("nav-findings").click()
    zhang.get_by_test_id("finding-new").click()
    zhang.get_by_test_id("finding-form").wait_for()
    unit = zhang.get_by_test_id("finding-unit")
    # The site's units, grouped by building (cached from the server when the form opened).
    expect(unit.locator("optgroup").first).to_be_attached(timeout=WAIT)
    first = unit.locator("optgroup option").first
    label, value = first.inner_text(), first.get_attribute("value")
    assert value and label.startswith(str(unit.locator("optgroup").first.get_attribute("label")))
    unit.select_option(value)
    zhang.get_by_test_id("finding-location").fill("门口")
    zhang.get_by_test_id("finding-description").fill("单元门禁损坏，无法刷卡")
    # The form no longer sets the state or the assignee.
    expect(zhang.get_by_test_id("finding-status")).to_have_count(0)
    expect(zhang.get_by_test_id("finding-assignee")).to_have_count(0)
    zhang.get_by_test_id("finding-save").click()
    detail = zhang.get_by_test_id("finding-detail")
    expect(detail).to_have_attribute("data-status", "open")
    expect(zhang.get_by_test_id("finding-detail-unit")).to_have_text(label)
    finding_id = detail.get_attribute("data-id")
    assert finding_id
    return finding_id, label


def test_a_finding_is_assigned_fixed_verified_reopened_and_closed_by_the_right_people(
    context: BrowserContext,
    other_context: BrowserContext,
    third_context: BrowserContext,
    live_server: LiveServer,
) -> None:
    zhang = context.new_page()
    sign_in(zhang, live_server, "zhangwei")
    finding_id, unit = report(zhang)
    # The reporter (a patrol) may not assign, fix, verify or close.
    assert actions(zhang) == []
    expect(zhang.get_by_test_id("finding-actions")).to_contain_text("当前没有您可以进行的操作。")
    synced(zhang)
    assert server_findings(live_server)[finding_id]["status"] == "open"

    lina = other_context.new_page()
    sign_in(lina, live_server, "lina")
    synced(lina)
    status(lina, finding_id, "open")
    assert actions(lina) == ["action-assign", "action-close"]
    lina.get_by_test_id("action-assignee").select_option(label="刘洋")
    lina.get_by_test_id("action-assign").click()
    expect(lina.get_by_test_id("action-done")).to_have_text("已派单。")
    expect(lina.get_by_test_id("finding-detail")).to_have_attribute("data-status", "assigned")
    expect(lina.get_by_test_id("finding-detail-assignee")).to_have_text("刘洋")
    # Only a supervisor reassigns: the button says so now.
    expect(lina.get_by_test_id("action-assign")).to_have_text("改派")
    synced(lina)
    assert server_findings(live_server)[finding_id]["status"] == "assigned"

    liu = third_context.new_page()
    sign_in(liu, live_server, "liuyang")
    synced(liu)
    # 刘洋's home lists it among their open findings, not yet accepted (待接单).
    liu.get_by_test_id("nav-home").click()
    row = liu.get_by_test_id("now-findings").locator(f'[data-id="{finding_id}"]')
    expect(row.get_by_test_id("finding-not-accepted")).to_have_text("待接单", timeout=WAIT)
    status(liu, finding_id, "assigned")
    assert actions(liu) == ["action-accept", "action-fix"]
    liu.get_by_test_id("action-accept").click()  # 接单
    expect(liu.get_by_test_id("action-done")).to_have_text("已接单。")
    assert actions(liu) == ["action-fix"]
    synced(liu)
    saved = server_findings(live_server)[finding_id]
    assert saved["accepted_at"] and saved["accepted_by"] == saved["assignee_id"]
    liu.get_by_test_id("nav-home").click()
    expect(row).to_be_visible(timeout=WAIT)
    expect(row.get_by_test_id("finding-not-accepted")).to_have_count(0)
    status(liu, finding_id, "assigned")
    # No fix note: refused on the phone, the reason next to the note, nothing queued.
    liu.get_by_test_id("action-fix").click()
    expect(liu.get_by_test_id("action-error-fix_note")).to_have_text(
        catalog_text("error.fix_note_required")
    )
    expect(liu.get_by_test_id("finding-detail")).to_have_attribute("data-status", "assigned")
    liu.get_by_test_id("action-fix-note").fill("已更换门禁读卡器并测试")
    liu.get_by_test_id("action-fix").click()
    expect(liu.get_by_test_id("action-done")).to_have_text("已标记为已整改。")
    expect(liu.get_by_test_id("finding-detail")).to_have_attribute("data-status", "fixed")
    expect(liu.get_by_test_id("finding-detail-fix-note")).to_have_text("已更换门禁读卡器并测试")
    synced(liu)
    saved = server_findings(live_server)[finding_id]
    assert (saved["status"], saved["fix_note"]) == ("fixed", "已更换门禁读卡器并测试")

    # Someone else (the supervisor) verifies; then reopens it, only with a reason.
    synced(lina)
    status(lina, finding_id, "fixed")
    assert actions(lina) == ["action-close", "action-reopen", "action-verify"]
    lina.get_by_test_id("action-verify").click()
    expect(lina.get_by_test_id("finding-detail")).to_have_attribute("data-status", "verified")
    assert actions(lina) == ["action-close", "action-reopen"]
    lina.get_by_test_id("action-reopen").click()
    expect(lina.get_by_test_id("action-error-reason")).to_have_text(
        catalog_text("error.reason_required")
    )
    lina.get_by_test_id("action-reason").fill("读卡器仍偶尔失灵")
    lina.get_by_test_id("action-reopen").click()
    expect(lina.get_by_test_id("action-done")).to_have_text("已重新打开。")
    expect(lina.get_by_test_id("finding-detail")).to_have_attribute("data-status", "assigned")
    expect(lina.get_by_test_id("finding-reopen-reason")).to_contain_text("读卡器仍偶尔失灵")
    synced(lina)
    assert server_findings(live_server)[finding_id]["reopen_reason"] == "读卡器仍偶尔失灵"

    synced(liu)
    status(liu, finding_id, "assigned")
    liu.get_by_test_id("action-fix-note").fill("更换读卡器主板")
    liu.get_by_test_id("action-fix").click()
    expect(liu.get_by_test_id("finding-detail")).to_have_attribute("data-status", "fixed")
    synced(liu)

    synced(lina)
    status(lina, finding_id, "fixed")
    lina.get_by_test_id("action-verify").click()
    expect(lina.get_by_test_id("finding-detail")).to_have_attribute("data-status", "verified")
    lina.get_by_test_id("action-close").click()
    expect(lina.get_by_test_id("action-done")).to_have_text("已关闭。")
    expect(lina.get_by_test_id("finding-detail")).to_have_attribute("data-status", "closed")
    synced(lina)
    assert server_findings(live_server)[finding_id]["status"] == "closed"

    # The history: who changed which field, in words.
    status(lina, finding_id, "closed")
    assert actions(lina) == []
    lines = lina.get_by_test_id("history-line")
    expect(lines.first).to_contain_text("张伟 上报了问题")
    history = lina.get_by_test_id("finding-history")
    for line in (
        "李娜 把 状态 从 待处理 改为 已派单",
        "李娜 把 整改负责人 从 （空） 改为 刘洋",
        "刘洋 把 状态 从 已派单 改为 已整改",
        "刘洋 把 整改说明 从 （空） 改为 已更换门禁读卡器并测试",
        "李娜 把 状态 从 已整改 改为 已验证",
        "李娜 把 状态 从 已验证 改为 已派单",
        "李娜 把 状态 从 已验证 改为 已关闭",
    ):
        expect(history).to_contain_text(line, timeout=WAIT)
    expect(lina.get_by_test_id("finding-detail-unit")).to_have_text(unit)
    open_sync_page(lina)
    expect_pending(lina, 0)
    # Nobody was refused along the way.
    expect(lina.get_by_test_id("notice")).to_have_count(0)


def small_photo() -> bytes:
    from io import BytesIO

    from PIL import Image

    out = BytesIO()
    Image.new("RGB", (640, 480), (40, 140, 90)).save(out, "JPEG")
    return out.getvalue()


def test_a_cleaning_fix_needs_a_photo_and_says_so_next_to_the_photos(
    context: BrowserContext, other_context: BrowserContext, live_server: LiveServer
) -> None:
    """A supervisor reports and assigns a cleaning finding; the environment officer's fix is
    refused without a fix photo (the reason beside the photos) and taken with one."""
    lina = context.new_page()
    sign_in(lina, live_server, "lina")
    lina.get_by_test_id("nav-findings").click()
    lina.get_by_test_id("finding-new").click()
    lina.get_by_test_id("finding-form").wait_for()
    lina.get_by_test_id("finding-site").select_option(label="翠湖花园")
    lina.get_by_test_id("finding-category").select_option("cleaning")
    lina.get_by_test_id("finding-description").fill("东门垃圾桶满溢")
    lina.get_by_test_id("finding-save").click()
    detail = lina.get_by_test_id("finding-detail")
    expect(detail).to_have_attribute("data-status", "open")
    finding_id = detail.get_attribute("data-id")
    assert finding_id
    lina.get_by_test_id("action-assignee").select_option(label="王芳")
    lina.get_by_test_id("action-assign").click()
    expect(detail).to_have_attribute("data-status", "assigned")
    synced(lina)

    wang = other_context.new_page()
    sign_in(wang, live_server, "wangfang")
    synced(wang)
    status(wang, finding_id, "assigned")
    # 王芳 is the assignee: she may fix it without accepting it first, and (having fixed it) may
    # not verify it later.
    assert actions(wang) == ["action-accept", "action-fix"]
    wang.get_by_test_id("action-fix-note").fill("已清运并冲洗")
    wang.get_by_test_id("action-fix").click()
    expect(wang.get_by_test_id("action-error-fix_photos")).to_have_text(
        catalog_text("error.fix_photos_required")
    )
    expect(wang.get_by_test_id("finding-detail")).to_have_attribute("data-status", "assigned")
    wang.get_by_test_id("action-fix-photo-input").set_input_files(
        files=[{"name": "IMG_0002.jpg", "mimeType": "image/jpeg", "buffer": small_photo()}]
    )
    expect(wang.get_by_test_id("finding-actions").get_by_test_id("photo-thumb")).to_have_count(1)
    wang.get_by_test_id("action-fix").click()
    expect(wang.get_by_test_id("finding-detail")).to_have_attribute("data-status", "fixed")
    expect(wang.get_by_test_id("action-error-fix_photos")).to_have_count(0)
    assert actions(wang) == []
    synced(wang)
    saved = server_findings(live_server)[finding_id]
    assert (saved["status"], len(saved["fix_photos"])) == ("fixed", 1)
