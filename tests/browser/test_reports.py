"""Reports in the app (issue 20): 赵磊, the manager, signs in and finds a dashboard of charts drawn
from the demo's records, each chart's numbers one tap away; he opens the findings ledger,
filters it, pages through it, is told next to the dates when the period is refused, downloads
it as XLSX with typed cells, and, offline, still sees the dashboard with the date of its
figures."""

from __future__ import annotations

import time
import uuid
from contextlib import closing
from datetime import datetime
from io import BytesIO
from typing import Any

import httpx
import openpyxl
from playwright.sync_api import BrowserContext, Page, expect

from tests.browser.conftest import (
    DEMO_PASSWORD,
    LiveServer,
    assert_offline,
    catalog_text,
    go_offline,
    sign_in,
    wait_for_service_worker,
)
from tests.server.syncing.stress_kit import http_sign_in

EXTRA_FINDINGS = 25  # more open findings than one page of the ledger (20)


def push_findings(server: LiveServer, n: int) -> None:
    """Open findings reported from another phone of 张伟, through the sync door."""
    with closing(http_sign_in(server.url, "zhangwei", DEMO_PASSWORD)) as c:
        site = c.get("/api/auth/me").json()["user"]["sites"][0]["id"]
        device, now = str(uuid.uuid4()), int(time.time() * 1000)
        mutations = [
            {
                "id": str(uuid.uuid4()),
                "seq": i + 1,
                "name": "findings.upsert",
                "args": {
                    "id": str(uuid.uuid4()),
                    "site_id": site,
                    "category": "patrol",
                    "description": f"第 {i + 1} 号：楼道灯不亮",
                    "location": f"{i % 3 + 1}栋",
                },
                "hlc": f"{now + i:015d}-00000-{device}",
            }
            for i in range(n)
        ]
        r = c.post("/api/sync/push", json={"device_id": device, "mutations": mutations})
        assert r.status_code == 200, r.text
        assert {x["status"] for x in r.json()["results"]} == {"applied"}


def report_json(api: httpx.Client, name: str, **params: Any) -> dict[str, Any]:
    r = api.get(f"/api/reports/{name}", params=params)
    assert r.status_code == 200, r.text
    return dict(r.json())


def chart_sum(report: dict[str, Any]) -> float:
    return sum(
        row[key]
        for row in report["rows"]
        for key in report["chart"]["series"]
        if isinstance(row.get(key), (int, float))
    )


def test_the_manager_reads_the_dashboard_and_a_ledger_and_keeps_the_figures_offline(
    context: BrowserContext, page: Page, demo_server: LiveServer
) -> None:
    push_findings(demo_server, EXTRA_FINDINGS)
    with closing(http_sign_in(demo_server.url, "zhaolei", DEMO_PASSWORD)) as api:
        _manager_day(context, page, demo_server, api)


def _manager_day(
    context: BrowserContext, page: Page, demo_server: LiveServer, api: httpx.Client
) -> None:
    sign_in(page, demo_server, "zhaolei")
    wait_for_service_worker(page)

    # ---- the way in: his home card and the bottom bar ------------------------------------------
    expect(
        page.get_by_test_id("role-card-manager").get_by_test_id("home-open-reports")
    ).to_be_visible()
    page.get_by_test_id("nav-reports").click()
    dashboard = page.get_by_test_id("dashboard")
    expect(dashboard).to_have_attribute("aria-busy", "false")
    site, since, until = (dashboard.get_attribute(a) for a in ("data-site", "data-from", "data-to"))
    assert site and since and until
    assert since.endswith("-01") and since[:7] == until[:7]  # this month, by default

    # ---- every chart of the list, drawn from the server's figures -----------------------------
    period = {"site_id": site, "from": since, "to": until}
    charts = [r["name"] for r in api.get("/api/reports").json() if r["chart"]]
    cards = page.get_by_test_id("chart-card")
    expect(cards.first).to_be_visible()
    names = [c.get_attribute("data-name") for c in cards.all()]
    assert names and names == charts
    served = {n: report_json(api, str(n), limit=500, **period) for n in names}
    for name, report in served.items():
        if report["rows"]:
            tap = page.locator(
                f'[data-testid="chart-card"][data-name="{name}"] >> [data-testid="chart-tap"]'
            )
            assert float(tap.get_attribute("data-sum") or "nan") == chart_sum(report)
            assert int(tap.get_attribute("data-points") or -1) == len(report["rows"])
            expect(tap.get_by_test_id("chart")).to_be_visible()
    assert any(chart_sum(r) for r in served.values()), "no chart has a figure from the demo"

    # ---- the numbers behind a chart, one tap away ------------------------------------------------
    name, report = next((n, r) for n, r in served.items() if chart_sum(r))
    card = page.locator(f'[data-testid="chart-card"][data-name="{name}"]')
    card.get_by_test_id("chart-tap").click()
    table = card.get_by_test_id("report-table")
    expect(table).to_be_visible()
    expect(table.get_by_test_id("report-row")).to_have_count(len(report["rows"]))
    for column in report["columns"]:
        value = report["rows"][0][column["key"]]
        if column["kind"] == "fen" and isinstance(value, int):
            cell = table.get_by_test_id("report-row").first.locator(
                f'td[data-key="{column["key"]}"]'
            )
            sign = "-" if value < 0 else ""
            expect(cell).to_have_text(f"{sign}¥{abs(value) // 100}.{abs(value) % 100:02d}")

    # ---- a ledger: filtered, paged --------------------------------------------------------------
    page.get_by_test_id("open-ledgers").click()
    page.locator('[data-testid="ledger-row"][data-name="findings"]').click()
    ledger = page.get_by_test_id("ledger")
    expect(ledger).to_be_visible()
    page.get_by_test_id("filter-status").select_option("open")
    opened = report_json(api, "findings", status="open", **period)
    total = opened["row_count"]
    assert total >= EXTRA_FINDINGS
    info = page.get_by_test_id("page-info")
    expect(info).to_have_attribute("data-total", str(total))
    expect(info).to_have_attribute("data-first", "1")
    expect(info).to_have_attribute("data-last", "20")
    expect(ledger.get_by_test_id("report-row")).to_have_count(20)
    page.get_by_test_id("page-next").click()
    expect(info).to_have_attribute("data-first", "21")
    expect(info).to_have_attribute("data-last", str(min(40, total)))
    expect(ledger.get_by_test_id("report-row")).to_have_count(min(40, total) - 20)
    # The totals count every matching record, whatever the page.
    expect(ledger.locator('[data-testid="report-total"][data-key="findings"]')).to_have_attribute(
        "data-value", str(next(t["value"] for t in opened["totals"] if t["key"] == "findings"))
    )

    # ---- a refused period is told next to the dates --------------------------------------------
    page.get_by_test_id("report-to").fill(f"{int(since[:4]) + 2}{since[4:]}")
    page.get_by_test_id("report-to").dispatch_event("change")
    expect(page.get_by_test_id("period-error")).to_have_text(catalog_text("error.invalid_period"))
    page.get_by_test_id("report-to").fill(until)
    page.get_by_test_id("report-to").dispatch_event("change")
    expect(page.get_by_test_id("period-error")).to_have_count(0)
    expect(info).to_have_attribute("data-total", str(total))

    # ---- the same ledger as XLSX: typed cells ---------------------------------------------------
    link = page.get_by_test_id("export-xlsx")
    assert "status=open" in (link.get_attribute("href") or "")
    with page.expect_download() as dl:
        link.click()
    sheet = openpyxl.load_workbook(BytesIO(dl.value.path().read_bytes())).active
    assert sheet is not None
    header = [c.value for c in sheet[2]]
    assert header == [c["title"] for c in opened["columns"]]
    rows = [r for r in sheet.iter_rows(min_row=3, max_row=2 + total, values_only=True)]
    assert len(rows) == total
    kinds = {c["key"]: c["kind"] for c in opened["columns"]}
    created = list(kinds).index("created_at")
    assert all(isinstance(r[created], datetime) for r in rows)
    for key, kind in kinds.items():
        if kind == "int":
            i = list(kinds).index(key)
            assert all(r[i] is None or isinstance(r[i], int | float) for r in rows)

    # ---- a person filter: the site's people by name ---------------------------------------------
    page.get_by_test_id("back").click()
    page.locator('[data-testid="ledger-row"][data-name="keys"]').click()
    people = api.get(f"/api/sites/{site}/members").json()
    liuyang = next(m["id"] for m in people if m["username"] == "liuyang")
    held = report_json(api, "keys", holder_id=liuyang, **period)["row_count"]
    assert held > 0
    page.get_by_test_id("filter-holder_id").select_option(label="刘洋")
    expect(page.get_by_test_id("ledger")).to_have_attribute("data-row-count", str(held))
    expect(page.get_by_test_id("report-row")).to_have_count(held)

    # ---- the server out of reach: said so, and the last figures stay ---------------------------
    page.get_by_test_id("nav-reports").click()
    # The kept figures show at once; wait for the fresh ones.
    expect(page.get_by_test_id("dashboard")).to_have_attribute("aria-busy", "false")
    at = int(page.get_by_test_id("as-of").get_attribute("data-value") or 0)
    context.route("**/api/reports**", lambda route: route.abort("connectionrefused"))
    page.get_by_test_id("report-preset").select_option("last_month")
    expect(page.get_by_test_id("report-error")).to_have_attribute("data-kind", "network")
    expect(page.get_by_test_id("report-error")).to_have_text(catalog_text("error.network"))
    expect(page.get_by_test_id("dashboard")).to_have_attribute("data-from", since)
    expect(page.get_by_test_id("as-of")).to_have_attribute("data-value", str(at))
    context.unroute("**/api/reports**")

    # ---- offline: the dashboard with the date of its figures ------------------------------------
    go_offline(context)
    page.reload()
    assert_offline(page)
    expect(page.get_by_test_id("offline-note")).to_have_text(catalog_text("reports.offline_cached"))
    expect(page.get_by_test_id("as-of")).to_have_attribute("data-value", str(at))
    expect(page.get_by_test_id("as-of")).to_contain_text("数据截至")
    expect(page.get_by_test_id("chart-card")).to_have_count(len(names))
