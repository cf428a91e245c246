"""A manager reads the audit log in words and exports it (issue 19, "a manager views and
exports it"): the demo's reviews and key custody are listed in Chinese, the CSV opens with
Chinese headers and words, and a period that ends before it starts is refused under the dates."""

from __future__ import annotations

import csv
import io

from playwright.sync_api import Page, expect

from tests.browser.conftest import LiveServer, catalog_text, sign_in


def test_the_manager_reads_and_exports_the_audit_log(page: Page, demo_server: LiveServer) -> None:
    sign_in(page, demo_server, "zhaolei")
    page.get_by_test_id("home-open-audit").click()
    entries = page.get_by_test_id("audit-entry")
    expect(entries.first).to_be_visible()
    expect(page.get_by_test_id("audit-entries")).to_contain_text("审核通过")
    expect(page.get_by_test_id("audit-entries")).to_contain_text("借出钥匙")
    expect(page.get_by_test_id("audit-entries")).to_contain_text("已生效")
    assert "review.approve" not in page.get_by_test_id("audit-entries").inner_text()

    with page.expect_download() as download:
        page.get_by_test_id("audit-csv").click()
    text = open(download.value.path(), encoding="utf-8-sig").read()  # noqa: SIM115
    header, *rows = list(csv.reader(io.StringIO(text)))
    assert header[:5] == ["时间", "人员", "来源", "操作", "结果"]
    assert rows
    assert {"审核通过", "借出钥匙"} <= {r[3] for r in rows}
    assert {r[2] for r in rows} == {"手机同步"}

    page.get_by_test_id("audit-from").fill("2026-12-31")
    page.get_by_test_id("audit-to").fill("2026-01-01")
    page.get_by_test_id("audit-show").click()
    error = page.get_by_test_id("field-error")
    expect(error).to_have_attribute("data-field", "period")
    expect(error).to_have_text(catalog_text("error.invalid_period"))
