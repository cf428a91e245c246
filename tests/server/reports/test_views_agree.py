"""Each report's numbers agree in its four views: the JSON totals and rows, the XLSX workbook
(typed cells read with openpyxl: counts are numbers, fen are yuan numbers with two decimals,
dates are dates; frozen zh-CN header), the CSV file (UTF-8 with BOM) and the PDF (read back
with pdftotext). Over the patrol, parking, vendor and permit reports, on SQLite and PostgreSQL."""

from __future__ import annotations

import csv
import io
import uuid
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import openpyxl
import pytest

from server.csv_export import unneutralised
from server.sites.tables import Building, Unit
from tests.conftest import ApiClient, make_user, site_today
from tests.server.findings.test_state_machine import PHOTO, Crew, assigned, reported, verified
from tests.server.parking.shift_kit import parking_site, signed_in
from tests.server.parking.test_shift_documents import DAY, a_day
from tests.server.patrols.test_patrols_and_review import (
    approve,
    submitted_patrol,
)
from tests.server.patrols.test_patrols_and_review import world as patrol_world  # noqa: F401
from tests.server.permits.test_permit_intents import monthly
from tests.server.reports.test_reports import PERIOD, TODAY, pdf_text
from tests.server.sync_device import Device, make_site, new_finding
from tests.server.vendors.inspection_kit import world as vendor_world


def printed(value: Any, kind: str) -> str:
    if kind == "fen":
        return f"{int(value) / 100:.2f}"
    if kind == "score":
        return f"{float(value):.2f}"
    return str(value)


async def agreed(client: ApiClient, name: str, query: dict[str, Any], folder: Path) -> Any:
    """The report as JSON, after checking that XLSX, CSV and PDF say the same."""
    r = await client.get(f"/api/reports/{name}", params={**query, "limit": 500})
    assert r.status_code == 200, r.text
    body = r.json()
    columns, rows, totals = body["columns"], body["rows"], body["totals"]
    assert body["row_count"] == len(rows)

    x = await client.get(f"/api/reports/{name}", params={**query, "format": "xlsx"})
    assert x.status_code == 200, x.text
    sheet = openpyxl.load_workbook(io.BytesIO(x.content)).active
    assert sheet.freeze_panes == "A3"
    assert body["title"] in sheet["A1"].value and body["site_name"] in sheet["A1"].value
    assert ("仅统计已审核记录" in sheet["A1"].value) == body["approved_only"]
    assert [c.value for c in sheet[2]][: len(columns)] == [c["title"] for c in columns]
    for n, row in enumerate(rows):
        cells = sheet[3 + n]
        for column, cell in zip(columns, cells, strict=False):
            value, kind = row[column["key"]], column["kind"]
            if value is None or value == "":
                assert cell.value is None
            elif kind in ("int", "score"):
                assert cell.data_type == "n" and cell.value == pytest.approx(value), column
            elif kind == "fen":
                assert cell.value == pytest.approx(value / 100) and cell.data_type == "n"
                assert cell.number_format == "#,##0.00"
            elif kind == "date":
                assert cell.value.date() == date.fromisoformat(value)
            elif kind == "datetime":
                assert isinstance(cell.value, datetime)
            else:
                assert cell.value == value
    block = list(sheet.iter_rows(min_row=3 + len(rows), values_only=True))
    start = next(i for i, line in enumerate(block) if line[0] == "合计")
    xlsx_totals = {line[0]: line[1] for line in block[start + 1 :] if line[0]}
    for t in totals:
        expected = t["value"] / 100 if t["kind"] == "fen" else t["value"]
        assert xlsx_totals[t["title"]] == pytest.approx(expected), t

    c = await client.get(f"/api/reports/{name}", params={**query, "format": "csv"})
    assert c.content.startswith(b"\xef\xbb\xbf")
    lines = list(csv.reader(io.StringIO(c.content.decode("utf-8-sig"))))
    if body["approved_only"]:
        assert lines.pop(0) == ["仅统计已审核记录"]
    assert lines[0] == [col["title"] for col in columns]
    assert len(lines) == 1 + len(rows)
    for line, row in zip(lines[1:], rows, strict=True):
        for column, cell in zip(columns, line, strict=True):
            value, kind = row[column["key"]], column["kind"]
            if kind in ("int", "fen", "score") and value is not None:
                assert unneutralised(cell) == printed(value, kind)

    p = await client.get(f"/api/reports/{name}", params={**query, "format": "pdf"})
    assert p.status_code == 200, p.text
    text = pdf_text(p.content, folder)
    assert body["title"] in text and body["site_name"] in text
    assert ("仅统计已审核记录" in text) == body["approved_only"]
    assert "制表人签字" in text and "第 1 /" in text
    words = [line.split() for line in text.splitlines() if line.split()]
    for t in totals:
        line = [w for w in words if w[0] == t["title"]][-1]
        assert line[-1] == printed(t["value"], t["kind"]), t
    return body


def totals_of(body: Any) -> dict[str, Any]:
    return {t["key"]: t["value"] for t in body["totals"]}


async def test_patrol_reports_agree(patrol_world: dict[str, Any], tmp_path: Path) -> None:  # noqa: F811
    """One patrol in 1栋 approved with a failed item (one finding), and a unit in 2栋 vacant
    since October and never visited: on 30 November 1栋 is on time and 2栋 overdue."""
    w = patrol_world
    args = await submitted_patrol(w)
    assert (await approve(w, args["id"]))["status"] == "applied"
    from server.auth.service import now

    b = await Building.insert(Building(site=w["site"], name="2栋", created_at=now())).returning(
        Building.id
    )
    await Unit.insert(
        Unit(
            building=b[0]["id"],
            number="202",
            vacant=True,
            vacant_since=date(2026, 10, 1),
            created_at=now(),
        )
    )
    boss = w["boss"].client
    query = {"site_id": w["site"], "from": "2026-11-01", "to": "2026-11-30"}
    body = await agreed(boss, "patrols", query, tmp_path)
    (row,) = body["rows"]
    assert (row["status"], row["failed_items"], row["findings_raised"]) == ("已通过", 1, 1)
    assert row["patroller"] == "Zhang" and row["unit"]
    totals = totals_of(body)
    assert totals["patrols"] == totals["units_patrolled"] == totals["findings_raised"] == 1
    assert totals["vacant_units"] == 2 and totals["findings_closed"] == 0
    mine = await boss.get("/api/reports/patrols", params={**query, "status": "rejected"})
    assert mine.json()["rows"] == []

    body = await agreed(boss, "patrol_coverage", query, tmp_path)
    assert [(r["building"], r["on_time"], r["overdue"]) for r in body["rows"]] == [
        ("1栋", 1, 0),
        ("2栋", 0, 1),
    ]
    assert totals_of(body)["coverage"] == 50.0 and body["approved_only"] is True


async def test_parking_reports_agree_with_the_day_report(
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
    for name in ("parking_day", "parking_month", "parking_takings", "cash_variance"):
        await agreed(boss.client, name, query, tmp_path)
    month = await agreed(boss.client, "parking_month", query, tmp_path)
    assert len(month["rows"]) == 31
    totals = totals_of(month)
    assert totals["amount_fen"] == day["total_fen"] == 2600
    assert totals["exemptions"] == day["exemption_count"]
    assert totals["cash_variance_fen"] == day["cash_variance_fen"]
    takings = totals_of(await agreed(boss.client, "parking_takings", query, tmp_path))
    by_method = {m["method"]: m["amount_fen"] for m in day["methods"]}
    assert takings["cash_fen"] == by_method["cash"] and takings["wechat_fen"] == by_method["wechat"]
    assert takings["total_fen"] == 2600
    variance = totals_of(await agreed(boss.client, "cash_variance", query, tmp_path))
    assert variance["variance_fen"] == day["cash_variance_fen"] == 100
    assert (variance["over_fen"], variance["short_fen"], variance["shifts"]) == (100, 0, 1)
    other = await boss.client.get("/api/reports/cash_variance", params={**query, "cashier_id": 999})
    assert totals_of(other.json())["shifts"] == 0


async def test_vendor_reports_agree_with_the_evaluation(
    client: ApiClient, another_client: ApiClient, third_client: ApiClient, tmp_path: Path
) -> None:
    w = await vendor_world(client, another_client)
    await w.approved(items=[w.deduct("c02", 5)])
    await w.approved(items=[w.deduct("c02", 5), w.deduct("c03", 5)])
    await w.submit(items=[w.deduct("c03", 5)])  # waiting for review
    await make_user("zhaolei", ["manager"], [w.site])
    await third_client.sign_in("zhaolei")
    evaluation = (await third_client.get(f"/api/vendors/{w.vendor}/evaluations/2026-10")).json()
    query = {"site_id": w.site, "from": "2026-10-01", "to": "2026-10-31"}
    body = await agreed(third_client, "vendor_inspections", query, tmp_path)
    assert [r["status"] for r in body["rows"]] == ["已通过", "已通过", "待审核"]
    assert {r["service"] for r in body["rows"]} == {"保洁"}
    totals = totals_of(body)
    assert (totals["inspections"], totals["approved"]) == (3, 2)
    assert totals["average_score"] == pytest.approx(evaluation["score"])
    waiting = await third_client.get(
        "/api/reports/vendor_inspections", params={**query, "status": "submitted"}
    )
    assert len(waiting.json()["rows"]) == 1
    scores = await agreed(third_client, "vendor_scores", query, tmp_path)
    assert scores["rows"] == [
        {"month": "2026-10", "cleaning": evaluation["score"], "greening": None, "pest": None}
    ]
    await agreed(third_client, "vendor_evaluations", query, tmp_path)


async def test_the_permits_ledger_counts_each_event(client: ApiClient, tmp_path: Path) -> None:
    today = site_today()
    site = await make_site("cuihu")
    await make_user("desk", ["patrol", "supervisor"], [site])
    await client.sign_in("desk")
    desk = Device(client)
    renewed = monthly(site, today - timedelta(days=26), today + timedelta(days=3))
    expiring = monthly(site, today, today + timedelta(days=2), space="B2-018", plate="浙A12346")
    revoked = monthly(site, today, today + timedelta(days=20), space="B2-019", plate="浙A12347")
    for args in (renewed, expiring, revoked):
        assert (await desk.push_one("permits.issue", args))["status"] == "applied"
    renewal = {
        "id": str(uuid.uuid4()),
        "permit_id": renewed["id"],
        "valid_to": (today + timedelta(days=34)).isoformat(),
        "fee_fen": 32000,
    }
    assert (await desk.push_one("permits.renew", renewal))["status"] == "applied"
    revoke = {"permit_id": revoked["id"], "reason": "车辆已转让"}
    assert (await desk.push_one("permits.revoke", revoke))["status"] == "applied"
    query = {
        "site_id": site,
        "from": (today - timedelta(days=1)).isoformat(),
        "to": (today + timedelta(days=10)).isoformat(),
    }
    body = await agreed(client, "permits", query, tmp_path)
    totals = totals_of(body)
    assert {k: totals[k] for k in ("issued", "renewed", "revoked", "expiring")} == {
        "issued": 3,
        "renewed": 1,
        "revoked": 1,
        "expiring": 1,
    }
    assert totals["fee_fen"] == 3 * 30000 + 32000
    assert {r["event"] for r in body["rows"]} == {"新办", "续期", "注销", "到期未续"}
    only = await client.get("/api/reports/permits", params={**query, "event": "expiring"})
    assert [r["space"] for r in only.json()["rows"]] == ["B2-018"]


async def test_findings_reports_agree(client: ApiClient, tmp_path: Path) -> None:
    """Four findings reported today, one verified, one accepted: the trend ends with three
    open."""
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
    await crew.push("boss", "findings.upsert", new_finding(north, photos=[PHOTO]))
    taken = await assigned(crew, north)  # and one the assignee accepted (接单)
    assert (await crew.push("li", "findings.accept", {"id": taken}))["status"] == "applied"
    if crew.signed_in != "boss":
        await client.post("/api/auth/logout")
        await client.sign_in("boss")
    query = {"site_id": north, **PERIOD}
    trend = await agreed(client, "findings_trend", query, tmp_path)
    assert [r["date"] for r in trend["rows"]] == [PERIOD["from"], TODAY.isoformat(), PERIOD["to"]]
    totals = totals_of(trend)
    assert (totals["reported"], totals["open"]) == (4, 3)
    assert trend["rows"][0]["open"] == 0 and trend["rows"][-1]["open"] == 3
    findings = await agreed(client, "findings", query, tmp_path)
    totals = totals_of(findings)
    assert (totals["findings"], totals["accept_on_time"], totals["accept_share"]) == (4, 1, 50.0)
