"""A phone shared by two people (issue 19): sign-out asks before leaving unsent work behind and
shows what it is, clears the user's local data once everything is sent, ends this browser's push
subscription with the session, and leaves no cached photo for the next person."""

from __future__ import annotations

import json
import re
from typing import Any

from playwright.sync_api import BrowserContext, Page, Request, expect

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
    query,
    server_findings,
    sign_in,
    wait_for_service_worker,
)
from tests.browser.test_photos import camera_photo
from tests.browser.test_push import (  # noqa: F401 (fixtures)
    FAKE_PUSH_MANAGER,
    push_server,
    push_service,
)
from tests.server.push.push_service import PushServiceStandIn, Subscriber

USER_STORES = """() => indexedDB.databases().then(
    (dbs) => dbs.map((d) => d.name).filter((n) => /^fieldkeep-/.test(n)))"""
FETCH_STATUS = """(url) => fetch(url).then((r) => r.status, () => 'failed')"""
IN_PHOTO_CACHE = """(url) => caches.open('fieldkeep-media')
    .then((c) => c.match(url)).then((r) => !!r && r.status === 200)"""


def user_id(server: LiveServer, username: str) -> int:
    ((uid,),) = query(server, "SELECT id FROM app_user WHERE username = ?", username)
    return int(uid)


def user_stores(page: Page) -> list[str]:
    stores: list[str] = page.evaluate(USER_STORES)
    return stores


def open_settings(page: Page) -> None:
    page.get_by_test_id("nav-home").click()
    page.get_by_test_id("open-settings").click()
    page.get_by_test_id("sign-out").wait_for()


def finding_with_photo(page: Page, description: str) -> tuple[str, str]:
    """Report a finding with a photo (online); returns its id and the photo's hash."""
    page.get_by_test_id("nav-findings").click()
    page.get_by_test_id("finding-new").click()
    form = page.get_by_test_id("finding-form")
    form.wait_for()
    page.get_by_test_id("finding-location").fill("5栋地下车库")
    page.get_by_test_id("finding-description").fill(description)
    page.get_by_test_id("photo-input").set_input_files(
        files=[{"name": "IMG_0001.jpg", "mimeType": "image/jpeg", "buffer": camera_photo()}]
    )
    thumb = form.get_by_test_id("photo-thumb")
    expect(thumb).to_have_count(1)
    photo_hash = thumb.get_attribute("data-hash")
    assert photo_hash and re.fullmatch(r"[0-9a-f]{64}", photo_hash), photo_hash
    expect(page.get_by_test_id("finding-save")).to_be_enabled()
    page.get_by_test_id("finding-save").click()
    detail = page.get_by_test_id("finding-detail")
    expect(detail).to_be_visible()
    finding_id = detail.get_attribute("data-id")
    assert finding_id
    return finding_id, photo_hash


def test_a_shared_phone_keeps_nothing_of_the_last_user_and_loses_no_work(
    context: BrowserContext,
    push_server: LiveServer,  # noqa: F811 (the fixture imported from test_push)
    push_service: PushServiceStandIn,  # noqa: F811
) -> None:
    endpoint = push_service.endpoint("zhangwei")
    context.grant_permissions(["notifications"], origin=push_server.url)
    context.add_init_script(
        FAKE_PUSH_MANAGER
        % {"endpoint": json.dumps(endpoint), "keys": json.dumps(Subscriber().keys())}
    )
    logouts: list[Any] = []

    def on_request(r: Request) -> None:
        if r.method == "POST" and r.url.endswith("/api/auth/logout"):
            logouts.append(r.post_data_json)

    context.on("request", on_request)
    page = context.new_page()
    sign_in(page, push_server, "zhangwei")
    wait_for_service_worker(page)
    zhangwei = user_id(push_server, "zhangwei")
    assert user_stores(page) == [f"fieldkeep-{zhangwei}"]

    # 张伟 turns notifications on: the server holds this browser's subscription for him.
    open_settings(page)
    page.get_by_test_id("push-enable").click()
    expect(page.get_by_test_id("push-status")).to_have_attribute("data-state", "on")
    subscriptions = (
        "SELECT s.endpoint FROM push_subscription s JOIN app_user u ON u.id = s.user"
        " WHERE u.username = 'zhangwei'"
    )
    assert query(push_server, subscriptions) == [(endpoint,)]
    page.get_by_test_id("settings-back").click()

    # A finding with a photo reaches the server; he looks at the photo from the server, and the
    # service worker keeps it in its photo cache.
    finding_id, photo_hash = finding_with_photo(page, "消防栓箱门损坏")
    open_sync_page(page)
    expect(page.get_by_test_id("photo-upload-progress")).to_have_count(0, timeout=30_000)
    expect_pending(page, 0)
    assert query(push_server, "SELECT sha256 FROM media") == [(photo_hash,)]
    photo_url = f"/api/media/{photo_hash}"
    assert page.evaluate(FETCH_STATUS, photo_url) == 200
    page.wait_for_function(IN_PHOTO_CACHE, arg=photo_url)

    # Offline, he changes the finding: unsent work.
    go_offline(context)
    edit_finding(page, finding_id, description="消防栓箱门损坏，已报修")
    open_sync_page(page)
    expect_pending(page, 1)
    named = page.get_by_test_id("pending-what").inner_text()
    assert "消防栓箱门损坏" in named

    # Signing out asks first and names what would wait, as the sync page does.
    open_settings(page)
    page.get_by_test_id("sign-out").click()
    warning = page.get_by_test_id("sign-out-warning")
    expect(warning).to_be_visible()
    expect(warning).to_contain_text(catalog_text("signout.unsent").replace("{n}", "1"))
    item = page.get_by_test_id("sign-out-item")
    expect(item).to_have_count(1)
    expect(item).to_have_attribute("data-name", "findings.upsert")
    expect(item).to_have_text(named)
    expect(page.get_by_test_id("sign-out-keep")).to_have_text(catalog_text("signout.keep"))
    # Nothing was deleted or signed out by asking.
    assert user_stores(page) == [f"fieldkeep-{zhangwei}"]
    assert logouts == []

    # "Sync first" with no network: nothing is sent, nothing is lost, the question stays.
    page.get_by_test_id("sign-out-sync-first").click()
    expect(item).to_have_text(named)
    expect(warning).to_have_attribute("data-unsent", "1")
    # Back online the sync sends it; then signing out clears his data from the phone.
    go_online(context)
    expect(warning).to_have_attribute("data-unsent", "0", timeout=60_000)
    expect(warning).to_contain_text(catalog_text("signout.all_sent"))
    assert server_findings(push_server)[finding_id]["description"] == "消防栓箱门损坏，已报修"
    page.get_by_test_id("sign-out-clear").click()
    expect(page.get_by_test_id("login-username")).to_be_visible()
    page.wait_for_function(
        """(name) => indexedDB.databases().then((dbs) => !dbs.some((d) => d.name === name))""",
        arg=f"fieldkeep-{zhangwei}",
    )
    assert page.evaluate("() => caches.has('fieldkeep-media')") is False

    # The logout carried this browser's push endpoint; the server forgot the subscription.
    assert logouts == [{"push_endpoint": endpoint}]
    assert query(push_server, subscriptions) == []

    # 李娜 signs in on the same phone: with the network cut, 张伟's photo is not served to her
    # from a cache (she gets it only through the server and its access check).
    sign_in(page, push_server, "lina")
    wait_for_service_worker(page)
    assert user_stores(page) == [f"fieldkeep-{user_id(push_server, 'lina')}"]
    go_offline(context)
    assert page.evaluate(FETCH_STATUS, photo_url) == "failed"
    assert page.evaluate(FETCH_STATUS, photo_url + "?size=thumb") == "failed"


def test_signing_out_with_unsent_work_can_keep_it_for_the_next_sign_in(
    context: BrowserContext, page: Page, live_server: LiveServer
) -> None:
    sign_in(page, live_server, "zhangwei")
    wait_for_service_worker(page)
    zhangwei = user_id(live_server, "zhangwei")
    go_offline(context)
    finding_id = create_finding(page, "三楼走廊灯不亮", "3栋")
    open_settings(page)
    page.get_by_test_id("sign-out").click()
    expect(page.get_by_test_id("sign-out-item")).to_contain_text("三楼走廊灯不亮")
    expect(page.get_by_test_id("sign-out-item")).to_contain_text(
        catalog_text("mutation.findings.upsert")
    )
    page.get_by_test_id("sign-out-keep").click()
    expect(page.get_by_test_id("login-username")).to_be_visible()
    # Kept on the phone: his store and its outbox are still there.
    assert user_stores(page) == [f"fieldkeep-{zhangwei}"]
    assert finding_id not in server_findings(live_server)

    # He signs in again with a network: the kept finding is sent.
    go_online(context)
    sign_in(page, live_server, "zhangwei")
    open_sync_page(page)
    expect_pending(page, 0, timeout=30_000)
    assert server_findings(live_server)[finding_id]["description"] == "三楼走廊灯不亮"
    open_finding(page, finding_id)
