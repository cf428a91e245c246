"""The monthly evaluation through the API: approved inspections only, the month in the site's
time zone, the settlement at its boundaries (exactly 95, exactly 90, the cap), rectifications
on time / late / open, the manager's sign-off that locks, who may read it, and the statement
as PDF (rendered, its CJK text read back) and XLSX (numbers numeric)."""

from __future__ import annotations

import io
import subprocess
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from PIL import Image

from server.media.service import file_name, media_storage
from server.settings import Settings
from tests.conftest import ApiClient, make_user
from tests.server.vendors.inspection_kit import AFTER, FEE_FEN, PHOTO, World, world

MONTH = "2026-10"


@pytest.fixture
async def w(client: ApiClient, another_client: ApiClient, settings: Settings) -> World:
    return await world(client, another_client)


@pytest.fixture
async def manager(settings: Settings, w: World) -> Any:
    from server.app import create_app

    async with ApiClient(app=create_app(settings)) as c:
        await c.sign_in("zhao")
        yield c


async def evaluation(client: ApiClient, w: World, month: str = MONTH) -> dict[str, Any]:
    r = await client.get(f"/api/vendors/{w.vendor}/evaluations/{month}")
    assert r.status_code == 200, r.text
    return r.json()


async def test_exactly_95_pays_in_full_and_only_approved_inspections_count(
    w: World, manager: ApiClient
) -> None:
    await w.approved(items=[w.deduct("c02", 5)])
    await w.submit(items=[w.deduct("c02", 5), w.deduct("c03", 5)])  # waiting for review
    rejected = await w.submit(items=[w.deduct("c03", 5)])
    await w.review(rejected["id"], "reject", "重新检查")
    got = await evaluation(manager, w)
    assert got["vendor_id"] == w.vendor and got["month"] == MONTH
    assert (got["score"], got["inspections"], got["critical_failures"]) == (95.0, 1, 0)
    assert got["waiting_review"] == 1 and got["locked"] is False
    assert got["monthly_fee_fen"] == FEE_FEN
    assert (got["deduction_fen"], got["payable_fen"]) == (0, FEE_FEN)
    assert got["lines"][0] == {"text": "得分 95.00（95.00 分及以上）：全额支付", "fen": 0}


async def test_exactly_90_deducts_two_percent(w: World, manager: ApiClient) -> None:
    await w.approved(items=[w.deduct("c02", 5), w.deduct("c03", 5)])
    await w.approved(items=[w.deduct("c02", 5), w.deduct("c03", 5)])
    got = await evaluation(manager, w)
    assert (got["score"], got["inspections"]) == (90.0, 2)
    assert got["lines"][0]["fen"] == 8_400  # 2 % of 4,200 yuan
    assert (got["deduction_fen"], got["payable_fen"]) == (8_400, FEE_FEN - 8_400)
    assert sum(line["fen"] for line in got["lines"]) == got["deduction_fen"]


async def test_the_cap_limits_the_total_deduction(w: World, manager: ApiClient) -> None:
    # Two critical failures: each inspection capped at 60; 5 % + 2 × 200 yuan > 10 %.
    await w.approved(items=[w.deduct("c01", 1)])
    await w.approved(items=[w.deduct("c01", 1)])
    got = await evaluation(manager, w)
    assert (got["score"], got["critical_failures"]) == (60.0, 2)
    assert [line["fen"] for line in got["lines"]] == [21_000, 40_000, 0, 42_000 - 61_000]
    assert (got["deduction_fen"], got["payable_fen"]) == (42_000, FEE_FEN - 42_000)


async def test_the_month_is_the_sites_calendar_month(w: World, manager: ApiClient) -> None:
    # 1 November 01:00 in Hangzhou is still 31 October in UTC.
    await w.approved(at="2026-11-01T01:00:00+08:00", items=[w.deduct("c02", 1)])
    await w.approved(at="2026-10-31T23:59:00+08:00", items=[w.deduct("c02", 2)])
    assert (await evaluation(manager, w, "2026-11"))["score"] == 99.0
    assert (await evaluation(manager, w, "2026-10"))["score"] == 98.0


async def test_a_rectification_verified_after_its_deadline_is_late(
    w: World, manager: ApiClient
) -> None:
    late = await w.approved(items=[w.deduct("c02", 1)])  # due 24 h after 10:00 on the 15th
    on_time = await w.approved(items=[w.deduct("c03", 1)])
    await w.approved(items=[w.deduct("c02", 2)])  # never fixed: open
    for args, at in ((late, "2026-10-16T10:01:00+08:00"), (on_time, "2026-10-16T10:00:00+08:00")):
        code = "c02" if args is late else "c03"
        verify = {"id": args["id"], "item_id": w.item[code], "at": at, "photos": [AFTER]}
        assert (await w.inspector.push_one("inspections.verify", verify))["status"] == "applied"
    got = await evaluation(manager, w)
    assert got["rectifications"] == {"on_time": 1, "late": 1, "open": 1}
    assert got["late_rectifications"] == 1
    assert got["lines"][2] == {"text": "逾期整改 1 次 × 50.00 元", "fen": 5_000}


async def test_sign_off_locks_the_month(w: World, manager: ApiClient, client: ApiClient) -> None:
    await w.approved(items=[w.deduct("c02", 5)])
    waiting = await w.submit(items=[w.deduct("c03", 5)])
    url = f"/api/vendors/{w.vendor}/evaluations/{MONTH}/sign-off"
    r = await manager.post(url)
    assert (r.status_code, r.json()["error"]["code"]) == (409, "inspection_not_approved")
    assert (await client.post(url)).status_code == 403  # an inspector does not sign off
    await w.review(waiting["id"], "reject", "扣分依据不足")
    r = await manager.post(url)
    assert r.status_code == 200, r.text
    signed = r.json()
    assert signed["locked"] is True and signed["signed_by"] == "Zhao" and signed["score"] == 95.0
    again = await manager.post(url)
    assert (again.status_code, again.json()["error"]["code"]) == (409, "evaluation_locked")
    # The month takes no new or resubmitted inspection; what was signed off stays.
    late = await w.inspector.push_one("inspections.submit", w.inspection(items=[]))
    assert (late["status"], late["error"]["code"]) == ("rejected", "evaluation_locked")
    resubmitted = {**w.inspection(items=[]), "id": waiting["id"]}
    refused = await w.inspector.push_one("inspections.submit", resubmitted)
    assert refused["error"]["code"] == "evaluation_locked"
    assert await evaluation(manager, w) == signed
    # Another month is still open.
    assert (
        await w.inspector.push_one(
            "inspections.submit", w.inspection(at="2026-11-02T09:00:00+08:00")
        )
    )["status"] == "applied"


async def test_who_reads_the_evaluation(w: World, client: ApiClient, settings: Settings) -> None:
    from server.app import create_app

    await w.approved(items=[w.deduct("c02", 5)])
    assert (await evaluation(client, w))["score"] == 95.0  # wang: a member of the site
    await make_user("chen", ["cashier"], [w.other_site])
    async with ApiClient(app=create_app(settings)) as other:
        await other.sign_in("li")  # patrol at the other site
        r = await other.get(f"/api/vendors/{w.vendor}/evaluations/{MONTH}")
        assert r.status_code == 404
    for bad in ("2026-13", "2026-1", "x", "2026-10.doc"):
        r = await client.get(f"/api/vendors/{w.vendor}/evaluations/{bad}")
        assert 400 <= r.status_code < 500, (bad, r.status_code)
    r = await client.get(f"/api/vendors/{w.vendor}/evaluations/2025-10")
    assert (r.status_code, r.json()["error"]["code"]) == (404, "no_contract")


def read_back(pdf: bytes, folder: Path) -> tuple[Image.Image, str]:
    """The first page as poppler renders it (50 dpi), and the text poppler reads."""
    path = folder / "statement.pdf"
    path.write_bytes(pdf)
    subprocess.run(["pdftoppm", "-r", "50", "-png", str(path), str(folder / "page")], check=True)
    page = Image.open(sorted(folder.glob("page*.png"))[0]).convert("L")
    text = subprocess.run(
        ["pdftotext", "-layout", str(path), "-"], check=True, capture_output=True, text=True
    ).stdout
    return page, text


def thumbnail_jpeg() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (160, 120), (20, 20, 20)).save(out, format="JPEG")
    return out.getvalue()


async def test_the_statement_pdf_prints_chinese_that_reads_back(
    w: World, manager: ApiClient, settings: Settings, tmp_path: Path
) -> None:
    media_storage(settings).put(file_name(PHOTO, thumb=True), io.BytesIO(thumbnail_jpeg()))
    await w.approved(items=[w.deduct("c01", 2, reason="地面有水渍")])
    await w.approved(items=[w.deduct("c02", 1)])
    r = await manager.get(f"/api/vendors/{w.vendor}/evaluations/{MONTH}.pdf")
    assert r.status_code == 200, r.text
    assert r.headers["content-type"] == "application/pdf"
    page, text = read_back(r.content, tmp_path)
    # Rendered ink: the glyphs and the thumbnail are drawn, not blanks.
    assert page.getextrema()[0] < 50
    for said in (
        "外委单位月度评价结算单",
        "杭州卫家保洁",
        "评价月份：2026-10",
        "大堂地面洁净 −2：地面有水渍",
        "应付金额",
        "外委单位负责人（签字）",
        "项目经理（签字）",
    ):
        assert said in text, (said, text)


async def test_the_statement_xlsx_has_numeric_cells_and_chinese_headers(
    w: World, manager: ApiClient
) -> None:
    await w.approved(items=[w.deduct("c02", 5), w.deduct("c03", 5)])
    r = await manager.get(f"/api/vendors/{w.vendor}/evaluations/{MONTH}.xlsx")
    assert r.status_code == 200, r.text
    book = openpyxl.load_workbook(io.BytesIO(r.content))
    assert book.sheetnames == ["评价汇总", "检查明细"]
    summary = {row[0]: row[1] for row in book["评价汇总"].iter_rows(values_only=True)}
    assert summary["平均得分"] == 90 and isinstance(summary["平均得分"], int | float)
    assert summary["月服务费（元）"] == 4200
    assert summary["扣款合计（元）"] == 84 and summary["应付金额（元）"] == 4116
    details = list(book["检查明细"].iter_rows(values_only=True))
    assert details[0][:5] == ("序号", "检查时间", "区域", "检查人", "得分")
    assert details[1][4] == 90 and details[1][1] == "2026-10-15 10:00"
