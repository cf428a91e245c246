"""Issue 14, "Everywhere": what every screen owes a person (the error texts out of the first
load, a not-found page, no internal revision numbers, all-sites lists grouped by site)."""

from __future__ import annotations

import re

from playwright.sync_api import Page, Route, expect

from tests.browser.conftest import PWA_DIST, LiveServer, catalog_text


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
