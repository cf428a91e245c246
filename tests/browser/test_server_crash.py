"""The server is killed (SIGKILL) while a push of many offline edits is in flight, and
restarted on the same database: after the next sync nothing is lost and nothing is doubled."""

from collections.abc import Callable

import pytest
from playwright.sync_api import BrowserContext, Page, Route, expect

from tests.browser.conftest import (
    LiveServer,
    create_finding,
    device_id,
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
    sync_now,
)

FINDINGS = 30


def killed_before_it_arrives(server: LiveServer) -> Callable[[Route], None]:
    def handle(route: Route) -> None:
        server.stop(kill=True)
        route.continue_()  # to a dead port: the connection is refused

    return handle


def killed_after_it_committed(server: LiveServer) -> Callable[[Route], None]:
    def handle(route: Route) -> None:
        route.fetch()  # the server applies and commits the whole batch, and answers
        server.stop(kill=True)
        route.abort("connectionreset")  # but the phone never hears the answer

    return handle


@pytest.mark.parametrize(
    ("kill", "on_server_before_restart"),
    [(killed_before_it_arrives, 0), (killed_after_it_committed, FINDINGS)],
    ids=["before-it-arrives", "after-it-committed"],
)
def test_a_server_killed_during_a_sync_loses_nothing_and_doubles_nothing(
    context: BrowserContext,
    page: Page,
    live_server: LiveServer,
    kill: Callable[[LiveServer], Callable[[Route], None]],
    on_server_before_restart: int,
) -> None:
    sign_in(page, live_server, "zhangwei")
    device = device_id(page)
    go_offline(context)
    made = {
        create_finding(page, f"离线巡查记录 {n:02d}", location=f"{n % 6 + 1}栋"): n
        for n in range(1, FINDINGS + 1)
    }
    assert len(made) == FINDINGS
    mutations = outbox(page)
    assert [m["seq"] for m in mutations] == list(range(1, FINDINGS + 1))
    open_sync_page(page)
    expect_pending(page, FINDINGS)

    context.route("**/api/sync/push", kill(live_server), times=1)
    with page.expect_event("requestfailed", lambda r: r.url.endswith("/api/sync/push")):
        go_online(context)
    assert live_server.process is not None and live_server.process.poll() is not None
    expect(page.get_by_test_id("sync-error")).to_have_attribute("data-kind", "network")
    expect_pending(page, FINDINGS)
    assert len(server_findings(live_server)) == on_server_before_restart
    assert len(server_results(live_server, device)) == on_server_before_restart

    live_server.start()
    sync_now(page)
    expect_pending(page, 0)
    expect(page.get_by_test_id("sync-error")).to_have_count(0)

    stored = server_findings(live_server)
    assert set(stored) == set(made)
    for finding_id, n in made.items():
        assert stored[finding_id]["description"] == f"离线巡查记录 {n:02d}"
        assert stored[finding_id]["location"] == f"{n % 6 + 1}栋"
    [(rows,)] = query(live_server, "SELECT count(*) FROM sync_record WHERE collection = 'findings'")
    assert rows == FINDINGS
    results = server_results(live_server, device)
    assert set(results) == {m["id"] for m in mutations}
    assert {r["status"] for r in results.values()} == {"applied"}
    assert query(
        live_server, "SELECT applied_through FROM sync_device WHERE device_id = ?", device
    ) == [(FINDINGS,)]

    # The phone shows every finding as synced, once.
    page.get_by_test_id("nav-findings").click()
    expect(page.get_by_test_id("finding-row")).to_have_count(FINDINGS)
    expect(page.get_by_test_id("state-pending")).to_have_count(0)
    open_finding(page, next(iter(made)))
    assert outbox(page) == []
