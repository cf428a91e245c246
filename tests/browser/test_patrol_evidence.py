"""Issue 14, patrols, in Chromium on a 360-px phone in zh-CN: a patrol submits only with its
evidence (a note on each failed item, a photo where the checklist asks, the required readings,
numbers only), each refusal next to its field before anything leaves the phone; after submit
it says 「已提交，等待审核」 and 「等待同步」 only while offline; overdue counts from the due
date; the unit picker lists only units not already shown; a reading below the last approved
one reaches the supervisor flagged; the checklist's name shows in Chinese only."""

from __future__ import annotations

import re
import sqlite3
from datetime import date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from playwright.sync_api import BrowserContext, Locator, Page, expect
from playwright.sync_api import TimeoutError as PlaywrightTimeoutError

from tests.browser.conftest import (
    DEMO_PASSWORD,
    LiveServer,
    expect_pending,
    go_offline,
    go_online,
    outbox,
    query,
    sign_in,
    sync_now,
)
from tests.browser.test_patrol_day import jpeg_bytes, records

LATIN = re.compile(r"[A-Za-z]")


def site_today(server: LiveServer) -> date:
    [(tz,)] = query(server, "SELECT timezone FROM site WHERE code = 'cuihu'")
    return datetime.now(ZoneInfo(tz or "Asia/Shanghai")).date()


def vacant_units(server: LiveServer) -> list[int]:
    rows = query(
        server,
        "SELECT u.id FROM unit u JOIN building b ON u.building = b.id "
        "JOIN site s ON b.site = s.id WHERE s.code = 'cuihu' AND u.vacant ORDER BY u.id",
    )
    return [int(r[0]) for r in rows]


def set_unit(server: LiveServer, unit_id: int, vacant_since: date, interval: int) -> None:
    """Master data as an admin would have entered it (the test's starting state)."""
    conn = sqlite3.connect(server.database)
    try:
        conn.execute(
            "UPDATE unit SET vacant_since = ?, patrol_interval_days = ? WHERE id = ?",
            (vacant_since.isoformat(), interval, unit_id),
        )
        conn.commit()
    finally:
        conn.close()


def item(p: Page, key: str) -> Locator:
    return p.locator(f'[data-testid="patrol-item"][data-key="{key}"]')


def open_unit(p: Page, unit_id: int) -> None:
    """From 空置房巡查: the unit from the due list, else from the other-units picker."""
    p.get_by_test_id("nav-patrols").click()
    due = p.locator(f'[data-testid="due-unit"][data-unit-id="{unit_id}"]')
    p.get_by_test_id("due-list").wait_for()
    try:
        # The due list may still be redrawn from a fresher answer (the unit then leaves it).
        due.click(timeout=5_000)
    except PlaywrightTimeoutError:
        p.locator("summary.summary").click()
        p.locator(f'[data-testid="unit-row"][data-id="{unit_id}"]').click()
    expect(p.get_by_test_id("patrol-unit")).to_have_attribute("data-unit-id", str(unit_id))


def quick_patrol(p: Page, unit_id: int, water: str, electricity: str) -> str:
    """Every item passed, both readings: submitted; returns the patrol's id."""
    open_unit(p, unit_id)
    p.get_by_test_id("patrol-start").click()
    items = p.get_by_test_id("patrol-item")
    expect(items).to_have_count(9)
    for key in items.evaluate_all("els => els.map((e) => e.dataset.key)"):
        item(p, key).get_by_test_id("item-pass").click()
    p.get_by_test_id("water-reading").fill(water)
    p.get_by_test_id("electricity-reading").fill(electricity)
    p.get_by_test_id("patrol-submit").click()
    expect(p.get_by_test_id("patrol-status")).to_have_attribute("data-status", "submitted")
    patrol_id = p.get_by_test_id("patrol-form").get_attribute("data-id")
    assert patrol_id
    return patrol_id


def approve(page: Page, patrol_id: str) -> None:
    sync_now(page)
    expect_pending(page, 0)
    page.get_by_test_id("nav-review").click()
    page.locator(f'[data-testid="review-item"][data-id="{patrol_id}"]').click()
    page.get_by_test_id("review-approve").click()
    expect(page.get_by_test_id("review-queue")).to_be_visible()
    sync_now(page)
    expect_pending(page, 0)


def test_a_patrol_submits_only_with_its_evidence_and_says_where_it_stands(
    other_context: BrowserContext, page: Page, live_server: LiveServer, tmp_path: Path
) -> None:
    today = site_today(live_server)
    vacant = vacant_units(live_server)
    first, year_vacant, fresh = vacant[:3]
    # Vacant a year, never visited, every 30 days: due 335 days ago, not 365.
    set_unit(live_server, year_vacant, today - timedelta(days=365), 30)
    # Vacant two days: its first visit is not due yet.
    set_unit(live_server, fresh, today - timedelta(days=2), 7)

    p = page
    sign_in(p, live_server, "zhangwei")
    p.get_by_test_id("nav-patrols").click()
    overdue = p.locator(f'[data-testid="due-unit"][data-unit-id="{year_vacant}"]')
    expect(overdue).to_have_attribute("data-overdue", "335")
    expect(overdue).to_contain_text("逾期 335 天")
    # The picker lists only the vacant units the due list does not show.
    p.locator("summary.summary").click()
    shown = set(
        p.get_by_test_id("due-unit").evaluate_all("els => els.map((e) => e.dataset.unitId)")
    )
    picked = set(p.get_by_test_id("unit-row").evaluate_all("els => els.map((e) => e.dataset.id)"))
    assert str(fresh) in picked and str(year_vacant) in shown
    assert picked == {str(u) for u in vacant} - shown, (shown, picked)

    # A first patrol of the unit, approved by the supervisor: its readings are the last accepted.
    quick_patrol(p, first, "50", "3400")
    sync_now(p)
    expect_pending(p, 0)
    [(approved_id, _)] = records(live_server, "patrols").items()
    boss = other_context.new_page()
    sign_in(boss, live_server, "lina")
    approve(boss, approved_id)
    assert records(live_server, "patrols")[approved_id]["status"] == "approved"
    sync_now(p)
    expect_pending(p, 0)

    # The next patrol of the unit (now not due: from the picker).
    open_unit(p, first)
    p.get_by_test_id("patrol-start").click()
    expect(p.get_by_test_id("patrol-form")).to_contain_text("空置房巡查标准清单（第 1 版）")
    checklist_name = p.get_by_test_id("patrol-form").locator("dl").inner_text()
    assert not LATIN.search(checklist_name.replace("kWh", "")), checklist_name
    for key in p.get_by_test_id("patrol-item").evaluate_all("els => els.map((e) => e.dataset.key)"):
        item(p, key).get_by_test_id("item-fail" if key == "door" else "item-pass").click()
    expect(p.get_by_test_id("water-reading-unit")).to_have_text("(m³)")
    expect(p.get_by_test_id("electricity-reading-unit")).to_have_text("(kWh)")

    # "abc" is refused next to its field, and not saved as an empty reading.
    p.get_by_test_id("electricity-reading").fill("abc")
    warning = p.locator('[data-testid="reading-warning"][data-field="electricity"]')
    expect(warning).to_have_attribute("data-kind", "invalid")
    expect(warning).to_contain_text("请输入数字")
    p.get_by_test_id("patrol-save").click()
    expect(p.get_by_test_id("patrol-error")).to_be_visible()
    saves = [m for m in outbox(p) if m["name"] == "patrols.save"]
    assert all("electricity_reading" not in m["args"] for m in saves[-1:]), saves[-1]
    p.get_by_test_id("electricity-reading").fill("3500")
    expect(warning).to_have_count(0)

    # Submit: the failed item needs a note, then a photo (the door asks for one); water is required.
    p.get_by_test_id("patrol-submit").click()
    door_error = item(p, "door").get_by_test_id("item-error")
    expect(door_error).to_have_attribute("data-code", "note_required")
    expect(door_error).to_have_text("不合格项目需要填写备注。")
    water_missing = p.locator('[data-testid="reading-warning"][data-field="water"]')
    expect(water_missing).to_have_attribute("data-kind", "required")
    expect(p.get_by_test_id("patrol-status")).to_have_attribute("data-status", "draft")
    item(p, "door").get_by_test_id("item-note").fill("门锁松动，已临时加固")
    p.get_by_test_id("patrol-submit").click()
    expect(door_error).to_have_attribute("data-code", "photo_required")
    photo = tmp_path / "door.jpg"
    photo.write_bytes(jpeg_bytes())
    item(p, "door").get_by_test_id("photo-input").set_input_files(photo)
    expect(item(p, "door").get_by_test_id("photo-thumb")).to_have_count(1, timeout=30_000)
    # Lower than the last approved 50: the phone warns, the patrol keeps it.
    p.get_by_test_id("water-reading").fill("45")
    expect(p.locator('[data-testid="reading-warning"][data-field="water"]')).to_have_attribute(
        "data-kind", "lower"
    )
    assert not [m for m in outbox(p) if m["name"] == "patrols.submit" and m["state"] == "pending"]

    # Offline: submitted, waiting to sync; no draft actions.
    go_offline(p.context)
    p.get_by_test_id("patrol-submit").click()
    expect(p.get_by_test_id("patrol-status")).to_have_attribute("data-status", "submitted")
    expect(p.get_by_test_id("patrol-submitted")).to_contain_text("已提交，等待审核")
    expect(p.get_by_test_id("patrol-unsynced")).to_contain_text("等待同步")
    expect(p.get_by_test_id("patrol-submit")).to_have_count(0)
    expect(p.get_by_test_id("patrol-end")).to_have_count(0)
    expect(p.get_by_test_id("patrol-save")).to_have_count(0)
    patrol_id = p.get_by_test_id("patrol-form").get_attribute("data-id")
    assert patrol_id

    # Online and synced: it no longer says it waits.
    go_online(p.context)
    sync_now(p)
    expect_pending(p, 0)
    p.get_by_test_id("nav-patrols").click()
    p.locator(f'[data-testid="patrol-row"][data-id="{patrol_id}"]').click()
    expect(p.get_by_test_id("patrol-submitted")).to_contain_text("已提交，等待审核")
    expect(p.get_by_test_id("patrol-unsynced")).to_have_count(0)
    expect(p.get_by_test_id("state-pending")).to_have_count(0)
    stored = records(live_server, "patrols")[patrol_id]
    assert stored["status"] == "submitted"
    assert (stored["water_reading"], stored["electricity_reading"]) == (45, 3500)
    assert stored["reading_flags"] == {"water": 50}
    assert stored["items"]["door"]["note"] == "门锁松动，已临时加固"

    # The supervisor sees the reading flagged by the server.
    sync_now(boss)
    expect_pending(boss, 0)
    boss.get_by_test_id("nav-review").click()
    boss.locator(f'[data-testid="review-item"][data-id="{patrol_id}"]').click()
    flag = boss.locator('[data-testid="reading-flag"][data-field="water"]')
    expect(flag).to_contain_text("低于上次通过的读数 50")
    expect(boss.get_by_test_id("review-detail")).to_contain_text("空置房巡查标准清单（第 1 版）")


def test_admin_names_the_checklist_in_both_languages_and_asks_for_a_photo(
    page: Page, other_context: BrowserContext, live_server: LiveServer
) -> None:
    sign_in(page, live_server, "admin")
    page.goto(f"{live_server.url}/admin/checklists")
    page.get_by_test_id("admin-site").select_option(label="翠湖花园")
    name_zh = page.get_by_test_id("admin-checklist-name-zh")
    expect(name_zh).to_have_value("空置房巡查标准清单")
    expect(page.get_by_test_id("admin-checklist-name-en")).to_have_value("Vacant-unit checklist")
    name_zh.fill("空置房月度巡查清单")
    page.get_by_test_id("admin-checklist-name-en").fill("Monthly vacant-unit checklist")
    windows = page.locator('[data-testid="admin-checklist-item"][data-key="windows"]')
    windows.get_by_test_id("admin-item-photo-required").check()
    page.locator('[data-testid="admin-reading-required"][data-meter="electricity"]').uncheck()
    page.get_by_test_id("admin-checklist-save").click()
    expect(page.get_by_test_id("admin-saved")).to_have_text("已保存为第 2 版。")
    sync_now(page)
    expect_pending(page, 0)
    [v2] = [t for t in records(live_server, "patrol_templates").values() if t["version"] == 2]
    assert v2["name"] == {"zh-CN": "空置房月度巡查清单", "en": "Monthly vacant-unit checklist"}
    assert [i["key"] for i in v2["items"] if i["photo_required"]] == [
        "door",
        "windows",
        "water",
        "damage",
    ]
    assert [(r["meter"], r["required"]) for r in v2["readings"]] == [
        ("water", True),
        ("electricity", False),
    ]

    # In the English UI the patrol shows the English name and the new rule.
    p = other_context.new_page()
    p.goto(live_server.url + "/")
    p.get_by_test_id("lang-en").click()
    sign_in_here = p.get_by_test_id("login-username")
    sign_in_here.fill("zhangwei")
    p.get_by_test_id("login-password").fill(DEMO_PASSWORD)
    p.get_by_test_id("login-submit").click()
    p.get_by_test_id("home-header").wait_for()
    unit_id = vacant_units(live_server)[0]
    open_unit(p, unit_id)
    expect(p.get_by_test_id("patrol-unit").locator("xpath=..")).to_contain_text(
        "Checklist: Monthly vacant-unit checklist (version 2, 9 items)"
    )
    p.get_by_test_id("patrol-start").click()
    item(p, "windows").get_by_test_id("item-fail").click()
    item(p, "windows").get_by_test_id("item-note").fill("North window open")
    for key in ("door", "water", "power", "gas", "seepage", "damage", "occupancy", "pests"):
        item(p, key).get_by_test_id("item-pass").click()
    p.get_by_test_id("water-reading").fill("10")
    p.get_by_test_id("patrol-submit").click()
    error = item(p, "windows").get_by_test_id("item-error")
    expect(error).to_have_attribute("data-code", "photo_required")
    expect(error).to_have_text("This item needs a photo when it fails.")
    # Electricity is no longer required: only the photo holds the submit back.
    expect(p.get_by_test_id("reading-warning")).to_have_count(0)
