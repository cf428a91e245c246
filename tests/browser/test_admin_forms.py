"""The admin desk's forms (issue 14, "Everywhere"): a refused value's reason names the field and
sits right under it, whether our own check or the server refused it, and every save says that
it saved."""

from __future__ import annotations

from playwright.sync_api import Page, expect

from tests.browser.conftest import LiveServer, catalog_text, sign_in


def under(page: Page, input_testid: str) -> str:
    """The test id of the element right after the input: where its message must be."""
    return str(
        page.get_by_test_id(input_testid).evaluate(
            "(el) => el.nextElementSibling?.getAttribute('data-testid') ?? ''"
        )
    )


def test_a_new_site_is_refused_next_to_its_field_and_says_it_saved(
    page: Page, live_server: LiveServer
) -> None:
    sign_in(page, live_server, "admin")
    page.goto(live_server.url + "/admin/sites")
    form = page.get_by_test_id("admin-site-form")
    create = page.get_by_test_id("admin-site-create")
    errors = form.get_by_test_id("field-error")

    # Nothing filled in: the name is asked for, by name, under the name.
    create.click()
    expect(errors).to_have_count(1)
    expect(errors).to_have_attribute("data-field", "name")
    expect(errors).to_have_text("请填写“项目名称”。")
    assert under(page, "admin-site-name") == "field-error"

    # A code with a space: refused under the code, before anything is sent.
    page.get_by_test_id("admin-site-name").fill("测试花园")
    page.get_by_test_id("admin-site-code").fill("ce shi")
    create.click()
    expect(errors).to_have_attribute("data-field", "code")
    expect(errors).to_contain_text("项目编码只能用")
    assert under(page, "admin-site-code") == "field-error"

    # The server refuses a code another site has: its reason goes under the code too.
    page.get_by_test_id("admin-site-code").fill("cuihu")
    create.click()
    expect(errors).to_have_attribute("data-field", "code")
    expect(errors).to_have_text(catalog_text("error.conflict"))
    expect(form.get_by_test_id("admin-error")).to_have_count(0)
    expect(form.get_by_test_id("admin-saved")).to_have_count(0)

    # Accepted: it says so, and the site is listed.
    page.get_by_test_id("admin-site-code").fill("ceshi")
    create.click()
    expect(form.get_by_test_id("admin-saved")).to_have_text("已创建项目“测试花园”。")
    expect(errors).to_have_count(0)
    expect(page.get_by_test_id("admin-sites")).to_contain_text("测试花园")


def test_a_users_save_says_it_saved_and_a_taken_username_is_refused_under_it(
    page: Page, live_server: LiveServer
) -> None:
    sign_in(page, live_server, "admin")
    page.goto(live_server.url + "/admin/users")
    page.get_by_test_id("admin-user-new").click()
    form = page.get_by_test_id("admin-user-form")
    page.get_by_test_id("admin-user-username").fill("zhangwei")
    page.get_by_test_id("admin-user-display").fill("张伟二")
    page.get_by_test_id("admin-user-password").fill("short")
    page.get_by_test_id("admin-user-save").click()
    errors = form.get_by_test_id("field-error")
    expect(errors).to_have_attribute("data-field", "password")
    expect(errors).to_have_text("密码至少 8 位。")
    page.get_by_test_id("admin-user-password").fill("long-enough-1")
    page.get_by_test_id("admin-user-save").click()
    expect(errors).to_have_attribute("data-field", "username")
    expect(errors).to_have_text(catalog_text("error.username_taken"))
    assert under(page, "admin-user-username") == "field-error"

    page.get_by_test_id("admin-user-username").fill("zhangwei2")
    page.get_by_test_id("admin-user-save").click()
    expect(page.get_by_test_id("admin-user-form")).to_have_count(0)
    expect(page.get_by_test_id("admin-saved")).to_have_text("已创建账号“张伟二”。")
    expect(page.get_by_test_id("admin-users")).to_contain_text("zhangwei2")
