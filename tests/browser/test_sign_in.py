"""Signing in from a real browser with a printed demo login, and the installable shell."""

import json

from playwright.sync_api import BrowserContext, Page, expect

from tests.browser.conftest import LiveServer, sign_in


def test_demo_login_signs_in_and_shows_the_home_screen(page: Page, live_server: LiveServer) -> None:
    sign_in(page, live_server, "zhangwei")
    expect(page.get_by_test_id("user-name")).to_contain_text("张伟")
    expect(page.get_by_test_id("site-list")).to_contain_text("翠湖花园")


def test_wrong_password_shows_a_translated_error(page: Page, live_server: LiveServer) -> None:
    page.goto(live_server.url + "/")
    page.get_by_test_id("login-username").fill("zhangwei")
    page.get_by_test_id("login-password").fill("wrong password")
    page.get_by_test_id("login-submit").click()
    expect(page.get_by_test_id("login-error")).to_contain_text("用户名或密码错误")


def test_sign_out_returns_to_the_sign_in_screen(page: Page, live_server: LiveServer) -> None:
    sign_in(page, live_server, "lina")
    page.get_by_test_id("open-settings").click()
    page.get_by_test_id("sign-out").click()
    expect(page.get_by_test_id("login-username")).to_be_visible()
    me = page.request.get(live_server.url + "/api/auth/me")
    assert me.status == 401


def test_manifest_is_valid_and_the_service_worker_controls_the_page(
    context: BrowserContext, page: Page, live_server: LiveServer
) -> None:
    page.goto(live_server.url + "/")
    href = page.locator("link[rel=manifest]").get_attribute("href")
    assert href
    manifest = json.loads(page.request.get(live_server.url + "/" + href.lstrip("/")).text())
    assert manifest["lang"] == "zh-CN"
    assert manifest["display"] == "standalone"
    assert manifest["start_url"]
    sizes = {icon["sizes"] for icon in manifest["icons"]}
    assert {"192x192", "512x512"} <= sizes
    assert any("maskable" in icon.get("purpose", "") for icon in manifest["icons"])
    for icon in manifest["icons"]:
        r = page.request.get(live_server.url + "/" + icon["src"].lstrip("/"))
        assert r.status == 200
        assert r.headers["content-type"] == "image/png"
    page.wait_for_function("() => navigator.serviceWorker.controller !== null", timeout=20_000)
