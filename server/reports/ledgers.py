"""Each report's rows and totals, from the typed tables the domains project and their services
(never another domain's handlers or controller). Texts in a row are in the caller's language;
totals count every record even when the rows are capped."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

from server.audit.tables import AuditEntry
from server.auth.service import names_of
from server.findings.tables import Finding
from server.i18n import Language
from server.keys.tables import KeyEvent
from server.parking.report import day_report
from server.reports.schemas import Column, Ledger, Total
from server.sites.service import site_clock, site_settings
from server.syncing.records import records_by_id, records_of_site
from server.vendors.evaluation import evaluate, month_dates
from server.vendors.tables import ContractSite

# No export runs unbounded: past this many rows a ledger lists the first and says so.
MAX_ROWS = 5000
REPORT_ROLES = ("supervisor", "manager", "admin")

Filters = dict[str, Any]
Build = Callable[[int, str, date, date, Filters, Language], Awaitable[Ledger]]


@dataclass(frozen=True)
class Report:
    name: str
    zh: str
    en: str
    build: Build
    # filter name -> its parser (raises ValueError on a bad value)
    filters: dict[str, Callable[[str], Any]]
    roles: tuple[str, ...] = REPORT_ROLES
    formats: tuple[str, ...] = ("json", "xlsx", "csv", "pdf")


def _say(language: Language, zh: str, en: str) -> str:
    return en if language == "en" else zh


def _capped(rows: list[dict[str, Any]]) -> tuple[list[dict[str, Any]], bool]:
    return rows[:MAX_ROWS], len(rows) > MAX_ROWS


# ---- keys: who holds what since when, overdue, lost -----------------------------------------

KEY_STATUS = {
    "in": ("在库", "In"),
    "out": ("借出", "Out"),
    "lost": ("遗失", "Lost"),
    "returned": ("已退还业主", "Returned to owner"),
}
KEY_STATUSES = frozenset({"out", "lost", "overdue"})


def _key_status(value: str) -> str:
    if value not in KEY_STATUSES:
        raise ValueError(value)
    return value


async def keys_ledger(
    site_id: int, site_name: str, since: date, until: date, filters: Filters, language: Language
) -> Ledger:
    """Every key out or lost now, and every key that moved in the period: its holder and since
    when, whether it is past the site's limit, and its checkouts in the period."""
    clock = await site_clock(site_id)
    start, end = clock.days(since, until)
    cutoff = datetime.now(UTC) - timedelta(hours=(await site_settings(site_id)).key_overdue_hours)
    events = await KeyEvent.select(KeyEvent.key_id, KeyEvent.kind, KeyEvent.at).where(
        (KeyEvent.site_id == site_id) & (KeyEvent.at >= start) & (KeyEvent.at < end)
    )
    checkouts: dict[str, int] = {}
    lost_at: dict[str, datetime] = {}
    for e in events:
        if e["kind"] == "checkout":
            checkouts[e["key_id"]] = checkouts.get(e["key_id"], 0) + 1
    for e in await KeyEvent.select(KeyEvent.key_id, KeyEvent.at).where(
        (KeyEvent.site_id == site_id) & (KeyEvent.kind == "lost")
    ):
        lost_at[e["key_id"]] = max(e["at"], lost_at.get(e["key_id"], e["at"]))
    moved = {e["key_id"] for e in events}
    keys = [
        k
        for k in await records_of_site("keys", site_id)
        if k.get("status") in ("out", "lost") or k["id"] in moved
    ]
    holder = filters.get("holder_id")
    if holder is not None:
        keys = [k for k in keys if k.get("holder_id") == holder]
    names = await names_of(k["holder_id"] for k in keys if k.get("holder_id"))

    def overdue(k: dict[str, Any]) -> bool:
        since_text = k.get("out_since")
        out = k.get("status") == "out" and bool(since_text)
        return out and datetime.fromisoformat(str(since_text)) < cutoff

    wanted = filters.get("status")
    if wanted == "overdue":
        keys = [k for k in keys if overdue(k)]
    elif wanted:
        keys = [k for k in keys if k.get("status") == wanted]
    keys.sort(key=lambda k: (k.get("out_since") or "", k.get("code") or ""))
    yes, no = _say(language, "是", "Yes"), _say(language, "否", "No")
    rows = []
    for k in keys:
        status = str(k.get("status") or "in")
        zh, en = KEY_STATUS.get(status, (status, status))
        since_at = k.get("out_since")
        if status == "lost" and k["id"] in lost_at:
            since_at = lost_at[k["id"]].isoformat()
        rows.append(
            {
                "code": k.get("code") or "",
                "label": k.get("label") or "",
                "status": _say(language, zh, en),
                "holder": names.get(k.get("holder_id") or 0, ""),
                "since": since_at,
                "expected_return": k.get("expected_return"),
                "overdue": yes if overdue(k) else no,
                "checkouts": checkouts.get(k["id"], 0),
            }
        )
    listed, truncated = _capped(rows)
    return Ledger(
        name="keys",
        title_zh=KEYS.zh,
        title_en=KEYS.en,
        site_id=site_id,
        site_name=site_name,
        date_from=since.isoformat(),
        date_to=until.isoformat(),
        columns=[
            Column("code", "钥匙编号", "Key", width=12),
            Column("label", "房号/标签", "Unit / label", width=18),
            Column("status", "状态", "Status", width=8),
            Column("holder", "持有人", "Holder", width=10),
            Column("since", "借出/遗失时间", "Since", "datetime", width=17),
            Column("expected_return", "预计归还", "Expected back", "datetime", width=17),
            Column("overdue", "超期", "Overdue", width=6),
            Column("checkouts", "期间借出次数", "Checkouts in period", "int", width=10),
        ],
        rows=listed,
        totals=[
            Total("keys", "钥匙数", "Keys", len(keys)),
            Total("out", "借出未还", "Out", sum(k.get("status") == "out" for k in keys)),
            Total("overdue", "超期未还", "Overdue", sum(overdue(k) for k in keys)),
            Total("lost", "遗失", "Lost", sum(k.get("status") == "lost" for k in keys)),
            Total(
                "checkouts",
                "期间借出次数",
                "Checkouts in period",
                sum(checkouts.get(k["id"], 0) for k in keys),
            ),
        ],
        truncated=truncated,
        row_limit=MAX_ROWS,
    )


# ---- parking: takings by day, gate and payment method ----------------------------------------

METHOD_NAMES = {
    "cash": ("现金", "Cash"),
    "wechat": ("微信", "WeChat Pay"),
    "alipay": ("支付宝", "Alipay"),
    "card": ("银行卡", "Bank card"),
}


def _positive_id(value: str) -> int:
    gate = int(value)
    if not 1 <= gate < 2**31:
        raise ValueError(value)
    return gate


async def parking_ledger(
    site_id: int, site_name: str, since: date, until: date, filters: Filters, language: Language
) -> Ledger:
    """The parking day report (server/parking/report.py) of each day in the period: a row per
    day, gate and payment method, with the day's exemptions and cash variance in the totals."""
    gate_wanted = filters.get("gate_id")
    rows: list[dict[str, Any]] = []
    count = total = exemptions = variance = 0
    day = since
    while day <= until:
        report = await day_report(site_id, day)
        for gate in report.gates:
            if gate_wanted is not None and gate.gate_id != gate_wanted:
                continue
            for line in gate.methods:
                if not line.count:  # the day report lists every method; the ledger what was paid
                    continue
                zh, en = METHOD_NAMES.get(line.method, (line.method, line.method))
                rows.append(
                    {
                        "date": day.isoformat(),
                        "gate": gate.gate_name,
                        "method": _say(language, zh, en),
                        "count": line.count,
                        "amount_fen": line.amount_fen,
                    }
                )
                count += line.count
                total += line.amount_fen
            exemptions += sum(x.count for x in gate.exemptions)
            variance += gate.cash_variance_fen
        day += timedelta(days=1)
    listed, truncated = _capped(rows)
    return Ledger(
        name="parking_day",
        title_zh=PARKING_DAY.zh,
        title_en=PARKING_DAY.en,
        site_id=site_id,
        site_name=site_name,
        date_from=since.isoformat(),
        date_to=until.isoformat(),
        columns=[
            Column("date", "日期", "Date", "date", width=12),
            Column("gate", "出入口", "Gate", width=14),
            Column("method", "支付方式", "Payment method", width=12),
            Column("count", "笔数", "Payments", "int", width=8),
            Column("amount_fen", "金额（元）", "Amount (yuan)", "fen", width=14),
        ],
        rows=listed,
        totals=[
            Total("count", "收费笔数", "Payments", count),
            Total("amount_fen", "收费金额（元）", "Takings (yuan)", total, "fen"),
            Total("exemptions", "免费放行", "Exemptions", exemptions),
            Total("cash_variance_fen", "现金长短款（元）", "Cash variance (yuan)", variance, "fen"),
        ],
        truncated=truncated,
        row_limit=MAX_ROWS,
    )


# ---- vendors: each contracted vendor's monthly evaluation ----------------------------------


def _months(since: date, until: date) -> list[str]:
    months, day = [], since.replace(day=1)
    while day <= until:
        months.append(day.strftime("%Y-%m"))
        day = (day + timedelta(days=32)).replace(day=1)
    return months


async def vendors_ledger(
    site_id: int, site_name: str, since: date, until: date, filters: Filters, language: Language
) -> Ledger:
    """The evaluation (server/vendors/evaluation.py) of every vendor under contract at the site,
    for each month the period touches. An evaluation is the vendor's month over all its
    contract's sites, as the vendor is paid."""
    rows: list[dict[str, Any]] = []
    inspections = critical = deduction = payable = 0
    vendor_wanted = filters.get("vendor_id")
    for month in _months(since, until):
        first, next_first = month_dates(month)
        contracts = await ContractSite.select(ContractSite.contract.vendor).where(
            (ContractSite.site == site_id)
            & (ContractSite.contract.starts_on < next_first)
            & (ContractSite.contract.ends_on >= first)
        )
        vendor_ids = sorted({c["contract.vendor"] for c in contracts})
        for vendor_id in vendor_ids:
            if vendor_wanted is not None and vendor_id != vendor_wanted:
                continue
            found = await evaluate(vendor_id, month, language)
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
                    "signed": _say(language, "已签认", "Signed off")
                    if found.locked
                    else _say(language, "未签认", "Open"),
                }
            )
            inspections += found.inspections
            critical += found.critical_failures
            deduction += found.deduction_fen
            payable += found.payable_fen
    listed, truncated = _capped(rows)
    return Ledger(
        name="vendor_evaluations",
        title_zh=VENDOR_EVALUATIONS.zh,
        title_en=VENDOR_EVALUATIONS.en,
        site_id=site_id,
        site_name=site_name,
        date_from=since.isoformat(),
        date_to=until.isoformat(),
        columns=[
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
        rows=listed,
        totals=[
            Total("inspections", "检查次数", "Inspections", inspections),
            Total("critical_failures", "严重不合格", "Critical failures", critical),
            Total("deduction_fen", "扣款合计（元）", "Deductions (yuan)", deduction, "fen"),
            Total("payable_fen", "应付合计（元）", "Payable (yuan)", payable, "fen"),
        ],
        truncated=truncated,
        row_limit=MAX_ROWS,
    )


# ---- findings: the seeds' service standards -------------------------------------------------

DISPATCH_LIMIT = timedelta(minutes=5)  # 派单: within 5 minutes of the report
FOLLOW_UP_LIMIT = timedelta(hours=24)  # 回访 (our verification visit): within 24 h of the fix
FINDING_STATUS = {
    "open": ("待派单", "Open"),
    "assigned": ("整改中", "Assigned"),
    "fixed": ("待验收", "Fixed"),
    "verified": ("已验收", "Verified"),
    "closed": ("已关闭", "Closed"),
}


def _finding_status(value: str) -> str:
    if value not in FINDING_STATUS:
        raise ValueError(value)
    return value


def _share(part: int, whole: int) -> float:
    """Per cent, two places; 0 of 0 is shown as 0."""
    return round(part * 100 / whole, 2) if whole else 0.0


async def findings_ledger(
    site_id: int, site_name: str, since: date, until: date, filters: Filters, language: Language
) -> Ledger:
    """The findings reported in the period with the seeds' standards: dispatched (the first
    applied `findings.assign`, from the audit log) within 5 minutes of the report, and followed
    up (verified) within 24 hours of the fix; the share that met each. The state machine has no
    separate "accepted" step, so acceptance is not measured."""
    clock = await site_clock(site_id)
    start, end = clock.days(since, until)
    query = Finding.select(
        Finding.id, Finding.category, Finding.status, Finding.location, Finding.created_at
    ).where(
        (Finding.site_id == site_id) & (Finding.created_at >= start) & (Finding.created_at < end)
    )
    if filters.get("status"):
        query = query.where(Finding.status == filters["status"])
    found = list(await query.order_by(Finding.created_at))
    targets = [f"findings/{f['id']}" for f in found]
    dispatched: dict[str, int] = {}
    if targets:
        for a in await AuditEntry.select(AuditEntry.target, AuditEntry.at_ms).where(
            AuditEntry.target.is_in(targets)
            & (AuditEntry.action == "findings.assign")
            & (AuditEntry.outcome == "applied")
        ):
            key = str(a["target"]).split("/", 1)[1]
            dispatched[key] = min(int(a["at_ms"]), dispatched.get(key, int(a["at_ms"])))
    records = {r["id"]: r for r in await records_by_id("findings", [f["id"] for f in found])}
    yes, no = _say(language, "是", "Yes"), _say(language, "否", "No")
    rows: list[dict[str, Any]] = []
    n_dispatched = dispatch_ok = n_fixed = follow_ok = 0
    for f in found:
        record = records.get(f["id"], {})
        created: datetime = f["created_at"]
        sent = dispatched.get(f["id"])
        sent_at = datetime.fromtimestamp(sent / 1000, UTC) if sent is not None else None
        on_time = sent_at is not None and sent_at - created <= DISPATCH_LIMIT
        fixed_at = record.get("fixed_at")
        verified_at = record.get("verified_at")
        followed = bool(fixed_at and verified_at) and (
            datetime.fromisoformat(str(verified_at)) - datetime.fromisoformat(str(fixed_at))
            <= FOLLOW_UP_LIMIT
        )
        n_dispatched += sent_at is not None
        dispatch_ok += on_time
        n_fixed += bool(fixed_at)
        follow_ok += followed
        zh, en = FINDING_STATUS.get(str(f["status"]), (f["status"], f["status"]))
        rows.append(
            {
                "created_at": created.isoformat(),
                "location": f["location"],
                "category": f["category"],
                "status": _say(language, zh, en),
                "dispatched_at": sent_at.isoformat() if sent_at else None,
                "dispatch_minutes": int((sent_at - created).total_seconds() // 60)
                if sent_at
                else None,
                "dispatch_on_time": yes if on_time else no,
                "fixed_at": fixed_at,
                "verified_at": verified_at,
                "follow_up_on_time": (yes if followed else no) if fixed_at else "",
            }
        )
    listed, truncated = _capped(rows)
    return Ledger(
        name="findings",
        title_zh=FINDINGS.zh,
        title_en=FINDINGS.en,
        site_id=site_id,
        site_name=site_name,
        date_from=since.isoformat(),
        date_to=until.isoformat(),
        columns=[
            Column("created_at", "上报时间", "Reported", "datetime", width=16),
            Column("location", "位置", "Location", width=16),
            Column("category", "类别", "Category", width=10),
            Column("status", "状态", "Status", width=8),
            Column("dispatched_at", "派单时间", "Dispatched", "datetime", width=16),
            Column("dispatch_minutes", "派单用时（分）", "Minutes to dispatch", "int", width=9),
            Column("dispatch_on_time", "5分钟内派单", "Dispatched in 5 min", width=9),
            Column("fixed_at", "整改完成", "Fixed", "datetime", width=16),
            Column("verified_at", "验收回访", "Followed up", "datetime", width=16),
            Column("follow_up_on_time", "24小时内回访", "Followed up in 24 h", width=9),
        ],
        rows=listed,
        totals=[
            Total("findings", "问题数", "Findings", len(found)),
            Total("dispatched", "已派单", "Dispatched", n_dispatched),
            Total("dispatch_on_time", "5分钟内派单", "Dispatched in 5 min", dispatch_ok),
            Total(
                "dispatch_share",
                "5分钟内派单率（%）",
                "Dispatched in 5 min (%)",
                _share(dispatch_ok, len(found)),
                "score",
            ),
            Total("fixed", "已整改", "Fixed", n_fixed),
            Total("follow_up_on_time", "24小时内回访", "Followed up in 24 h", follow_ok),
            Total(
                "follow_up_share",
                "24小时内回访率（%）",
                "Followed up in 24 h (%)",
                _share(follow_ok, n_fixed),
                "score",
            ),
        ],
        truncated=truncated,
        row_limit=MAX_ROWS,
    )


KEYS = Report(
    "keys",
    "钥匙台账",
    "Key custody ledger",
    keys_ledger,
    {"status": _key_status, "holder_id": _positive_id},
)
PARKING_DAY = Report(
    "parking_day",
    "停车收费日报",
    "Parking takings by day",
    parking_ledger,
    {"gate_id": _positive_id},
)
FINDINGS = Report(
    "findings",
    "问题整改台账",
    "Findings and service standards",
    findings_ledger,
    {"status": _finding_status},
)
VENDOR_EVALUATIONS = Report(
    "vendor_evaluations",
    "供应商月度考评",
    "Vendor evaluations by month",
    vendors_ledger,
    {"vendor_id": _positive_id},
)
REPORTS: dict[str, Report] = {r.name: r for r in (KEYS, FINDINGS, PARKING_DAY, VENDOR_EVALUATIONS)}
