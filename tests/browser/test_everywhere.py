"""Issue 14, "Everywhere": what every screen owes a person (the error texts out of the first
load, a not-found page, no internal revision numbers, all-sites lists grouped by site)."""

from __future__ import annotations

import re

from playwright.sync_api import Page, Route, expect

from tests.browser.conftest import PWA_DIST, LiveServer, catalog_text, create_finding, sign_in


def first_load_scripts() -> str:
    html = (PWA_DIST / "index.html").read_text(encoding="utf-8")
    names = re.findall(r'<script[^>]+src="/?([^"]+\.js)"', html)
    names += re.findall(r'<link[^>]+rel="modulepreload"[^>]+href="/?([^"]+\.js)"', html)
    return "".join((PWA_DIST / n).read_text(encoding="utf-8") for n in names)


def test_the_error_texts_load_after_start_and_redraw_what_was_shown(
    page: Page, live_server: LiveServer
) -> None:
    # Not in the first load: the scripts index.html loads hold no refusal text.
    first = first_load_scripts()
    assert catalog_text("error.record_locked") not in first
    assert catalog_text("error.invalid_credentials") not in first

    held: list[Route] = []
    page.route(re.compile(r"/assets/error-texts-[^/]*\.js$"), lambda route: held.append(route))
    page.goto(live_server.url + "/")
    page.get_by_test_id("login-username").fill("zhangwei")
    page.get_by_test_id("login-password").fill("wrong password")
    page.get_by_test_id("login-submit").click()
    # The catalog is asked for right after start; until it comes the server's words show.
    error = page.get_by_test_id("login-error")
    expect(error).not_to_be_empty()
    while not held:  # the route's handler runs while Playwright waits
        page.wait_for_timeout(50)
    assert len(held) == 1
    held[0].continue_()
    expect(error).to_have_text(catalog_text("error.invalid_credentials"))


def test_an_unknown_address_shows_a_not_found_page_with_the_way_home(
    page: Page, live_server: LiveServer
) -> None:
    sign_in(page, live_server, "zhangwei")
    page.goto(live_server.url + "/no/such/page")
    expect(page.get_by_test_id("not-found")).to_contain_text(catalog_text("notfound.text"))
    expect(page.get_by_test_id("not-found-header")).to_contain_text(catalog_text("notfound.title"))
    expect(page.get_by_test_id("home-header")).to_have_count(0)
    page.get_by_test_id("not-found-home").click()
    expect(page.get_by_test_id("home-header")).to_be_visible()
    assert page.url == live_server.url + "/"
    # In English too.
    page.goto(live_server.url + "/patrols/unit/not-a-number")
    page.get_by_test_id("nav-home").click()
    page.get_by_test_id("open-settings").click()
    page.get_by_test_id("lang-en").click()
    page.goto(live_server.url + "/findings/x/y/z")
    expect(page.get_by_test_id("not-found-header")).to_have_text("Page not found")
    expect(page.get_by_test_id("not-found-home")).to_have_text("Go to the home screen")


def test_the_all_sites_findings_list_groups_by_site(page: Page, live_server: LiveServer) -> None:
    # 刘洋 works at both sites; each has a "3栋1单元301".
    sign_in(page, live_server, "liuyang")
    create_finding(page, "入户门锁损坏", location="3栋1单元301", site="翠湖花园")
    create_finding(page, "入户门锁损坏", location="3栋1单元301", site="锦江华府")
    page.get_by_test_id("nav-findings").click()
    groups = page.get_by_test_id("site-group")
    expect(groups).to_have_count(2)
    for n, site in enumerate(["翠湖花园", "锦江华府"]):
        expect(groups.nth(n).get_by_test_id("site-group-name")).to_have_text(site)
        expect(groups.nth(n).get_by_test_id("finding-row")).to_have_count(1)
        expect(groups.nth(n).get_by_test_id("finding-row")).to_contain_text("3栋1单元301")
    # One site chosen: its rows only, without headings.
    page.get_by_test_id("filter-site").select_option(label="锦江华府")
    expect(groups).to_have_count(0)
    expect(page.get_by_test_id("finding-row")).to_have_count(1)


def test_no_internal_revision_number_is_shown(page: Page, demo_server: LiveServer) -> None:
    # 李娜 reviews the patrol 张伟 submitted (the demo's), a record many revisions old.
    sign_in(page, demo_server, "lina")
    page.get_by_test_id("nav-review").click()
    page.get_by_test_id("review-item").first.click()
    detail = page.get_by_test_id("review-detail")
    expect(detail).to_be_visible()
    revision = detail.get_attribute("data-revision")
    assert revision and int(revision) > 0
    expect(detail).not_to_contain_text("版本")
    assert not re.search(rf"(?<!\d){revision}(?!\d)", detail.inner_text())


def test_the_all_sites_keys_list_groups_by_site(page: Page, live_server: LiveServer) -> None:
    # 李娜 keeps the keys of both sites: one "3栋1单元301" key at each.
    sign_in(page, live_server, "lina")
    page.goto(live_server.url + "/admin/keys")
    for code, site in (("K-101", "翠湖花园"), ("K-201", "锦江华府")):
        page.get_by_test_id("admin-site").select_option(label=site)
        page.get_by_test_id("admin-key-new").click()
        page.get_by_test_id("admin-key-code").fill(code)
        page.locator("#kf-label").fill("3栋1单元301 入户门")
        page.get_by_test_id("admin-key-save").click()
        expect(page.get_by_test_id("admin-saved")).to_have_text(f"已保存钥匙 {code}。")
    page.get_by_test_id("nav-keys").click()
    groups = page.get_by_test_id("site-group")
    expect(groups).to_have_count(2)
    for n, (code, site) in enumerate((("K-101", "翠湖花园"), ("K-201", "锦江华府"))):
        expect(groups.nth(n).get_by_test_id("site-group-name")).to_have_text(site)
        rows = groups.nth(n).get_by_test_id("key-row")
        expect(rows).to_have_count(1)
        expect(rows).to_contain_text(code)
        expect(rows).to_contain_text("3栋1单元301")
