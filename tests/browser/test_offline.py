"""Offline use end to end: the app opens from the service worker with no network, edits made
offline survive closing the page, and they reach the server exactly once when it is back."""

from playwright.sync_api import BrowserContext, Page, expect

from tests.browser.conftest import (
    LiveServer,
    NetworkLog,
    assert_offline,
    create_finding,
    device_id,
    edit_finding,
    expect_pending,
    go_offline,
    go_online,
    open_finding,
    open_sync_page,
    outbox,
    query,
    server_findings,
    server_results,
    sign_in,
    wait_for_service_worker,
)


def site_id(server: LiveServer, code: str) -> int:
    [(found,)] = query(server, "SELECT id FROM site WHERE code = ?", code)
    return int(found)


def test_offline_edits_survive_a_closed_page_and_sync_exactly_once(
    context: BrowserContext, page: Page, live_server: LiveServer
) -> None:
    sign_in(page, live_server, "zhangwei")
    wait_for_service_worker(page)
    device = device_id(page)

    go_offline(context)
    log = NetworkLog(context)
    page.reload()
    # The shell came from the service worker: the server cannot be reached from this page.
    expect(page.get_by_test_id("sync-now")).to_be_visible()
    expect(page.get_by_test_id("offline-badge")).to_be_visible()
    assert_offline(page)

    finding_id = create_finding(page, "消防通道被杂物堵塞", location="3栋1单元门口")
    edit_finding(page, finding_id, location="3栋2单元门口", description="消防通道被纸箱堵塞")
    expect(page.get_by_test_id("finding-detail-location")).to_have_text("3栋2单元门口")
    expect(page.get_by_test_id("state-pending")).to_be_visible()
    mutations = outbox(page)
    assert [m["name"] for m in mutations] == ["findings.upsert", "findings.upsert"]
    assert {m["record_id"] for m in mutations} == {finding_id}
    # The edit sends only what changed.
    assert set(mutations[1]["args"]) == {"id", "location", "description"}
    page.close()

    page = context.new_page()
    page.goto(live_server.url + "/")
    expect(page.get_by_test_id("home-header")).to_be_visible()
    assert_offline(page)
    open_sync_page(page)
    expect_pending(page, 2)
    expect(page.get_by_test_id("pending-item")).to_have_count(2)
    open_finding(page, finding_id)
    expect(page.get_by_test_id("finding-detail-location")).to_have_text("3栋2单元门口")
    expect(page.get_by_test_id("finding-detail-description")).to_have_text("消防通道被纸箱堵塞")
    expect(page.get_by_test_id("state-pending")).to_be_visible()
    assert_offline(page)
    # All the while, everything the pages got came from the service worker.
    assert log.responses
    assert log.from_network() == []
    assert server_findings(live_server) == {}

    go_online(context)
    open_sync_page(page)
    expect_pending(page, 0)
    expect(page.get_by_test_id("last-synced")).not_to_have_attribute("data-value", "")
    open_finding(page, finding_id)
    expect(page.get_by_test_id("state-pending")).to_have_count(0)

    stored = server_findings(live_server)
    assert list(stored) == [finding_id]
    f = stored[finding_id]
    assert f["location"] == "3栋2单元门口"
    assert f["description"] == "消防通道被纸箱堵塞"
    assert f["site_id"] == site_id(live_server, "cuihu")
    assert f["status"] == "open"
    assert f["_deleted"] is False
    results = server_results(live_server, device)
    assert set(results) == {m["id"] for m in mutations}
    assert sorted(r["seq"] for r in results.values()) == [1, 2]
    assert {r["status"] for r in results.values()} == {"applied"}


def test_cold_start_with_no_network_opens_the_app_from_the_service_worker(
    context: BrowserContext, page: Page, live_server: LiveServer
) -> None:
    sign_in(page, live_server, "zhangwei")
    wait_for_service_worker(page)
    page.close()

    # No network from the very first request of a new page, and no server either.
    go_offline(context)
    live_server.stop(kill=True)
    log = NetworkLog(context)
    page = context.new_page()
    page.goto(live_server.url + "/findings")
    expect(page.get_by_test_id("findings-count")).to_be_visible()
    expect(page.get_by_test_id("offline-badge")).to_be_visible()
    page.get_by_test_id("nav-home").click()
    expect(page.get_by_test_id("user-name")).to_contain_text("张伟")
    expect(page.get_by_test_id("site-list")).to_contain_text("翠湖花园")
    assert_offline(page)
    assert (live_server.url + "/findings", True) in log.responses
    assert log.from_network() == []
