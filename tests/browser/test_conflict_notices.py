"""Two patrol workers edit one finding's 位置 offline at the same time (issue 15): whichever
syncs first, both are told at their next sync, in their words; "keep mine" wins and the other
person is told; the site's supervisor sees the site's conflicts."""

from playwright.sync_api import BrowserContext, Page, expect

from tests.browser.conftest import (
    LiveServer,
    create_finding,
    edit_finding,
    go_offline,
    go_online,
    open_finding,
    open_sync_page,
    server_findings,
    sign_in,
    synced,
)

WAIT = 20_000
DESCRIPTION = "大堂地砖松动"
REPLACED = "你对“大堂地砖松动”的“位置”的修改（{mine}）被{other}同时的修改（{theirs}）替换了。"
REPLACER = "你替换了{other}同时对“大堂地砖松动”的“位置”的修改（{theirs}），现为你的修改（{mine}）。"
# Zhang Wei's 东侧 replaced by Liu Yang's later 西侧, as each of them is told.
TOLD_ZHANG = REPLACED.format(mine="东侧", other="刘洋", theirs="西侧")
TOLD_LIU = REPLACER.format(mine="西侧", other="张伟", theirs="东侧")


def shared_finding(zhang: Page, liu: Page, live_server: LiveServer) -> str:
    """A finding both have pulled, then both phones offline."""
    sign_in(zhang, live_server, "zhangwei")
    finding_id = create_finding(zhang, DESCRIPTION, location="大堂")
    synced(zhang)
    assert finding_id in server_findings(live_server)
    sign_in(liu, live_server, "liuyang")
    synced(liu)
    open_finding(liu, finding_id)
    expect(liu.get_by_test_id("finding-detail-location")).to_have_text("大堂")
    return finding_id


def concurrent_edits(zhang: Page, liu: Page, finding_id: str, first: Page) -> None:
    """Both offline, Zhang Wei edits 位置 first and Liu Yang later; `first` syncs first."""
    for p in (zhang, liu):
        go_offline(p.context)
    edit_finding(zhang, finding_id, location="东侧")
    edit_finding(liu, finding_id, location="西侧")
    # The queue names the record, not an id.
    open_sync_page(zhang)
    expect(zhang.get_by_test_id("pending-what")).to_have_text(f"保存问题：{DESCRIPTION}")
    second = liu if first is zhang else zhang
    go_online(first.context)
    synced(first)
    go_online(second.context)
    synced(second)
    synced(first)  # the first learns at its next sync


def the_conflict(page: Page, finding_id: str, text: str, side: str) -> None:
    """The notice on the sync page, the badges, and the notice on the finding's page."""
    open_sync_page(page)
    mine = page.get_by_test_id("my-conflicts").get_by_test_id("conflict")
    expect(mine).to_have_count(1, timeout=WAIT)
    expect(mine).to_have_attribute("data-side", side)
    expect(mine).to_have_attribute("data-unread", "true")
    expect(mine.get_by_test_id("conflict-text")).to_have_text(text)
    # One notice per conflict per person: no older "merged" notice beside it.
    expect(page.get_by_test_id("notice")).to_have_count(0)
    expect(page.get_by_test_id("conflicts-badge-tab")).to_have_text("1")
    page.get_by_test_id("nav-home").click()
    expect(page.get_by_test_id("conflicts-badge-home")).to_have_text("1")
    open_finding(page, finding_id)
    here = page.get_by_test_id("finding-conflicts").get_by_test_id("conflict")
    expect(here).to_have_count(1)
    expect(page.get_by_test_id("notice")).to_have_count(0)
    expect(here.get_by_test_id("conflict-text")).to_have_text(text)
    expect(here.get_by_test_id("conflict-times")).to_contain_text("你")


def test_the_first_to_sync_is_told_too(
    context: BrowserContext, other_context: BrowserContext, live_server: LiveServer
) -> None:
    zhang, liu = context.new_page(), other_context.new_page()
    finding_id = shared_finding(zhang, liu, live_server)
    concurrent_edits(zhang, liu, finding_id, first=zhang)
    assert server_findings(live_server)[finding_id]["location"] == "西侧"
    the_conflict(zhang, finding_id, TOLD_ZHANG, "replaced")
    the_conflict(liu, finding_id, TOLD_LIU, "replacer")
    # Read: the badge goes.
    liu.get_by_test_id("conflict-keep-theirs").click()
    expect(liu.get_by_test_id("conflicts-badge-tab")).to_have_count(0)


def test_the_last_to_sync_keeps_mine_and_the_other_is_told(
    context: BrowserContext,
    other_context: BrowserContext,
    third_context: BrowserContext,
    live_server: LiveServer,
) -> None:
    zhang, liu = context.new_page(), other_context.new_page()
    finding_id = shared_finding(zhang, liu, live_server)
    concurrent_edits(zhang, liu, finding_id, first=liu)
    the_conflict(zhang, finding_id, TOLD_ZHANG, "replaced")
    the_conflict(liu, finding_id, TOLD_LIU, "replacer")
    liu.get_by_test_id("conflict-keep-theirs").click()
    expect(liu.get_by_test_id("conflicts-badge-tab")).to_have_count(0)

    # The site's supervisor sees it among the site's conflicts.
    lina = third_context.new_page()
    sign_in(lina, live_server, "lina")
    synced(lina)
    site = lina.get_by_test_id("site-conflicts").get_by_test_id("conflict")
    expect(site).to_have_count(1, timeout=WAIT)
    expect(site.get_by_test_id("conflict-text")).to_have_text(
        "刘洋对“大堂地砖松动”的“位置”的修改（西侧）替换了张伟同时的修改（东侧）。"
    )

    # Zhang Wei keeps his: it wins, and is read for him at once.
    zhang.get_by_test_id("finding-conflicts").get_by_test_id("conflict-keep-mine").click()
    expect(zhang.get_by_test_id("finding-detail-location")).to_have_text("东侧")
    expect(zhang.get_by_test_id("conflicts-badge-tab")).to_have_count(0)
    synced(zhang)
    assert server_findings(live_server)[finding_id]["location"] == "东侧"

    # Liu Yang is told at his next sync: unread again, saying who restored what.
    synced(liu)
    again = liu.get_by_test_id("my-conflicts").get_by_test_id("conflict")
    expect(again).to_have_attribute("data-unread", "true", timeout=WAIT)
    expect(again.get_by_test_id("conflict-resolved")).to_have_text("张伟已恢复为（东侧）。")
    expect(liu.get_by_test_id("conflicts-badge-tab")).to_have_text("1")
    open_finding(liu, finding_id)
    expect(liu.get_by_test_id("finding-detail-location")).to_have_text("东侧")
