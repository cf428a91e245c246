"""The documents of a shift: the A5 remittance slip (rendered, and read back as text), and the
day report as JSON reconciling to the fen with the transactions, XLSX and PDF."""

from __future__ import annotations

import io
import subprocess
import uuid
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from PIL import Image

from tests.conftest import ApiClient
from tests.server.parking.shift_kit import (
    FLOAT,
    close_args,
    fee_args,
    open_args,
    parking_site,
    signed_in,
)
from tests.server.parking.test_controller import add_gate
from tests.server.sync_device import Device

DAY = "2026-12-06"


def rendered_size(pdf: bytes, folder: Path) -> tuple[int, int]:
    """The first page rendered by poppler (pdftoppm): its size in pixels."""
    path = folder / "doc.pdf"
    path.write_bytes(pdf)
    subprocess.run(
        ["pdftoppm", "-r", "50", "-png", "-f", "1", "-l", "1", str(path), str(folder / "page")],
        check=True,
    )
    (page,) = folder.glob("page*.png")
    with Image.open(page) as image:
        return image.size


def pdf_text(pdf: bytes, folder: Path) -> str:
    """The PDF's text as poppler reads it (pdftotext)."""
    path = folder / "text.pdf"
    path.write_bytes(pdf)
    return subprocess.run(
        ["pdftotext", "-layout", str(path), "-"], check=True, capture_output=True, text=True
    ).stdout


@pytest.fixture
async def world(client: ApiClient, another_client: ApiClient) -> dict[str, Any]:
    park = await parking_site()
    chen = await signed_in(client, "chen", ["cashier"], park["site"])
    boss = await signed_in(another_client, "boss", ["supervisor"], park["site"])
    return {**park, "chen": chen, "boss": boss}


async def a_day(chen: Device, park: dict[str, Any], close: bool = True) -> dict[str, Any]:
    """A shift with cash, WeChat, a short payment, an exemption and a voided fee."""
    shift = open_args(park)
    sid = shift["id"]
    entries = [
        fee_args(sid, "A07-000001"),
        fee_args(sid, "A07-000002", method="wechat"),
        fee_args(sid, "A07-000003", amount_fen=500, variance_reason="车主只有 5 元"),
        fee_args(
            sid, "A07-000004", kind="exemption", amount_fen=0, method=None, exemption_reason="fire"
        ),
        fee_args(sid, "A07-000005", vehicle_class="large", fee_fen=1400, amount_fen=1400),
    ]
    void = {
        "id": str(uuid.uuid4()),
        "shift_id": sid,
        "receipt_no": "A07-000006",
        "voids": entries[0]["id"],
        "reason": "重复收费",
    }
    mutations = [
        chen.mutation("parking_shifts.open", shift),
        *(chen.mutation("parking_transactions.record", e) for e in entries),
        chen.mutation("parking_transactions.void", void),
    ]
    if close:
        # Float 260 + cash 5 + 14 = 279 yuan expected; 280 counted.
        mutations.append(
            chen.mutation("parking_shifts.close", close_args(sid, {**FLOAT, "1000": 7}))
        )
    r = await chen.push(*mutations)
    assert {x["status"] for x in r.json()["results"]} == {"applied"}, r.text
    return {"shift": sid, "entries": entries, "void": void}


async def test_the_slip_prints_on_a5_and_reads_back(world: dict[str, Any], tmp_path: Path) -> None:
    day = await a_day(world["chen"], world)
    r = await world["chen"].client.get(f"/api/parking/shifts/{day['shift']}/slip.pdf")
    assert r.status_code == 200, r.text
    assert r.headers["content-type"] == "application/pdf"
    width, height = rendered_size(r.content, tmp_path)
    assert abs(width / height - 148 / 210) < 0.01  # A5 portrait
    text = pdf_text(r.content, tmp_path)
    assert "内部缴款单" in text
    assert "CUIHU20261206-001" in text
    assert "TB-0042" in text
    assert "长款" in text and "1.00" in text
    assert "收费员签字" in text
    # The supervisor prints it too.
    boss = await world["boss"].client.get(f"/api/parking/shifts/{day['shift']}/slip.pdf")
    assert boss.status_code == 200


async def test_no_slip_before_the_count_and_none_for_strangers(
    world: dict[str, Any], third_client: ApiClient
) -> None:
    day = await a_day(world["chen"], world, close=False)
    r = await world["chen"].client.get(f"/api/parking/shifts/{day['shift']}/slip.pdf")
    assert (r.status_code, r.json()["error"]["code"]) == (409, "slip_not_ready")
    other = await parking_site("jinjiang")
    stranger = await signed_in(third_client, "wang", ["supervisor"], other["site"])
    r = await stranger.client.get(f"/api/parking/shifts/{day['shift']}/slip.pdf")
    assert r.status_code == 404
    assert (await stranger.client.get("/api/parking/shifts/nope/slip.pdf")).status_code == 404


async def report(world: dict[str, Any], fmt: str = "json", **params: Any) -> Any:
    query = {"site_id": world["site"], "date": DAY, "format": fmt, **params}
    return await world["boss"].client.get("/api/parking/reports/day", params=query)


async def test_the_day_report_reconciles_to_the_fen_with_the_transactions(
    world: dict[str, Any],
) -> None:
    day = await a_day(world["chen"], world)
    r = await report(world)
    assert r.status_code == 200, r.text
    body = r.json()
    (gate,) = body["gates"]
    lines = {m["method"]: m for m in gate["methods"]}
    # What the ledger says: fees not voided, by method.
    voided = {day["void"]["voids"]}
    fees = [e for e in day["entries"] if e["kind"] == "fee" and e["id"] not in voided]
    for method in ("cash", "wechat", "alipay", "card"):
        mine = [e for e in fees if e["method"] == method]
        assert lines[method]["amount_fen"] == sum(e["amount_fen"] for e in mine)
        assert lines[method]["count"] == len(mine)
        assert sorted(lines[method]["receipts"]) == sorted(e["receipt_no"] for e in mine)
    assert gate["total_fen"] == sum(m["amount_fen"] for m in gate["methods"]) == 500 + 700 + 1400
    assert body["total_fen"] == sum(g["total_fen"] for g in body["gates"])
    assert [(x["reason_name"], x["receipts"], x["waived_fen"]) for x in gate["exemptions"]] == [
        ("消防", ["A07-000004"], 700)
    ]
    assert [(v["receipt_no"], v["difference_fen"]) for v in gate["variances"]] == [
        ("A07-000003", -200)
    ]
    assert [(v["receipt_no"], v["voids_receipt_no"]) for v in gate["voids"]] == [
        ("A07-000006", "A07-000001")
    ]
    (shift,) = gate["shifts"]
    assert shift["float_fen"] + shift["cash_fen"] == shift["expected_cash_fen"] == 27_900
    assert (shift["counted_fen"], shift["variance_fen"]) == (28_000, 100)
    assert (body["cash_expected_fen"], body["cash_variance_fen"]) == (27_900, 100)
    # Another day has none of it.
    other = (await report(world, date="2026-12-07")).json()
    assert (other["gates"], other["total_fen"]) == ([], 0)


async def test_the_day_report_as_xlsx_has_numbers_and_chinese_headers(
    world: dict[str, Any],
) -> None:
    await a_day(world["chen"], world)
    r = await report(world, "xlsx")
    assert r.status_code == 200, r.text
    book = openpyxl.load_workbook(io.BytesIO(r.content))
    assert book.sheetnames == ["汇总", "班次", "明细"]
    summary = [list(row) for row in book["汇总"].iter_rows(values_only=True)]
    assert summary[2][:4] == ["出入口", "项目", "笔数", "金额（元）"]
    total = next(row for row in summary if row[:2] == ["东门", "收费合计"])
    assert isinstance(total[3], (int, float)) and round(total[3] * 100) == 2600
    cash = next(row for row in summary if row[:2] == ["东门", "现金"])
    assert cash[2] == 2 and round(cash[3] * 100) == 1900
    detail = list(book["明细"].iter_rows(values_only=True))
    assert detail[0][0] == "收据号"
    assert len(detail) == 1 + 6
    assert all(isinstance(row[8], (int, float)) for row in detail[1:])
    assert sum(round(row[8] * 100) for row in detail[1:] if row[2] == "收费") == 700 + 2600


async def test_the_day_report_as_pdf_reads_back(world: dict[str, Any], tmp_path: Path) -> None:
    await a_day(world["chen"], world)
    r = await report(world, "pdf")
    assert r.status_code == 200
    text = pdf_text(r.content, tmp_path)
    assert "停车收费日报" in text and DAY in text
    assert "CUIHU20261206-001" in text
    assert "26.00" in text


async def test_only_supervisors_read_the_report_and_bad_queries_are_refused(
    world: dict[str, Any],
) -> None:
    r = await world["chen"].client.get(
        "/api/parking/reports/day", params={"site_id": world["site"], "date": DAY}
    )
    assert r.status_code == 403
    for params in ({"date": "06/12/2026"}, {"format": "doc"}, {"site_id": "x"}):
        bad = await report(world, **params)
        assert (bad.status_code, bad.json()["error"]["code"]) == (400, "invalid_args"), params
    assert (await report(world, site_id=999_999)).status_code == 404


async def test_the_day_reports_lines_leave_voided_entries_out_in_receipt_order_per_gate(
    world: dict[str, Any],
) -> None:
    """The lines come from the database grouped: receipts in order whatever order they were
    pushed in, a voided fee out of its method line and of the variances, a voided exemption out
    of its line, every entry (voids too) counted as a transaction of its gate."""
    chen = world["chen"]
    west = await add_gate(world["site"], "西门", "west")
    east_shift, west_shift = open_args(world), open_args({**world, "gate": west})
    e, w = east_shift["id"], west_shift["id"]
    short = fee_args(e, "A07-000002", amount_fen=600, variance_reason="少收 1 元")
    police = fee_args(
        e, "A07-000004", kind="exemption", amount_fen=0, method=None, exemption_reason="police"
    )
    east = [
        fee_args(e, "A07-000005"),
        fee_args(e, "A07-000001"),
        short,
        police,
        fee_args(
            e,
            "A07-000003",
            method="alipay",
            vehicle_class="large",
            fee_fen=1400,
            amount_fen=1300,
            variance_reason="优惠",
        ),
        fee_args(
            e, "A07-000006", kind="exemption", amount_fen=0, method=None, exemption_reason="police"
        ),
    ]
    west_entries = [
        fee_args(w, "A07-000008", method="wechat"),
        fee_args(w, "A07-000007", method="wechat", amount_fen=900, variance_reason="多收"),
    ]

    def void(shift: str, receipt: str, entry: dict[str, Any]) -> dict[str, Any]:
        return {
            "id": str(uuid.uuid4()),
            "shift_id": shift,
            "receipt_no": receipt,
            "voids": entry["id"],
            "reason": "录错",
        }

    r = await chen.push(
        chen.mutation("parking_shifts.open", east_shift),
        *(chen.mutation("parking_transactions.record", x) for x in east),
        chen.mutation("parking_transactions.void", void(e, "A07-000009", short)),
        chen.mutation("parking_transactions.void", void(e, "A07-000010", police)),
        chen.mutation("parking_shifts.close", close_args(e, {**FLOAT, "1000": 6, "100": 14})),
        chen.mutation("parking_shifts.open", west_shift),
        *(chen.mutation("parking_transactions.record", x) for x in west_entries),
    )
    assert {x["status"] for x in r.json()["results"]} == {"applied"}, r.text
    body = (await report(world)).json()
    by_gate = {g["gate_name"]: g for g in body["gates"]}
    assert list(by_gate) == ["东门", "西门"]
    east_gate, west_gate = by_gate["东门"], by_gate["西门"]
    assert [
        (m["method"], m["count"], m["amount_fen"], m["receipts"]) for m in east_gate["methods"]
    ] == [
        ("cash", 2, 1400, ["A07-000001", "A07-000005"]),
        ("wechat", 0, 0, []),
        ("alipay", 1, 1300, ["A07-000003"]),
        ("card", 0, 0, []),
    ]
    assert [
        (x["reason"], x["count"], x["waived_fen"], x["receipts"]) for x in east_gate["exemptions"]
    ] == [("police", 1, 700, ["A07-000006"])]
    assert [(v["receipt_no"], v["difference_fen"]) for v in east_gate["variances"]] == [
        ("A07-000003", -100)
    ]
    assert [(v["receipt_no"], v["voids_receipt_no"], v["kind"]) for v in east_gate["voids"]] == [
        ("A07-000009", "A07-000002", "fee"),
        ("A07-000010", "A07-000004", "exemption"),
    ]
    assert east_gate["transactions"] == 8
    assert [s["cash_fen"] for s in east_gate["shifts"]] == [1400]
    assert west_gate["transactions"] == 2
    assert west_gate["methods"][1]["receipts"] == ["A07-000007", "A07-000008"]
    assert [(v["receipt_no"], v["difference_fen"]) for v in west_gate["variances"]] == [
        ("A07-000007", 200)
    ]
    assert [s["cash_fen"] for s in west_gate["shifts"]] == [0]
    assert [m["receipts"] for m in body["methods"]] == [
        ["A07-000001", "A07-000005"],
        ["A07-000007", "A07-000008"],
        ["A07-000003"],
        [],
    ]
    assert (body["total_fen"], body["exemption_count"], body["waived_fen"]) == (4300, 1, 700)
