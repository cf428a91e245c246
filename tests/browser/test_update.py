"""A new build deployed while the app is open: the page offers a reload, the reload brings the
new service worker in, and the unsent edits in the outbox survive it and sync afterwards."""

import uuid

import pytest
from playwright.sync_api import BrowserContext, Page, Route, expect

from tests.browser.conftest import (
    LiveServer,
    create_finding,
    device_id,
    expect_pending,
    go_offline,
    go_online,
    open_sync_page,
    outbox,
    server_findings,
    server_results,
    sign_in,
    sync_now,
    wait_for_service_worker,
)

# Asks the controlling worker which e2e build it runs (only a build we deployed answers).
ASK_BUILD = """() => new Promise((resolve) => {
    const channel = new MessageChannel();
    channel.port1.onmessage = (e) => resolve(e.data);
    navigator.serviceWorker.controller.postMessage({type: 'E2E_BUILD'}, [channel.port2]);
})"""
# Lets a slow install (deploy(slow_install=True)) finish, once the new worker is installing.
RELEASE_INSTALL = """async () => {
    const r = await navigator.serviceWorker.getRegistration();
    if (!r.installing) await new Promise((found) => r.addEventListener('updatefound', found));
    r.installing.postMessage({type: 'E2E_RELEASE'});
}"""
WORKERS = """() => navigator.serviceWorker.getRegistration().then((r) => ({
    installing: r.installing !== null,
    waiting: r.waiting !== null,
    active: r.active !== null,
    controlled: navigator.serviceWorker.controller !== null,
}))"""


def deploy(server: LiveServer, build: str, slow_install: bool = False) -> None:
    """Deploy a "new build": a changed sw.js that also says which build it is. With
    `slow_install` its install lasts until the page posts E2E_RELEASE to it (a real new build
    downloads its new assets while installing, which takes a while on a phone)."""
    sw = server.pwa_dir / "sw.js"
    extra = f"""
// e2e build {build}
self.addEventListener('message', (e) => {{
  if (e.data && e.data.type === 'E2E_BUILD') e.ports[0].postMessage('{build}');
}});
"""
    if slow_install:
        extra += """
let e2eRelease;
const e2eGate = new Promise((resolve) => { e2eRelease = resolve; });
self.addEventListener('install', (e) => e.waitUntil(e2eGate));
self.addEventListener('message', (e) => {
  if (e.data && e.data.type === 'E2E_RELEASE') e2eRelease();
});
"""
    sw.write_text(sw.read_text() + extra)


def _no_api(route: Route) -> None:
    route.abort("connectionrefused")


@pytest.mark.parametrize("check", ["update", "reload", "reload-slow-install"])
def test_a_new_build_reloads_into_the_new_worker_and_keeps_the_outbox(
    context: BrowserContext, page: Page, live_server_own_pwa: LiveServer, check: str
) -> None:
    server = live_server_own_pwa
    sign_in(page, server, "zhangwei")
    wait_for_service_worker(page)
    device = device_id(page)

    # An offline edit; when the network comes back the API still cannot be reached
    # (so the edit stays in the outbox), but the app's own files can.
    go_offline(context)
    finding_id = create_finding(page, "北门岗亭玻璃破裂", location="北门")
    context.route("**/api/**", _no_api)
    go_online(context)
    open_sync_page(page)
    expect_pending(page, 1)
    expect(page.get_by_test_id("sync-error")).to_have_attribute("data-kind", "network")
    before = outbox(page)
    expect(page.get_by_test_id("update-banner")).to_have_count(0)

    build = uuid.uuid4().hex
    deploy(server, build, slow_install=check == "reload-slow-install")
    if check == "update":  # what the app does hourly and on becoming visible
        page.evaluate("navigator.serviceWorker.getRegistration().then((r) => r.update())")
    else:  # a navigation makes the browser look for a new worker by itself
        page.reload()
    if check == "reload-slow-install":
        # The page is up (from the old worker) while the new one is still installing.
        expect(page.get_by_test_id("pending-count")).to_have_text("1")
        page.evaluate(RELEASE_INSTALL)
    banner = page.get_by_test_id("update-banner")
    expect(banner).to_be_visible()
    # The new worker waits for the person; the old one still controls the page.
    assert page.evaluate(WORKERS) == {
        "installing": False,
        "waiting": True,
        "active": True,
        "controlled": True,
    }
    expect_pending(page, 1)

    with page.expect_event("load"):
        page.get_by_test_id("update-reload").click()
    wait_for_service_worker(page)
    # The page is controlled by the new build's worker (the old one would never answer).
    assert page.evaluate(ASK_BUILD) == build
    assert page.evaluate(WORKERS) == {
        "installing": False,
        "waiting": False,
        "active": True,
        "controlled": True,
    }
    expect(page.get_by_test_id("update-banner")).to_have_count(0)
    expect_pending(page, 1)
    expect(page.get_by_test_id("pending-item")).to_have_count(1)
    assert outbox(page) == before

    context.unroute("**/api/**", _no_api)
    sync_now(page)
    expect_pending(page, 0)
    assert server_findings(server)[finding_id]["description"] == "北门岗亭玻璃破裂"
    assert set(server_results(server, device)) == {m["id"] for m in before}


def test_a_new_build_applied_in_another_tab_still_reloads_this_one(
    context: BrowserContext, page: Page, live_server_own_pwa: LiveServer
) -> None:
    server = live_server_own_pwa
    sign_in(page, server, "zhangwei")
    wait_for_service_worker(page)
    other = context.new_page()
    other.goto(server.url + "/sync")
    wait_for_service_worker(other)

    build = uuid.uuid4().hex
    deploy(server, build)
    page.evaluate("navigator.serviceWorker.getRegistration().then((r) => r.update())")
    for p in (page, other):
        expect(p.get_by_test_id("update-banner")).to_be_visible()

    # The person takes the update in one tab; the other tab's banner must still work.
    with page.expect_event("load"):
        page.get_by_test_id("update-reload").click()
    assert page.evaluate(ASK_BUILD) == build
    with other.expect_event("load"):
        other.get_by_test_id("update-reload").click()
    wait_for_service_worker(other)
    assert other.evaluate(ASK_BUILD) == build
    expect(other.get_by_test_id("update-banner")).to_have_count(0)
    expect(other.get_by_test_id("pending-count")).to_have_text("0")
