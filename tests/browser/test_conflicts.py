"""Two people edit one finding offline on two phones: different fields are both kept; the same
field goes to the later edit, and the person whose value was replaced is told which field, once."""

from playwright.sync_api import BrowserContext, Page, expect

from tests.browser.conftest import (
    LiveServer,
    catalog_text,
    create_finding,
    edit_finding,
    expect_pending,
    go_offline,
    go_online,
    open_finding,
    open_sync_page,
    outbox,
    query,
    server_findings,
    sign_in,
    sync_now,
)


def expect_detail(page: Page, finding_id: str, *, location: str, description: str) -> None:
    open_finding(page, finding_id)
    expect(page.get_by_test_id("finding-detail-location")).to_have_text(location)
    expect(page.get_by_test_id("finding-detail-description")).to_have_text(description)
    expect(page.get_by_test_id("state-pending")).to_have_count(0)


def test_offline_edits_of_two_users_merge_per_field_and_the_later_edit_wins(
    context: BrowserContext, other_context: BrowserContext, live_server: LiveServer
) -> None:
    zhang = context.new_page()
    sign_in(zhang, live_server, "zhangwei")
    finding_id = create_finding(zhang, "2栋电梯按钮失灵", location="2栋大堂")
    sync_now(zhang)
    expect_pending(zhang, 0)
    assert finding_id in server_findings(live_server)

    lina = other_context.new_page()
    sign_in(lina, live_server, "lina")
    expect_detail(lina, finding_id, location="2栋大堂", description="2栋电梯按钮失灵")

    # Different fields, offline on both phones: both kept.
    go_offline(context)
    go_offline(other_context)
    edit_finding(zhang, finding_id, location="2栋1号电梯")
    edit_finding(lina, finding_id, description="2栋1号电梯按钮失灵，已报维保")
    go_online(context)
    open_sync_page(zhang)
    expect_pending(zhang, 0)
    go_online(other_context)
    open_sync_page(lina)
    expect_pending(lina, 0)
    sync_now(zhang)
    expect_pending(zhang, 0)
    both = {"location": "2栋1号电梯", "description": "2栋1号电梯按钮失灵，已报维保"}
    for p in (zhang, lina):
        expect_detail(p, finding_id, **both)
        open_sync_page(p)
        expect(p.get_by_test_id("notice")).to_have_count(0)
    stored = server_findings(live_server)[finding_id]
    assert {k: stored[k] for k in both} == both

    # The same field, offline on both phones: Zhang Wei edits first, Li Na later.
    go_offline(context)
    go_offline(other_context)
    edit_finding(zhang, finding_id, location="2栋2号电梯")
    edit_finding(lina, finding_id, location="2栋3号电梯")
    [zhang_edit] = [m for m in outbox(zhang) if m["state"] == "pending"]
    [lina_edit] = [m for m in outbox(lina) if m["state"] == "pending"]
    assert zhang_edit["hlc"] < lina_edit["hlc"]
    # The later edit reaches the server first; the earlier one then loses the field.
    go_online(other_context)
    open_sync_page(lina)
    expect_pending(lina, 0)
    go_online(context)
    open_sync_page(zhang)
    expect_pending(zhang, 0)
    sync_now(lina)
    expect_pending(lina, 0)

    final = {"location": "2栋3号电梯", "description": both["description"]}
    for p in (zhang, lina):
        expect_detail(p, finding_id, **final)
    stored = server_findings(live_server)[finding_id]
    assert {k: stored[k] for k in final} == final
    assert query(
        live_server,
        "SELECT field, kept, discarded FROM sync_conflict WHERE mutation_id = ?",
        zhang_edit["id"],
    ) == [("location", '"2栋3号电梯"', '"2栋2号电梯"')]

    # Zhang Wei is told once, by the conflict notice (no older "merged" notice beside it),
    # which of his fields was replaced, and by what.
    open_sync_page(zhang)
    expect(zhang.get_by_test_id("notice")).to_have_count(0)
    conflict = zhang.get_by_test_id("my-conflicts").get_by_test_id("conflict")
    expect(conflict).to_have_count(1)
    expect(conflict).to_have_attribute("data-side", "replaced")
    expect(conflict).to_have_attribute("data-field", "location")
    text = conflict.get_by_test_id("conflict-text")
    expect(text).to_contain_text(f"“{catalog_text('finding.field.location')}”")
    expect(text).to_contain_text("2栋3号电梯")
    expect(text).to_contain_text("2栋2号电梯")
    # Li Na's edit won: she is told she replaced his, and has no other notice either.
    open_sync_page(lina)
    expect(lina.get_by_test_id("notice")).to_have_count(0)
    expect(lina.get_by_test_id("my-conflicts").get_by_test_id("conflict")).to_have_attribute(
        "data-side", "replacer"
    )
