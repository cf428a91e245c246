"""Web push in Chromium: the settings screen subscribes with the server's VAPID key after the
tap, the server's sender delivers a real (encrypted) message to a push-service stand-in, that
message goes to the service worker through the DevTools protocol, the notification is shown
with the translated text, and tapping it opens the record.

Chromium's own push service (FCM) is out of reach here, so the page's PushManager hands out a
subscription whose endpoint is the stand-in and whose keys the test holds."""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from playwright.sync_api import BrowserContext, Page, expect

from tests.browser.conftest import (
    DEMO_PASSWORD,
    PWA_DIST,
    LiveServer,
    _live_server,
    catalog_text,
    query,
    sign_in,
    wait_for_service_worker,
)
from tests.server.push.push_service import PushServiceStandIn, Subscriber

IPHONE = (
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 "
    "(KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1"
)

# The page's PushManager, as the browser's would be after subscribing at the stand-in.
FAKE_PUSH_MANAGER = """(() => {
  const endpoint = %(endpoint)s, keys = %(keys)s;
  const toB64 = (buf) => btoa(String.fromCharCode(...new Uint8Array(buf)))
    .replace(/\\+/g, '-').replace(/\\//g, '_').replace(/=+$/, '');
  const fromB64 = (s) => Uint8Array.from(atob(s.replace(/-/g, '+').replace(/_/g, '/')),
    (c) => c.charCodeAt(0)).buffer;
  const make = (serverKey) => ({
    endpoint, expirationTime: null,
    options: { userVisibleOnly: true, applicationServerKey: fromB64(serverKey) },
    toJSON: () => ({ endpoint, expirationTime: null, keys }),
    unsubscribe: async () => { localStorage.removeItem('fake-push-key'); return true; },
  });
  PushManager.prototype.subscribe = async function (options) {
    const k = options.applicationServerKey;
    const bytes = k instanceof ArrayBuffer
      ? k : k.buffer.slice(k.byteOffset, k.byteOffset + k.byteLength);
    localStorage.setItem('fake-push-key', toB64(bytes));
    return make(toB64(bytes));
  };
  PushManager.prototype.getSubscription = async function () {
    const key = localStorage.getItem('fake-push-key');
    return key ? make(key) : null;
  };
})();"""

NOTIFICATIONS = """() => navigator.serviceWorker.ready
  .then((r) => r.getNotifications())
  .then((ns) => ns.map((n) => ({title: n.title, body: n.body, tag: n.tag, icon: n.icon,
                                data: n.data})))"""

CLICK = """async () => {
  const [n] = await self.registration.getNotifications();
  self.dispatchEvent(new NotificationEvent('notificationclick', { notification: n }));
  return n.data.url;
}"""


@pytest.fixture
def push_service() -> Iterator[PushServiceStandIn]:
    stand_in = PushServiceStandIn()
    stand_in.start()
    yield stand_in
    stand_in.stop()


@pytest.fixture
def push_server(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, push_service: PushServiceStandIn
) -> Iterator[LiveServer]:
    monkeypatch.setenv("FIELDKEEP_PUSH_ALLOW_HOSTS", f"127.0.0.1:{push_service.port}")
    monkeypatch.setenv("FIELDKEEP_PUSH_ALLOW_HTTP", "1")
    monkeypatch.setenv("FIELDKEEP_PUSH_POLL_SECONDS", "0.2")
    monkeypatch.setenv("FIELDKEEP_PUSH_CHECK_SECONDS", "0.5")
    server = _live_server(tmp_path, PWA_DIST)
    yield server
    server.stop()


def overdue_finding_for(server: LiveServer, username: str) -> str:
    """A supervisor (李娜) assigns a finding due yesterday to `username`, through the API."""
    (user_id,) = query(server, "SELECT id FROM app_user WHERE username = ?", username)[0]
    (site_id,) = query(server, "SELECT id FROM site WHERE code = 'cuihu'")[0]
    finding_id = str(uuid.uuid4())
    yesterday = (date.today() - timedelta(days=1)).isoformat()
    with httpx.Client(base_url=server.url, timeout=20) as http:
        csrf = {"X-CSRF-Token": http.get("/api/auth/csrf").json()["csrf_token"]}
        login = {"username": "lina", "password": DEMO_PASSWORD}
        assert http.post("/api/auth/login", json=login, headers=csrf).status_code == 200
        csrf = {"X-CSRF-Token": http.get("/api/auth/csrf").json()["csrf_token"]}
        device = str(uuid.uuid4())
        args = {
            "id": finding_id,
            "site_id": site_id,
            "category": "cleaning",
            "location": "5栋东侧",
            "description": "垃圾桶破损，需更换",
            "assignee_id": user_id,
            "due_date": yesterday,
            "status": "assigned",
        }
        mutation = {
            "id": str(uuid.uuid4()),
            "seq": 1,
            "name": "findings.upsert",
            "args": args,
            "hlc": f"{int(time.time() * 1000):015d}-00000-{device}",
        }
        r = http.post(
            "/api/sync/push",
            json={"device_id": device, "mutations": [mutation]},
            headers=csrf,
        )
        assert r.status_code == 200 and r.json()["results"][0]["status"] == "applied", r.text
    return finding_id


def wait_for(probe: Any, page: Page, within: float = 20.0, what: str = "condition") -> Any:
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        value = probe()
        if value:
            return value
        page.wait_for_timeout(100)
    raise AssertionError(f"timed out waiting for {what}")


def test_a_push_is_shown_translated_and_a_tap_opens_the_record(
    context: BrowserContext, push_server: LiveServer, push_service: PushServiceStandIn
) -> None:
    subscriber = Subscriber()
    endpoint = push_service.endpoint("zhangwei")
    context.grant_permissions(["notifications"], origin=push_server.url)
    context.add_init_script(
        FAKE_PUSH_MANAGER
        % {"endpoint": json.dumps(endpoint), "keys": json.dumps(subscriber.keys())}
    )
    page = context.new_page()
    sign_in(page, push_server, "zhangwei")
    wait_for_service_worker(page)

    # Settings: nothing is asked until the tap; then the subscription reaches the server.
    page.get_by_test_id("open-settings").click()
    status = page.get_by_test_id("push-status")
    expect(status).to_have_attribute("data-state", "off")
    page.get_by_test_id("push-enable").click()
    expect(status).to_have_attribute("data-state", "on")
    expect(status).to_have_text(catalog_text("push.status_on"))
    expect(page.get_by_test_id("push-kind-rejected")).to_be_checked()
    expect(page.get_by_test_id("push-kind-review_requested")).to_have_count(0)  # not a supervisor
    server_key = httpx.get(push_server.url + "/api/push/vapid-public-key").json()["public_key"]
    assert page.evaluate("localStorage.getItem('fake-push-key')") == server_key
    rows = query(
        push_server,
        "SELECT s.endpoint, s.language FROM push_subscription s"
        " JOIN app_user u ON u.id = s.user WHERE u.username = 'zhangwei'",
    )
    assert rows == [(endpoint, "zh-CN")]

    # The server's sender finds the overdue finding and sends a real encrypted message.
    finding_id = overdue_finding_for(push_server, "zhangwei")
    (received,) = wait_for(lambda: push_service.to("zhangwei"), page, what="the push")
    plaintext = subscriber.decrypt(received.body).decode()
    sent = json.loads(plaintext)
    assert sent["title"] == "整改超期：翠湖花园 5栋东侧"
    assert sent["url"] == f"/findings/{finding_id}"

    # The same bytes reach the service worker through the DevTools protocol.
    cdp = context.new_cdp_session(page)
    registrations: list[dict[str, Any]] = []
    cdp.on(
        "ServiceWorker.workerRegistrationUpdated",
        lambda event: registrations.extend(event["registrations"]),
    )
    cdp.send("ServiceWorker.enable")
    registration = wait_for(
        lambda: next(
            (
                r
                for r in registrations
                if r["scopeURL"] == push_server.url + "/" and not r["isDeleted"]
            ),
            None,
        ),
        page,
        what="the service worker registration",
    )
    cdp.send(
        "ServiceWorker.deliverPushMessage",
        {
            "origin": push_server.url + "/",
            "registrationId": registration["registrationId"],
            "data": plaintext,
        },
    )
    (shown,) = wait_for(lambda: page.evaluate(NOTIFICATIONS), page, what="the notification")
    assert shown["title"] == "整改超期：翠湖花园 5栋东侧"
    assert shown["body"].startswith("垃圾桶破损，需更换（截止 ")
    assert shown["body"].endswith("，状态：已指派）")
    assert shown["tag"] == f"finding:{finding_id}"
    assert shown["icon"] == push_server.url + "/icons/icon-192.png"
    assert shown["data"]["url"] == f"/findings/{finding_id}"

    # Tapping it takes the open window to the finding.
    (worker,) = context.service_workers
    assert worker.evaluate(CLICK) == f"/findings/{finding_id}"
    detail = page.get_by_test_id("finding-detail")
    expect(detail).to_have_attribute("data-id", finding_id)
    assert page.url == f"{push_server.url}/findings/{finding_id}"
    expect(page.get_by_test_id("finding-detail-description")).to_have_text("垃圾桶破损，需更换")
    assert wait_for(lambda: page.evaluate(NOTIFICATIONS) == [], page, what="closed") is True


def test_refused_permission_and_iphone_before_installing_are_explained(
    browser: Any, push_server: LiveServer
) -> None:
    # Chromium, but the person says no to the browser's question.
    context = browser.new_context(locale="zh-CN", viewport={"width": 360, "height": 740})
    context.add_init_script(
        "Notification.requestPermission = async () => 'denied';"
        "Object.defineProperty(Notification, 'permission', {get: () => 'default'});"
    )
    page = context.new_page()
    sign_in(page, push_server, "lina")
    page.get_by_test_id("open-settings").click()
    page.get_by_test_id("push-enable").click()
    problem = page.get_by_test_id("push-problem")
    expect(problem).to_have_attribute("data-problem", "denied")
    expect(problem).to_have_text(catalog_text("push.denied"))
    assert query(push_server, "SELECT count(*) FROM push_subscription") == [(0,)]
    context.close()

    # Safari on an iPhone, not installed to the home screen: no PushManager at all.
    iphone = browser.new_context(
        locale="zh-CN", user_agent=IPHONE, viewport={"width": 390, "height": 844}
    )
    iphone.add_init_script("delete window.PushManager;")
    page = iphone.new_page()
    sign_in(page, push_server, "lina")
    page.get_by_test_id("open-settings").click()
    settings = page.get_by_test_id("push-settings")
    expect(settings).to_have_attribute("data-support", "ios-install")
    expect(page.get_by_test_id("push-unavailable")).to_have_text(catalog_text("push.ios_install"))
    expect(page.get_by_test_id("push-enable")).to_have_count(0)
    iphone.close()
