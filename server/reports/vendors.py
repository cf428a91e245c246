"""The vendors' reports: each contracted vendor's monthly evaluation (vendor_evaluations), the
inspections made at the site (vendor_inspections) and the evaluated score by month and service
(vendor_scores, a chart). Evaluations count approved inspections only
(server/vendors/evaluation.py)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import date, timedelta
from typing import Any

from server.auth.service import names_of
from server.i18n import Language
from server.reports.report import (
    Chart,
    Filter,
    Filters,
    Report,
    choice,
    ledger,
    positive_id,
    say,
)
from server.reports.schemas import Column, Ledger, Total
from server.sites.service import site_clock
from server.vendors.evaluation import evaluate, month_dates
from server.vendors.schemas import SERVICE_NAMES, EvaluationRead
from server.vendors.tables import ContractSite, Inspection, Vendor, Zone

VENDOR = Filter("vendor_id", "供应商编号", "Vendor id", parse=positive_id)


def _months(since: date, until: date) -> list[str]:
    months, day = [], since.replace(day=1)
    while day <= until:
        months.append(day.strftime("%Y-%m"))
        day = (day + timedelta(days=32)).replace(day=1)
    return months


async def _evaluations(
    site_id: int, since: date, until: date, filters: Filters, language: Language
) -> AsyncIterator[tuple[str, EvaluationRead]]:
    """The evaluation of every vendor under contract at the site (the `vendor_id` filter's
    only), for each month the period touches."""
    wanted = filters.get("vendor_id")
    for month in _months(since, until):
        first, next_first = month_dates(month)
        contracts = await ContractSite.select(ContractSite.contract.vendor).where(
            (ContractSite.site == site_id)
            & (ContractSite.contract.starts_on < next_first)
            & (ContractSite.contract.ends_on >= first)
        )
        for vendor_id in sorted({c["contract.vendor"] for c in contracts}):
            if wanted is None or vendor_id == wanted:
                yield month, await evaluate(vendor_id, month, language)


async def vendors_ledger(
    site_id: int, site_name: str, since: date, until: date, filters: Filters, language: Language
) -> Ledger:
    """The evaluation (server/vendors/evaluation.py) of every vendor under contract at the site,
    for each month the period touches. An evaluation is the vendor's month over all its
    contract's sites, as the vendor is paid."""
    rows: list[dict[str, Any]] = []
    inspections = critical = deduction = payable = 0
    async for month, found in _evaluations(site_id, since, until, filters, language):
        rows.append(
            {
                "month": month,
                "vendor": found.vendor_name,
                "inspections": found.inspections,
                "score": found.score,
                "critical_failures": found.critical_failures,
                "late_rectifications": found.late_rectifications,
                "monthly_fee_fen": found.monthly_fee_fen,
                "deduction_fen": found.deduction_fen,
                "payable_fen": found.payable_fen,
                "signed": say(language, "已签认", "Signed off")
                if found.locked
                else say(language, "未签认", "Open"),
            }
        )
        inspections += found.inspections
        critical += found.critical_failures
        deduction += found.deduction_fen
        payable += found.payable_fen
    return ledger(
        site_id,
        site_name,
        since,
        until,
        [
            Column("month", "月份", "Month", width=8),
            Column("vendor", "供应商", "Vendor", width=18),
            Column("inspections", "检查次数", "Inspections", "int", width=8),
            Column("score", "平均得分", "Score", "score", width=8),
            Column("critical_failures", "严重不合格", "Critical", "int", width=8),
            Column("late_rectifications", "整改超时", "Late fixes", "int", width=8),
            Column("monthly_fee_fen", "月服务费（元）", "Monthly fee (yuan)", "fen", width=13),
            Column("deduction_fen", "扣款（元）", "Deduction (yuan)", "fen", width=12),
            Column("payable_fen", "应付（元）", "Payable (yuan)", "fen", width=13),
            Column("signed", "签认", "Signed off", width=8),
        ],
        rows,
        [
            Total("inspections", "检查次数", "Inspections", inspections),
            Total("critical_failures", "严重不合格", "Critical failures", critical),
            Total("deduction_fen", "扣款合计（元）", "Deductions (yuan)", deduction, "fen"),
            Total("payable_fen", "应付合计（元）", "Payable (yuan)", payable, "fen"),
        ],
    )


INSPECTION_STATUS = {
    "submitted": ("待审核", "Waiting for review"),
    "approved": ("已通过", "Approved"),
    "rejected": ("已退回", "Returned"),
}
MODE_NAMES = {"quick": ("快速", "Quick"), "full": ("全面", "Full")}


async def inspections_ledger(
    site_id: int, site_name: str, since: date, until: date, filters: Filters, language: Language
) -> Ledger:
    """Every inspection made at the site in the period: vendor, zone, score, critical failures
    and its rectifications (on time, late, open). The average score counts approved ones only,
    as the evaluation does."""
    clock = await site_clock(site_id)
    start, end = clock.days(since, until)
    where = (Inspection.site_id == site_id) & (Inspection.at >= start) & (Inspection.at < end)
    if filters.get("vendor_id") is not None:
        where &= Inspection.vendor_id == filters["vendor_id"]
    if filters.get("status"):
        where &= Inspection.status == filters["status"]
    found = list(
        await Inspection.select(
            Inspection.at,
            Inspection.vendor_id,
            Inspection.zone_id,
            Inspection.mode,
            Inspection.status,
            Inspection.score,
            Inspection.deducted,
            Inspection.critical_failures,
            Inspection.rect_on_time,
            Inspection.rect_late,
            Inspection.rect_open,
            Inspection.author_id,
        )
        .where(where)
        .order_by(Inspection.at)
    )
    vendors = {
        v["id"]: v
        for v in await Vendor.select(Vendor.id, Vendor.name, Vendor.service).where(
            Vendor.id.is_in(sorted({i["vendor_id"] for i in found}) or [0])
        )
    }
    zones = {
        z["id"]: z["name"]
        for z in await Zone.select(Zone.id, Zone.name).where(Zone.site == site_id)
    }
    authors = await names_of(i["author_id"] for i in found if i["author_id"])
    rows: list[dict[str, Any]] = []
    for i in found:
        vendor = vendors.get(i["vendor_id"], {})
        service = SERVICE_NAMES.get(str(vendor.get("service")), ("", ""))
        status = INSPECTION_STATUS.get(i["status"], (i["status"], i["status"]))
        mode = MODE_NAMES.get(i["mode"], (i["mode"], i["mode"]))
        rows.append(
            {
                "at": i["at"].isoformat() if i["at"] else None,
                "vendor": vendor.get("name", ""),
                "service": say(language, *service),
                "zone": zones.get(i["zone_id"], ""),
                "mode": say(language, *mode),
                "status": say(language, *status),
                "score": i["score"],
                "deducted": i["deducted"],
                "critical_failures": i["critical_failures"],
                "rect_on_time": i["rect_on_time"],
                "rect_late": i["rect_late"],
                "rect_open": i["rect_open"],
                "inspector": authors.get(i["author_id"] or 0, ""),
            }
        )
    approved = [i["score"] for i in found if i["status"] == "approved"]
    return ledger(
        site_id,
        site_name,
        since,
        until,
        [
            Column("at", "检查时间", "Inspected", "datetime", width=16),
            Column("vendor", "供应商", "Vendor", width=16),
            Column("service", "类别", "Service", width=6),
            Column("zone", "区域", "Zone", width=12),
            Column("mode", "方式", "Mode", width=5),
            Column("status", "状态", "Status", width=7),
            Column("score", "得分", "Score", "int", width=6),
            Column("deducted", "扣分", "Deducted", "int", width=6),
            Column("critical_failures", "严重不合格", "Critical", "int", width=7),
            Column("rect_on_time", "按期整改", "Fixed on time", "int", width=7),
            Column("rect_late", "逾期整改", "Fixed late", "int", width=7),
            Column("rect_open", "未整改", "Not fixed", "int", width=7),
            Column("inspector", "检查人", "Inspector", width=8),
        ],
        rows,
        [
            Total("inspections", "检查次数", "Inspections", len(found)),
            Total("approved", "已通过", "Approved", len(approved)),
            Total(
                "average_score",
                "已通过平均得分",
                "Average score (approved)",
                round(sum(approved) / len(approved), 2) if approved else 0.0,
                "score",
            ),
            Total(
                "critical_failures",
                "严重不合格",
                "Critical failures",
                sum(i["critical_failures"] for i in found),
            ),
            Total("rect_late", "逾期整改", "Fixed late", sum(i["rect_late"] for i in found)),
            Total("rect_open", "未整改", "Not fixed", sum(i["rect_open"] for i in found)),
        ],
    )


async def vendor_scores(
    site_id: int, site_name: str, since: date, until: date, filters: Filters, language: Language
) -> Ledger:
    """Each month's evaluated score by service (the average of its vendors' scores, a vendor
    without approved inspections left out): the dashboard's lines, one per service."""
    by_month: dict[str, dict[str, list[float]]] = {m: {} for m in _months(since, until)}
    every: list[float] = []
    async for month, found in _evaluations(site_id, since, until, filters, language):
        if found.score is not None:
            by_month[month].setdefault(found.service, []).append(found.score)
            every.append(found.score)
    rows: list[dict[str, Any]] = [
        {
            "month": month,
            **{
                service: round(sum(s) / len(s), 2) if (s := scores.get(service)) else None
                for service in SERVICE_NAMES
            },
        }
        for month, scores in by_month.items()
    ]
    columns = [
        Column("month", "月份", "Month", width=8),
        *(
            Column(s, f"{zh}得分", f"{en} score", "score", 10)
            for s, (zh, en) in SERVICE_NAMES.items()
        ),
    ]
    totals = [
        Total("evaluations", "考评数", "Evaluations", len(every)),
        Total(
            "average_score",
            "平均得分",
            "Average score",
            round(sum(every) / len(every), 2) if every else 0.0,
            "score",
        ),
    ]
    return ledger(site_id, site_name, since, until, columns, rows, totals)


VENDOR_EVALUATIONS = Report(
    "vendor_evaluations",
    "供应商月度考评",
    "Vendor evaluations by month",
    vendors_ledger,
    (VENDOR,),
    approved_only=True,
)
VENDOR_INSPECTIONS = Report(
    "vendor_inspections",
    "外委检查台账",
    "Vendor inspections",
    inspections_ledger,
    (VENDOR, choice("status", "状态", "Status", INSPECTION_STATUS)),
)
VENDOR_SCORES = Report(
    "vendor_scores",
    "外委单位月度得分",
    "Vendor scores by month",
    vendor_scores,
    (VENDOR,),
    Chart("line", "month", tuple(SERVICE_NAMES)),
    approved_only=True,
)
