"""The parking documents: the remittance slip (内部缴款单, one A5 page) and the day report as a
PDF (A4) and a spreadsheet. PDFs are drawn with the building blocks every report prints with
(server/printing.py `Pages`: CJK font, text that reads back); the spreadsheet has typed numeric
cells in yuan."""

from __future__ import annotations

import io
import re
from collections.abc import Sequence
from datetime import datetime
from typing import Any

import xlsxwriter  # type: ignore[import-untyped]

from server.parking.schemas import DayReport
from server.printing import A4_MM, A5_MM, Pages
from server.sites.service import SiteClock

DPI = 200

METHOD_NAMES = {"cash": "现金", "wechat": "微信", "alipay": "支付宝", "card": "银行卡"}
KIND_NAMES = {"fee": "收费", "exemption": "免费放行", "void": "作废"}
CLASS_NAMES = {"small": "小型车", "large": "大型车"}
STATUS_NAMES = {
    "open": "当班",
    "closed": "已交班",
    "handed_over": "已交接",
    "approved": "已审核",
    "returned": "退回重点",
}


def yuan(fen: int | None) -> str:
    if fen is None:
        return "—"
    sign = "-" if fen < 0 else ""
    return f"{sign}{abs(fen) // 100:,}.{abs(fen) % 100:02d}"


def receipt_ranges(receipts: Sequence[str]) -> str:
    """Receipt numbers, consecutive ones of a device as a range: A07-000001～000040、B00-000003."""
    parsed = []
    for r in sorted(receipts):
        m = re.fullmatch(r"(.+)-(\d+)", r)
        parsed.append((m.group(1), int(m.group(2)), len(m.group(2))) if m else (r, -1, 0))
    parts: list[str] = []
    i = 0
    while i < len(parsed):
        prefix, first, width = parsed[i]
        j = i
        while (
            first >= 0
            and j + 1 < len(parsed)
            and parsed[j + 1][0] == prefix
            and parsed[j + 1][1] == parsed[j][1] + 1
        ):
            j += 1
        if first < 0:
            parts.append(prefix)
        elif j == i:
            parts.append(f"{prefix}-{first:0{width}d}")
        else:
            parts.append(f"{prefix}-{first:0{width}d}～{parsed[j][1]:0{width}d}")
        i = j + 1
    return "、".join(parts)


# ---- the remittance slip -------------------------------------------------------------------


def render_slip(
    shift: dict[str, Any],
    *,
    site_name: str,
    gate_name: str,
    cashier: str,
    next_cashier: str | None,
    takings: dict[str, int],
    clock: SiteClock,
) -> bytes:
    """The slip of a closed shift: one A5 page, 内部缴款单 with its number and bag number, the
    count by denomination, the totals and the signature lines."""
    p = Pages(A5_MM, dpi=DPI)
    p.line(site_name, 4.2, center=True)
    p.line("停车收费内部缴款单", 6.0, 1.6, center=True)
    p.row([(0, f"缴款单号：{shift['slip_no']}"), (68, f"投包袋号：{shift.get('bag_no') or ''}")])
    p.row([(0, f"出入口：{gate_name}"), (68, f"收费员：{cashier}")])
    opened = clock.printed(shift["opened_at"])
    closed = clock.printed(shift["closed_at"]) if shift.get("closed_at") else ""
    p.row([(0, f"班次：{opened} 至 {closed}")])
    p.rule()
    p.row([(0, "面额"), (40, "张/枚数"), (80, "金额（元）")], 3.6)
    counts = shift.get("count_counts") or {}
    for fen_text, n in sorted(counts.items(), key=lambda kv: -int(kv[0])):
        fen = int(fen_text)
        p.row([(0, f"{yuan(fen)} 元"), (40, str(n)), (80, yuan(fen * n))])
    p.row([(0, "实点现金合计"), (80, yuan(shift.get("counted_fen")))], 3.6)
    p.rule()
    expected = shift.get("expected_cash_fen")
    float_fen = shift.get("float_fen") or 0
    p.row([(0, "备用金"), (80, yuan(float_fen))])
    p.row([(0, "现金收费"), (80, yuan(expected - float_fen if expected is not None else None))])
    p.row([(0, "应有现金"), (80, yuan(expected))])
    p.row([(0, "实点现金"), (80, yuan(shift.get("counted_fen")))])
    variance = shift.get("variance_fen") or 0
    label = "长款" if variance > 0 else "短款" if variance < 0 else "长短款"
    p.row([(0, label), (80, yuan(abs(variance)))])
    for method in ("wechat", "alipay", "card"):
        p.row([(0, f"{METHOD_NAMES[method]}收款"), (80, yuan(takings.get(method, 0)))])
    p.row(
        [
            (0, f"临时卡：领用 {shift.get('cards_received', 0)} 张"),
            (68, f"结存 {shift.get('cards_on_hand') or 0} 张"),
        ]
    )
    if next_cashier:
        p.row([(0, f"接班收费员：{next_cashier}")])
    p.rule()
    p.y += round(6 * p.mm)
    p.row([(0, "收费员签字：________"), (68, "接班人签字：________")], 3.6, 3.0)
    p.row([(0, "主管签字：________"), (68, "日期：________")], 3.6, 3.0)
    return p.pdf()


# ---- the day report --------------------------------------------------------------------------


def render_report_pdf(report: DayReport) -> bytes:
    """The day report on numbered A4 pages, each headed with the site and the day, ending with
    the signature lines (the building blocks every report prints with: server/printing.py)."""

    def header(p: Pages) -> None:
        p.line(f"{report.site_name} 停车收费日报", 6.0, 1.6, center=True)
        p.line(f"项目：{report.site_name}    日期：{report.date}", 3.6, center=True)

    p = Pages(A4_MM, dpi=DPI, header=header, page_label="第 {n} / {of} 页")
    for gate in report.gates:
        p.rule()
        p.line(f"出入口：{gate.gate_name}（交易 {gate.transactions} 笔）", 4.4)
        p.row([(0, "支付方式"), (30, "笔数"), (50, "金额（元）"), (80, "收据号")], 3.4)
        for m in gate.methods:
            p.row([(0, METHOD_NAMES[m.method]), (30, str(m.count)), (50, yuan(m.amount_fen))])
            if m.receipts:
                p.wrapped(receipt_ranges(m.receipts), 80)
        p.row([(0, "合计"), (50, yuan(gate.total_fen))], 3.6)
        if gate.exemptions:
            p.line("免费放行", 3.8)
            for x in gate.exemptions:
                p.row(
                    [(0, x.reason_name), (30, f"{x.count} 笔"), (50, f"免收 {yuan(x.waived_fen)}")]
                )
                p.wrapped(receipt_ranges(x.receipts), 80)
        if gate.variances:
            p.line("收费差异（实收与应收不符）", 3.8)
            for v in gate.variances:
                p.row(
                    [
                        (0, v.receipt_no),
                        (30, f"应收 {yuan(v.fee_fen)}"),
                        (60, f"实收 {yuan(v.amount_fen)}"),
                        (90, v.reason),
                    ]
                )
        if gate.voids:
            p.line("作废", 3.8)
            for void in gate.voids:
                p.row(
                    [
                        (0, void.receipt_no),
                        (30, f"作废 {void.voids_receipt_no}"),
                        (70, yuan(void.amount_fen)),
                        (100, void.reason),
                    ]
                )
        p.line("班次", 3.8)
        p.row(
            [
                (0, "收费员"),
                (22, "缴款单号"),
                (62, "备用金"),
                (84, "应有现金"),
                (106, "实点"),
                (128, "长短款"),
                (150, "临时卡"),
            ],
            3.0,
        )
        for s in gate.shifts:
            p.row(
                [
                    (0, s.cashier),
                    (22, s.slip_no or STATUS_NAMES.get(s.status, s.status)),
                    (62, yuan(s.float_fen)),
                    (84, yuan(s.expected_cash_fen)),
                    (106, yuan(s.counted_fen)),
                    (128, yuan(s.variance_fen)),
                    (
                        150,
                        f"{s.cards_received}/{'—' if s.cards_on_hand is None else s.cards_on_hand}",
                    ),
                ],
                3.0,
            )
    p.rule()
    p.line("全场合计", 4.4)
    for m in report.methods:
        p.row([(0, METHOD_NAMES[m.method]), (30, f"{m.count} 笔"), (50, yuan(m.amount_fen))])
    p.row([(0, "收费合计"), (50, yuan(report.total_fen))], 3.6)
    p.row(
        [
            (0, "免费放行"),
            (30, f"{report.exemption_count} 笔"),
            (50, f"免收 {yuan(report.waived_fen)}"),
        ]
    )
    p.row(
        [
            (0, f"应有现金 {yuan(report.cash_expected_fen)}"),
            (60, f"实点现金 {yuan(report.cash_counted_fen)}"),
            (120, f"长短款 {yuan(report.cash_variance_fen)}"),
        ]
    )
    p.signatures(["制表人签字：__________", "审核人签字：__________", "日期：__________"])
    return p.pdf()


def render_report_xlsx(
    report: DayReport, entries: Sequence[dict[str, Any]], clock: SiteClock
) -> bytes:
    """The report as a workbook: 汇总 (per gate and method, with the receipts), 班次 (shifts),
    明细 (every entry). Amounts are numbers in yuan (two decimals), counts are integers."""
    out = io.BytesIO()
    book = xlsxwriter.Workbook(out, {"in_memory": True})
    bold = book.add_format({"bold": True})
    money = book.add_format({"num_format": "#,##0.00"})
    bold_money = book.add_format({"num_format": "#,##0.00", "bold": True})

    summary = book.add_worksheet("汇总")
    summary.write_row(0, 0, [f"{report.site_name} 停车收费日报", report.date], bold)
    summary.write_row(2, 0, ["出入口", "项目", "笔数", "金额（元）", "收据号"], bold)
    r = 3
    for gate in report.gates:
        for m in gate.methods:
            summary.write_row(r, 0, [gate.gate_name, METHOD_NAMES[m.method]])
            summary.write_number(r, 2, m.count)
            summary.write_number(r, 3, m.amount_fen / 100, money)
            summary.write_string(r, 4, receipt_ranges(m.receipts))
            r += 1
        summary.write_row(r, 0, [gate.gate_name, "收费合计"], bold)
        summary.write_number(r, 3, gate.total_fen / 100, bold_money)
        r += 1
        for x in gate.exemptions:
            summary.write_row(r, 0, [gate.gate_name, f"免费放行：{x.reason_name}"])
            summary.write_number(r, 2, x.count)
            summary.write_number(r, 3, x.waived_fen / 100, money)
            summary.write_string(r, 4, receipt_ranges(x.receipts))
            r += 1
        for label, fen in (
            ("应有现金", gate.cash_expected_fen),
            ("实点现金", gate.cash_counted_fen),
            ("长短款", gate.cash_variance_fen),
        ):
            summary.write_row(r, 0, [gate.gate_name, label])
            summary.write_number(r, 3, fen / 100, money)
            r += 1
    summary.write_row(r, 0, ["全场", "收费合计"], bold)
    summary.write_number(r, 3, report.total_fen / 100, bold_money)
    summary.set_column(0, 1, 16)
    summary.set_column(3, 3, 14)
    summary.set_column(4, 4, 60)

    shifts = book.add_worksheet("班次")
    headers = [
        "出入口",
        "收费员",
        "状态",
        "开班",
        "交班",
        "缴款单号",
        "投包袋号",
        "备用金",
        "现金收费",
        "应有现金",
        "实点现金",
        "长短款",
        "领用临时卡",
        "结存临时卡",
    ]
    shifts.write_row(0, 0, headers, bold)
    r = 1
    for gate in report.gates:
        for s in gate.shifts:
            shifts.write_row(
                r,
                0,
                [
                    gate.gate_name,
                    s.cashier,
                    STATUS_NAMES.get(s.status, s.status),
                    s.opened_at,
                    s.closed_at or "",
                    s.slip_no or "",
                    s.bag_no or "",
                ],
            )
            amounts: tuple[int | None, ...] = (
                s.float_fen,
                s.cash_fen,
                s.expected_cash_fen,
                s.counted_fen,
                s.variance_fen,
            )
            for c, shift_fen in enumerate(amounts, start=7):
                if shift_fen is not None:
                    shifts.write_number(r, c, shift_fen / 100, money)
            shifts.write_number(r, 12, s.cards_received)
            if s.cards_on_hand is not None:
                shifts.write_number(r, 13, s.cards_on_hand)
            r += 1
    shifts.set_column(0, 13, 13)

    detail = book.add_worksheet("明细")
    headers = [
        "收据号",
        "出入口",
        "类型",
        "车牌",
        "车型",
        "入场",
        "出场",
        "应收（元）",
        "实收（元）",
        "支付方式",
        "说明",
        "作废收据",
    ]
    detail.write_row(0, 0, headers, bold)
    receipt_of = {e["id"]: e["receipt_no"] for e in entries}
    for r, e in enumerate(entries, start=1):
        note = e["variance_reason"] or e["reason"] or e["exemption_reason"] or ""
        detail.write_row(
            r,
            0,
            [
                e["receipt_no"],
                e["gate_name"],
                KIND_NAMES.get(e["kind"], e["kind"]),
                e["plate"],
                CLASS_NAMES.get(e["vehicle_class"], e["vehicle_class"]),
                clock.printed(e["entry_at"]) if isinstance(e["entry_at"], datetime) else "",
                clock.printed(e["exit_at"]) if isinstance(e["exit_at"], datetime) else "",
            ],
        )
        detail.write_number(r, 7, e["fee_fen"] / 100, money)
        detail.write_number(r, 8, e["amount_fen"] / 100, money)
        detail.write_string(r, 9, METHOD_NAMES.get(e["method"] or "", ""))
        detail.write_string(r, 10, e.get("reason_name") or note)
        detail.write_string(r, 11, receipt_of.get(e["voids"] or "", ""))
    detail.set_column(0, 11, 14)
    book.close()
    return out.getvalue()
