"""A refused offline edit is shown to its author with the translated reason, and the notice
leads to the record."""

from playwright.sync_api import BrowserContext, expect

from tests.browser.conftest import (
    LiveServer,
    catalog_text,
    create_finding,
    device_id,
    edit_finding,
    expect_pending,
    go_offline,
    go_online,
    open_finding,
    open_sync_page,
    outbox,
    server_findings,
    server_results,
    sign_in,
    sync_now,
)


def test_an_edit_of_a_closed_finding_is_refused_with_the_translated_reason(
    context: BrowserContext, other_context: BrowserContext, live_server: LiveServer
) -> None:
    zhang = context.new_page()
    sign_in(zhang, live_server, "zhangwei")
    device = device_id(zhang)
    finding_id = create_finding(zhang, "5栋垃圾桶破损", location="5栋东侧")
    sync_now(zhang)
    expect_pending(zhang, 0)

    # Zhang Wei goes out of coverage with the finding still open on his phone.
    go_offline(context)

    lina = other_context.new_page()
    sign_in(lina, live_server, "lina")
    # A supervisor closes an unverified (here: duplicate) finding only with a reason.
    open_finding(lina, finding_id)
    lina.get_by_test_id("action-reason").fill("与另一条重复")
    lina.get_by_test_id("action-close").click()
    expect(lina.get_by_test_id("finding-detail")).to_have_attribute("data-status", "closed")
    sync_now(lina)
    expect_pending(lina, 0)
    assert server_findings(live_server)[finding_id]["status"] == "closed"

    # Offline, he still sees it open and edits it.
    edit_finding(zhang, finding_id, location="5栋西侧")
    expect(zhang.get_by_test_id("finding-detail")).to_have_attribute("data-status", "open")
    [refused] = [m for m in outbox(zhang) if m["state"] == "pending"]

    go_online(context)
    open_sync_page(zhang)
    expect_pending(zhang, 0)
    notice = zhang.get_by_test_id("notice")
    expect(notice).to_have_count(1)
    expect(notice).to_have_attribute("data-kind", "rejected")
    expect(notice).to_have_attribute("data-code", "record_locked")
    expect(notice.get_by_test_id("notice-reason")).to_contain_text(
        catalog_text("error.record_locked")
    )
    assert server_results(live_server, device)[refused["id"]]["error"]["code"] == "record_locked"
    assert server_findings(live_server)[finding_id]["location"] == "5栋东侧"

    notice.get_by_test_id("notice-open").click()
    detail = zhang.get_by_test_id("finding-detail")
    expect(detail).to_have_attribute("data-id", finding_id)
    expect(detail).to_have_attribute("data-status", "closed")
    expect(zhang.get_by_test_id("finding-detail-location")).to_have_text("5栋东侧")
    expect(zhang.get_by_test_id("state-rejected")).to_be_visible()
    expect(zhang.get_by_test_id("finding-edit")).to_be_disabled()
    # The notice is shown on the record too, and stays until dismissed.
    expect(zhang.get_by_test_id("notice")).to_have_attribute("data-code", "record_locked")
    zhang.get_by_test_id("notice-dismiss").click()
    expect(zhang.get_by_test_id("notice")).to_have_count(0)
    expect(zhang.get_by_test_id("state-rejected")).to_have_count(0)
    expect(zhang.get_by_test_id("finding-detail")).to_have_attribute("data-id", finding_id)
