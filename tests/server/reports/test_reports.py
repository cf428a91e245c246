"""The reports door: which reports each role may open, each report's totals the same in JSON,
XLSX (typed cells, read with openpyxl) and PDF (read back with pdftotext), CSV headers in the
caller's language, capped rows, and the refusals of bad input."""

from __future__ import annotations

import csv
import io
import subprocess
import uuid
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import openpyxl
import pytest

from server.findings.schemas import CATEGORIES
from server.reports import report
from server.reports.ledgers import FINDING_CATEGORY
from tests.conftest import ApiClient, make_user
from tests.server.findings.test_state_machine import PHOTO, Crew, assigned, reported, verified
from tests.server.parking.shift_kit import parking_site, signed_in
from tests.server.parking.test_shift_documents import DAY, a_day
from tests.server.sync_device import Device, make_site, new_finding, scan
from tests.server.vendors.inspection_kit import world

TODAY = datetime.now(UTC).date()
# The key events happen now; a period of three UTC days holds the site's today, whatever its zone.
PERIOD = {
    "from": (TODAY - timedelta(days=1)).isoformat(),
    "to": (TODAY + timedelta(days=1)).isoformat(),
}


def pdf_text(pdf: bytes, folder: Path) -> str:
    path = folder / "report.pdf"
    path.write_bytes(pdf)
    return subprocess.run(
        ["pdftotext", "-layout", str(path), "-"], check=True, capture_output=True, text=True
    ).stdout


def workbook_totals(content: bytes) -> tuple[Any, dict[str, Any]]:
    """The sheet, and its totals block: label -> the typed value beside it."""
    sheet = openpyxl.load_workbook(io.BytesIO(content)).active
    rows = list(sheet.iter_rows(values_only=True))
    start = next(i for i, r in enumerate(rows) if r[0] in ("合计", "Totals"))
    return sheet, {r[0]: r[1] for r in rows[start + 1 :] if r[0]}


def event(key_id: str, **args: Any) -> dict[str, Any]:
    return {"id": str(uuid.uuid4()), "key_id": key_id, **args}


@pytest.fixture
async def keys_world(settings: Any, client: ApiClient, another_client: ApiClient) -> dict[str, Any]:
    """Three keys: one out with Zhang, one lost, one out and back (two checkouts in all)."""
    site = await make_site("north")
    await make_user("boss", ["supervisor"], [site])
    await client.sign_in("boss")
    boss = Device(client)
    zhang = await make_user("zhang", ["patrol"], [site])
    await another_client.sign_in("zhang")
    patrol = Device(another_client)
    ids = []
    for n, label in enumerate(["3栋2单元1202", "5栋1单元0301", "=HYPERLINK(1)"]):
        key = {"id": str(uuid.uuid4()), "site_id": site, "code": f"K-{n:04d}", "kind": "vacant"}
        assert (await boss.push_one("keys.upsert", {**key, "label": label}))["status"] == "applied"
        ids.append(key["id"])
    for key_id in ids:
        r = await patrol.push_one(
            "keys.checkout", event(key_id, tag=scan(settings, key_id), purpose="patrol")
        )
        assert r["status"] == "applied", r
    assert (await patrol.push_one("keys.lost", event(ids[1])))["status"] == "applied"
    assert (await patrol.push_one("keys.checkin", event(ids[2])))["status"] == "applied"
    return {"site": site, "ids": ids, "boss": boss, "patrol": patrol, "zhang": zhang}


async def test_each_role_sees_the_reports_it_may_open(
    keys_world: dict[str, Any], third_client: ApiClient
) -> None:
    r = await keys_world["boss"].client.get("/api/reports")
    assert r.status_code == 200, r.text
    listed = {x["name"]: x for x in r.json()}
    assert list(listed) == [
        "patrol_coverage",
        "findings_trend",
        "vendor_scores",
        "parking_takings",
        "cash_variance",
        "patrols",
        "keys",
        "findings",
        "vendor_evaluations",
        "vendor_inspections",
        "parking_day",
        "parking_month",
        "permits",
    ]
    charts = {name: x["chart"] for name, x in listed.items() if x["chart"]}
    assert set(charts) == set(list(listed)[:5])
    assert charts["parking_takings"] == {
        "kind": "bar",
        "x": "date",
        "series": ["cash_fen", "wechat_fen", "alipay_fen", "card_fen"],
        "stacked": True,
    }
    assert listed["keys"]["title"] == {"zh-CN": "钥匙台账", "en": "Key custody ledger"}
    assert listed["keys"]["formats"] == ["json", "xlsx", "csv", "pdf"]
    assert listed["keys"]["filters"] == [
        {
            "name": "status",
            "title": "状态",
            "kind": "choice",
            "choices": [
                {"value": "out", "title": "借出"},
                {"value": "lost", "title": "遗失"},
                {"value": "overdue", "title": "超期未还"},
            ],
        },
        {"name": "holder_id", "title": "持有人", "kind": "person", "choices": []},
    ]
    assert listed["keys"]["chart"] is None and listed["keys"]["approved_only"] is False
    assert listed["vendor_evaluations"]["approved_only"] is True
    await make_user("zhaolei", ["manager"], [keys_world["site"]])
    await third_client.sign_in("zhaolei")
    assert {x["name"] for x in (await third_client.get("/api/reports")).json()} == set(listed)
    # A patrol officer opens none, and is refused one by name.
    patrol = keys_world["patrol"].client
    assert (await patrol.get("/api/reports")).json() == []
    r = await patrol.get("/api/reports/keys", params={"site_id": keys_world["site"], **PERIOD})
    assert (r.status_code, r.json()["error"]["code"]) == (403, "forbidden")


async def test_the_key_ledger_agrees_in_json_xlsx_and_pdf(
    keys_world: dict[str, Any], tmp_path: Path
) -> None:
    client = keys_world["boss"].client
    query = {"site_id": keys_world["site"], **PERIOD}
    r = await client.get("/api/reports/keys", params=query)
    assert r.status_code == 200, r.text
    body = r.json()
    totals = {t["key"]: t["value"] for t in body["totals"]}
    assert totals == {"keys": 3, "out": 1, "overdue": 0, "lost": 1, "checkouts": 3}
    rows = {row["code"]: row for row in body["rows"]}
    assert rows["K-0000"]["status"] == "借出" and rows["K-0000"]["holder"] == "Zhang"
    assert rows["K-0001"]["status"] == "遗失" and rows["K-0001"]["since"]
    assert rows["K-0002"]["status"] == "在库" and rows["K-0002"]["checkouts"] == 1
    assert body["truncated"] is False and body["note"] == ""

    x = await client.get("/api/reports/keys", params={**query, "format": "xlsx"})
    assert x.status_code == 200, x.text
    sheet, xlsx_totals = workbook_totals(x.content)
    assert sheet.freeze_panes == "A3"
    header = [c.value for c in sheet[2]]
    assert header[:4] == ["钥匙编号", "房号/标签", "状态", "持有人"]
    assert sheet.column_dimensions["B"].width > sheet.column_dimensions["G"].width
    out_row = next(r for r in sheet.iter_rows(min_row=3) if r[0].value == "K-0000")
    assert isinstance(out_row[4].value, datetime)  # the time it went out, as a date-time
    assert out_row[7].value == 1 and out_row[7].data_type == "n"
    formula = next(r for r in sheet.iter_rows(min_row=3) if r[0].value == "K-0002")
    assert formula[1].data_type == "s" and formula[1].value == "=HYPERLINK(1)"
    assert list(xlsx_totals.values()) == list(totals.values())

    p = await client.get("/api/reports/keys", params={**query, "format": "pdf"})
    assert p.status_code == 200, p.text
    assert p.headers["content-type"] == "application/pdf"
    text = pdf_text(p.content, tmp_path)
    assert "钥匙台账" in text and "north" in text
    assert f"{PERIOD['from']} ~ {PERIOD['to']}" in text
    assert "第 1 / 1 页" in text and "制表人签字" in text and "审核人签字" in text
    lines = {line.split()[0]: line.split()[-1] for line in text.splitlines() if line.split()}
    assert {k: int(lines[t["title"]]) for k, t in zip(totals, body["totals"], strict=True)} == (
        totals
    )


async def test_the_key_ledger_filters(keys_world: dict[str, Any]) -> None:
    client = keys_world["boss"].client
    query = {"site_id": keys_world["site"], **PERIOD}
    lost = (await client.get("/api/reports/keys", params={**query, "status": "lost"})).json()
    assert [r["code"] for r in lost["rows"]] == ["K-0001"]
    mine = await client.get("/api/reports/keys", params={**query, "holder_id": keys_world["zhang"]})
    assert [r["code"] for r in mine.json()["rows"]] == ["K-0000"]
    nobody = await client.get("/api/reports/keys", params={**query, "holder_id": 999_999})
    assert nobody.json()["rows"] == []


async def test_csv_headers_follow_the_callers_language(keys_world: dict[str, Any]) -> None:
    client = keys_world["boss"].client
    query = {"site_id": keys_world["site"], **PERIOD, "format": "csv"}
    zh = await client.get("/api/reports/keys", params=query, headers={"Accept-Language": "zh-CN"})
    assert zh.status_code == 200, zh.text
    assert zh.content.startswith(b"\xef\xbb\xbf")
    header, *rows = list(csv.reader(io.StringIO(zh.content.decode("utf-8-sig"))))
    assert header == [
        "钥匙编号",
        "房号/标签",
        "状态",
        "持有人",
        "借出/遗失时间",
        "预计归还",
        "超期",
        "期间借出次数",
    ]
    assert {r[2] for r in rows} == {"借出", "遗失", "在库"}
    assert "'=HYPERLINK(1)" in [r[1] for r in rows]  # never run as a formula
    en = await client.get("/api/reports/keys", params=query, headers={"Accept-Language": "en"})
    header, *rows = list(csv.reader(io.StringIO(en.content.decode("utf-8-sig"))))
    assert header[:3] == ["Key", "Unit / label", "Status"]
    assert {r[2] for r in rows} == {"Out", "Lost", "In"}


async def test_a_capped_ledger_says_so_and_still_counts_everything(
    keys_world: dict[str, Any], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setattr(report, "MAX_ROWS", 2)
    client = keys_world["boss"].client
    query = {"site_id": keys_world["site"], **PERIOD}
    body = (await client.get("/api/reports/keys", params=query)).json()
    assert len(body["rows"]) == 2 and body["truncated"] is True and body["row_limit"] == 2
    assert "前 2 行" in body["note"]
    assert {t["key"]: t["value"] for t in body["totals"]}["keys"] == 3
    p = await client.get("/api/reports/keys", params={**query, "format": "pdf"})
    assert "前 2 行" in pdf_text(p.content, tmp_path)


async def test_the_parking_ledger_agrees_with_the_day_report_in_every_format(
    client: ApiClient, another_client: ApiClient, tmp_path: Path
) -> None:
    park = await parking_site()
    chen = await signed_in(client, "chen", ["cashier"], park["site"])
    boss = await signed_in(another_client, "boss", ["supervisor"], park["site"])
    await a_day(chen, park)
    day = (
        await boss.client.get(
            "/api/parking/reports/day", params={"site_id": park["site"], "date": DAY}
        )
    ).json()
    query = {"site_id": park["site"], "from": "2026-12-01", "to": "2026-12-31"}
    body = (await boss.client.get("/api/reports/parking_day", params=query)).json()
    totals = {t["key"]: t["value"] for t in body["totals"]}
    assert totals["amount_fen"] == day["total_fen"] == 2600
    assert totals["count"] == sum(m["count"] for m in day["methods"])
    assert totals["cash_variance_fen"] == day["cash_variance_fen"]
    assert {r["method"] for r in body["rows"]} == {"现金", "微信"}
    assert {r["date"] for r in body["rows"]} == {DAY}

    x = await boss.client.get("/api/reports/parking_day", params={**query, "format": "xlsx"})
    sheet, xlsx_totals = workbook_totals(x.content)
    cells = [r for r in sheet.iter_rows(min_row=3) if isinstance(r[0].value, datetime)]
    assert {r[0].value.date() for r in cells} == {date(2026, 12, 6)}
    assert {r[0].number_format for r in cells} == {"yyyy-mm-dd"}
    assert sum(r[4].value for r in cells) == pytest.approx(26.00)  # yuan, as numbers
    assert {r[4].number_format for r in cells} == {"#,##0.00"}
    assert xlsx_totals["收费金额（元）"] == pytest.approx(totals["amount_fen"] / 100)
    assert xlsx_totals["收费笔数"] == totals["count"]

    p = await boss.client.get("/api/reports/parking_day", params={**query, "format": "pdf"})
    text = pdf_text(p.content, tmp_path)
    assert "停车收费日报" in text and "2026-12-01 ~ 2026-12-31" in text
    total_line = next(line for line in text.splitlines() if "收费金额（元）" in line)
    assert total_line.split()[-1] == "26.00"


@pytest.mark.parametrize(
    ("params", "status", "code", "field"),
    [
        ({"from": "2025-01-01", "to": "2026-01-01"}, 400, "invalid_period", None),
        ({"from": "2026-02-01", "to": "2026-01-01"}, 400, "invalid_period", None),
        ({"from": "2025-01-01", "to": "2025-12-31"}, 200, None, None),  # a whole year is fine
        ({"colour": "red"}, 400, "unknown_filter", "colour"),
        ({"gate_id": "1"}, 400, "unknown_filter", "gate_id"),  # parking's filter, not the keys'
        ({"status": "stolen"}, 400, "invalid_args", "status"),
        ({"status": ["out", "lost"]}, 400, "invalid_args", "status"),  # one value each
        ({"holder_id": "-1"}, 400, "invalid_args", "holder_id"),
        ({"format": "docx"}, 400, "invalid_args", "format"),
        ({"from": "01/12/2026"}, 400, "invalid_args", "from"),
        ({"site_id": "x"}, 400, "invalid_args", "site_id"),
        ({"site_id": "99999999999"}, 400, "invalid_args", "site_id"),
    ],
)
async def test_bad_input_is_refused_with_a_code(
    keys_world: dict[str, Any],
    params: dict[str, Any],
    status: int,
    code: str | None,
    field: str | None,
) -> None:
    query = {"site_id": keys_world["site"], "from": "2026-01-01", "to": "2026-01-31", **params}
    r = await keys_world["boss"].client.get("/api/reports/keys", params=query)
    assert r.status_code == status, r.text
    if code is None:
        return
    error = r.json()["error"]
    assert error["code"] == code
    if field:
        assert error["field"] == field


async def test_another_site_and_an_unknown_report_do_not_exist(
    keys_world: dict[str, Any],
) -> None:
    other = await make_site("south")
    client = keys_world["boss"].client
    r = await client.get("/api/reports/keys", params={"site_id": other, **PERIOD})
    assert (r.status_code, r.json()["error"]["code"]) == (404, "not_found")
    r = await client.get("/api/reports/nope", params={"site_id": keys_world["site"], **PERIOD})
    assert r.status_code == 404


async def test_the_vendor_ledger_agrees_with_the_evaluation_in_every_format(
    client: ApiClient, another_client: ApiClient, third_client: ApiClient, tmp_path: Path
) -> None:
    w = await world(client, another_client)
    await w.approved(items=[w.deduct("c02", 5)])
    await w.approved(items=[w.deduct("c02", 5), w.deduct("c03", 5)])
    await make_user("zhaolei", ["manager"], [w.site])
    await third_client.sign_in("zhaolei")
    evaluation = (await third_client.get(f"/api/vendors/{w.vendor}/evaluations/2026-10")).json()
    query = {"site_id": w.site, "from": "2026-10-01", "to": "2026-11-30"}
    r = await third_client.get("/api/reports/vendor_evaluations", params=query)
    assert r.status_code == 200, r.text
    body = r.json()
    october = next(row for row in body["rows"] if row["month"] == "2026-10")
    assert october["score"] == evaluation["score"]
    assert october["payable_fen"] == evaluation["payable_fen"]
    assert [row["month"] for row in body["rows"]] == ["2026-10", "2026-11"]
    totals = {t["key"]: t["value"] for t in body["totals"]}
    assert totals["inspections"] == evaluation["inspections"] == 2
    assert totals["deduction_fen"] == evaluation["deduction_fen"]

    x = await third_client.get(
        "/api/reports/vendor_evaluations", params={**query, "format": "xlsx"}
    )
    sheet, xlsx_totals = workbook_totals(x.content)
    row = next(r for r in sheet.iter_rows(min_row=3) if r[0].value == "2026-10")
    assert row[3].value == pytest.approx(evaluation["score"]) and row[3].data_type == "n"
    assert row[8].value == pytest.approx(evaluation["payable_fen"] / 100)
    assert xlsx_totals["应付合计（元）"] == pytest.approx(totals["payable_fen"] / 100)
    assert xlsx_totals["检查次数"] == totals["inspections"]

    p = await third_client.get("/api/reports/vendor_evaluations", params={**query, "format": "pdf"})
    text = pdf_text(p.content, tmp_path)
    assert "供应商月度考评" in text
    payable = next(line for line in text.splitlines() if "应付合计（元）" in line).split()[-1]
    assert payable == f"{totals['payable_fen'] / 100:.2f}"


async def test_the_findings_ledger_measures_the_service_standards(
    client: ApiClient, tmp_path: Path
) -> None:
    """Two findings today: one dispatched at once, fixed and verified (followed up) at once;
    one still open. Half were dispatched within 5 minutes, every fix followed up in 24 hours."""
    north = await make_site("north")
    ids = {
        name: await make_user(name, roles, [north])
        for name, roles in [
            ("zhang", ["patrol"]),
            ("li", ["patrol"]),
            ("env", ["environment"]),
            ("boss", ["supervisor"]),
        ]
    }
    crew = Crew(client, ids)
    await verified(crew, north)
    await reported(crew, north)
    await crew.push("boss", "findings.upsert", new_finding(north, photos=[PHOTO]))  # a third
    taken = await assigned(crew, north)  # a fourth, accepted at once
    assert (await crew.push("li", "findings.accept", {"id": taken}))["status"] == "applied"
    if crew.signed_in != "boss":
        await client.post("/api/auth/logout")
        await client.sign_in("boss")
    query = {"site_id": north, **PERIOD}
    r = await client.get("/api/reports/findings", params=query)
    assert r.status_code == 200, r.text
    body = r.json()
    totals = {t["key"]: t["value"] for t in body["totals"]}
    assert totals == {
        "findings": 4,
        "dispatched": 2,
        "dispatch_on_time": 2,
        "dispatch_share": 50.0,
        "accepted": 1,
        "accept_on_time": 1,
        "accept_share": 50.0,
        "fixed": 1,
        "follow_up_on_time": 1,
        "follow_up_share": 100.0,
    }
    statuses = sorted(row["status"] for row in body["rows"])
    assert statuses == ["已验收", "待派单", "待派单", "整改中"]
    done = next(row for row in body["rows"] if row["status"] == "已验收")
    assert done["dispatch_on_time"] == "是" and done["follow_up_on_time"] == "是"
    assert done["accept_on_time"] == "否" and done["accepted_at"] is None
    took = next(row for row in body["rows"] if row["status"] == "整改中")
    assert (took["accept_on_time"], took["accept_minutes"]) == ("是", 0)
    assert {row["category"] for row in body["rows"]} <= {zh for zh, _ in FINDING_CATEGORY.values()}
    assert set(FINDING_CATEGORY) == CATEGORIES  # every category has words
    only_open = await client.get("/api/reports/findings", params={**query, "status": "open"})
    assert len(only_open.json()["rows"]) == 2

    x = await client.get("/api/reports/findings", params={**query, "format": "xlsx"})
    _, xlsx_totals = workbook_totals(x.content)
    assert xlsx_totals["5分钟内派单率（%）"] == pytest.approx(50.0)
    assert xlsx_totals["5分钟内接单率（%）"] == pytest.approx(50.0)
    assert xlsx_totals["问题数"] == 4
    p = await client.get("/api/reports/findings", params={**query, "format": "pdf"})
    text = pdf_text(p.content, tmp_path)
    assert "问题整改台账" in text and "5分钟内接单率（%）" in text
    share = next(line for line in text.splitlines() if "24小时内回访率" in line).split()[-1]
    assert share == "100.00"


async def test_json_pages_and_exports_whole(keys_world: dict[str, Any]) -> None:
    client = keys_world["boss"].client
    query = {"site_id": keys_world["site"], **PERIOD}
    whole = (await client.get("/api/reports/keys", params=query)).json()
    assert (whole["offset"], whole["limit"], whole["row_count"]) == (0, 100, 3)
    first = (await client.get("/api/reports/keys", params={**query, "limit": 2})).json()
    rest = (await client.get("/api/reports/keys", params={**query, "offset": 2})).json()
    assert first["rows"] + rest["rows"] == whole["rows"]
    assert first["row_count"] == rest["row_count"] == 3
    assert first["totals"] == rest["totals"] == whole["totals"]  # totals count every record
    csv_file = await client.get("/api/reports/keys", params={**query, "limit": 1, "format": "csv"})
    assert len(list(csv.reader(io.StringIO(csv_file.content.decode("utf-8-sig"))))) == 1 + 3
    for bad in ({"limit": "501"}, {"limit": "0"}, {"offset": "-1"}, {"offset": "x"}):
        r = await client.get("/api/reports/keys", params={**query, **bad})
        assert (r.status_code, r.json()["error"]["field"]) == (400, next(iter(bad))), r.text
