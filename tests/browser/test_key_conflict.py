"""Two keepers change one key's 存放位置 offline at the same time (issue 15): each is told once,
with the field's Chinese name, not its code name."""

from playwright.sync_api import BrowserContext, Page, expect

from tests.browser.conftest import (
    LiveServer,
    go_offline,
    go_online,
    open_sync_page,
    sign_in,
    synced,
)
from tests.browser.test_key_refusal import open_key
from tests.browser.test_patrol_day import records, register_key, vacant_unit

WAIT = 20_000


def edit_storage(page: Page, key_id: str) -> None:
    """Open the key's registration form from its page (online, so the desk's code is at hand)."""
    open_key(page, key_id)
    page.get_by_test_id("key-edit").click()
    expect(page.get_by_test_id("admin-key-storage")).to_have_value("客服中心钥匙柜 A3")


def save_storage(page: Page, place: str) -> None:
    page.get_by_test_id("admin-key-storage").fill(place)
    page.get_by_test_id("admin-key-save").click()
    expect(page.get_by_test_id("admin-key-storage")).to_have_count(0)


def test_concurrent_key_edits_name_the_field_in_chinese(
    context: BrowserContext, other_context: BrowserContext, live_server: LiveServer
) -> None:
    unit_id, _ = vacant_unit(live_server)
    lina = context.new_page()
    sign_in(lina, live_server, "lina")
    register_key(lina, unit_id, "CH-K031")
    synced(lina)
    [key_id] = records(live_server, "keys")
    admin = other_context.new_page()
    sign_in(admin, live_server, "admin")
    synced(admin)
    for p in (lina, admin):
        edit_storage(p, key_id)
        go_offline(p.context)
    save_storage(lina, "钥匙柜 B1")
    save_storage(admin, "钥匙柜 C2")
    for p in (lina, admin, lina):
        go_online(p.context)
        synced(p)
    assert records(live_server, "keys")[key_id]["storage_place"] == "钥匙柜 C2"

    told = {
        lina: "的“存放位置”的修改（钥匙柜 B1）被系统管理员同时的修改（钥匙柜 C2）替换了。",
        admin: "的“存放位置”的修改（钥匙柜 B1），现为你的修改（钥匙柜 C2）。",
    }
    for p, text in told.items():
        open_sync_page(p)
        mine = p.get_by_test_id("my-conflicts").get_by_test_id("conflict")
        expect(mine).to_have_count(1, timeout=WAIT)
        expect(mine).to_have_attribute("data-field", "storage_place")
        expect(mine.get_by_test_id("conflict-text")).to_contain_text(text)
        expect(mine.get_by_test_id("conflict-text")).not_to_contain_text("storage_place")
        expect(p.get_by_test_id("notice")).to_have_count(0)
