"""The home screen says what needs the person now (issue 14, "Patrols", last bullet): their
patrols sent back with the supervisor's comment, the keys they hold and when each is due
(overdue marked), their findings not yet closed; each a link, from the phone's own store."""

from __future__ import annotations

from playwright.sync_api import BrowserContext, Page, expect

from tests.browser.conftest import (
    LiveServer,
    assert_offline,
    catalog_text,
    go_offline,
    sign_in,
    synced,
    wait_for_service_worker,
)


def test_home_shows_what_needs_the_person_now_and_works_offline(
    context: BrowserContext, page: Page, demo_server: LiveServer
) -> None:
    sign_in(page, demo_server, "liuyang")
    wait_for_service_worker(page)
    synced(page)
    page.get_by_test_id("nav-home").click()
    now = page.get_by_test_id("home-now")
    expect(now).to_contain_text(catalog_text("now.title"))

    def check() -> None:
        # The patrol 李娜 sent back, with her comment.
        returned = now.get_by_test_id("now-patrol")
        expect(returned).to_have_count(1)
        expect(returned.get_by_test_id("now-comment")).to_contain_text("电表读数 1.0 与现场不符")
        # Two keys out with him: the repair key from two days ago is overdue and listed first.
        held = now.get_by_test_id("now-key")
        expect(held).to_have_count(2)
        expect(held.nth(0)).to_have_attribute("data-overdue", "true")
        expect(held.nth(0)).to_contain_text("超时未还")
        expect(held.nth(1)).to_have_attribute("data-overdue", "false")
        expect(held.nth(1).get_by_test_id("now-key-due")).to_contain_text("应还")
        # His findings not closed: the one assigned to him and the one he reported (fixed);
        # the closed one he reported is not there.
        rows = now.get_by_test_id("finding-row")
        expect(rows).to_have_count(2)
        expect(now).to_contain_text("地下车库负二层三十六号车位上方顶板漏水")
        expect(now).to_contain_text("楼道感应灯不亮")
        expect(now).not_to_contain_text("东门垃圾桶满溢")

    check()
    # Offline, from the phone's own store, after a fresh start.
    go_offline(context)
    assert_offline(page)
    page.reload()
    expect(now).to_be_visible()
    check()

    # Each is a link to its record.
    now.get_by_test_id("now-key").nth(0).click()
    expect(page.get_by_test_id("key-page")).to_be_visible()
    page.get_by_test_id("nav-home").click()
    patrol_id = now.get_by_test_id("now-patrol").get_attribute("data-id")
    now.get_by_test_id("now-patrol").click()
    assert page.url.endswith(f"/patrols/{patrol_id}")
