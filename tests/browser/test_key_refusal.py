"""A queued key action refused because someone else's custody step came first (issue 15): the
refusal names the person, and the optimistic ledger line and status give way to the truth."""

from playwright.sync_api import BrowserContext, Page, expect

from tests.browser.conftest import (
    LiveServer,
    go_offline,
    go_online,
    sign_in,
    synced,
)
from tests.browser.test_patrol_day import open_tag, records, register_key, vacant_unit

WAIT = 20_000


def open_key(page: Page, key_id: str) -> None:
    page.get_by_test_id("nav-keys").click()
    page.locator(f'[data-testid="key-row"][data-id="{key_id}"]').last.click()
    expect(page.get_by_test_id("key-page")).to_have_attribute("data-id", key_id)


def test_a_check_in_after_the_key_was_received_by_another_names_him_and_is_undone(
    page: Page,
    other_context: BrowserContext,
    third_context: BrowserContext,
    live_server: LiveServer,
) -> None:
    unit_id, _ = vacant_unit(live_server)
    sign_in(page, live_server, "lina")
    register_key(page, unit_id, "CH-K015")
    synced(page)
    [key_id] = records(live_server, "keys")

    # Zhang Wei takes the key and hands it to Liu Yang.
    zhang = other_context.new_page()
    sign_in(zhang, live_server, "zhangwei")
    synced(zhang)
    open_tag(zhang, live_server, key_id)
    zhang.get_by_test_id("key-purpose").select_option("patrol")
    zhang.get_by_test_id("key-checkout").click()
    expect(zhang.get_by_test_id("key-status")).to_have_attribute("data-status", "out")
    # Online: it says it is done, not that it waits for a network.
    expect(zhang.get_by_test_id("key-done")).to_have_text("已借出。")
    expect(zhang.get_by_test_id("key-unsynced")).to_have_count(0)
    zhang.get_by_test_id("key-handover-to").select_option(label="刘洋")
    zhang.get_by_test_id("key-handover").click()
    synced(zhang)

    # Offline, he forgets and checks it in: the screen says 已归还 at once.
    go_offline(other_context)
    open_key(zhang, key_id)
    zhang.get_by_test_id("key-checkin").click()
    expect(zhang.get_by_test_id("key-status")).to_have_attribute("data-status", "in")
    pending_checkin = zhang.locator('[data-testid="ledger-event"][data-kind="checkin"]')
    expect(pending_checkin).to_have_attribute("data-pending", "true")
    expect(zhang.get_by_test_id("key-unsynced")).to_have_text("联网后同步。")

    # Meanwhile Liu Yang receives it.
    liu = third_context.new_page()
    sign_in(liu, live_server, "liuyang")
    synced(liu)
    # From the list he is asked to scan; the tag opens the receipt.
    open_key(liu, key_id)
    expect(liu.get_by_test_id("key-scan-first")).to_contain_text("钥匙牌")
    expect(liu.get_by_test_id("key-receive")).to_have_count(0)
    open_tag(liu, live_server, key_id)
    liu.get_by_test_id("key-receive").click()
    synced(liu)

    # Back online, the check-in is refused with the real reason; the optimistic line goes.
    go_online(other_context)
    synced(zhang)
    open_key(zhang, key_id)
    expect(pending_checkin).to_have_count(0, timeout=WAIT)
    status = zhang.get_by_test_id("key-status")
    expect(status).to_have_attribute("data-status", "out")
    liu_id = str(records(live_server, "keys")[key_id]["holder_id"])
    expect(status).to_have_attribute("data-holder", liu_id)
    notice = zhang.get_by_test_id("notice")
    expect(notice).to_have_attribute("data-code", "key_handed_over")
    expect(notice.get_by_test_id("notice-reason")).to_have_text("钥匙已转交给刘洋。")
