"""Each report's rows and totals, from the typed tables the domains project and their services
(never another domain's handlers or controller). Texts in a row are in the caller's language;
totals count every record even when the rows are capped."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

from server.audit.tables import AuditEntry
from server.auth.service import names_of
from server.findings.tables import Finding
from server.i18n import Language
from server.keys.tables import KeyEvent
from server.reports.report import (
    Chart,
    Filter,
    Filters,
    Report,
    choice,
    ledger,
    share,
)
from server.reports.report import say as _say
from server.reports.schemas import Column, Ledger, Total
from server.sites.service import site_clock, site_settings
from server.syncing.records import records_by_id, records_of_site

# ---- keys: who holds what since when, overdue, lost -----------------------------------------

KEY_STATUS = {
    "in": ("在库", "In"),
    "out": ("借出", "Out"),
    "lost": ("遗失", "Lost"),
    "returned": ("已退还业主", "Returned to owner"),
}
KEY_FILTER_STATUS = {
    "out": KEY_STATUS["out"],
    "lost": KEY_STATUS["lost"],
    "overdue": ("超期未还", "Overdue"),
}


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
    return ledger(
        site_id,
        site_name,
        since,
        until,
        [
            Column("code", "钥匙编号", "Key", width=12),
            Column("label", "房号/标签", "Unit / label", width=18),
            Column("status", "状态", "Status", width=8),
            Column("holder", "持有人", "Holder", width=10),
            Column("since", "借出/遗失时间", "Since", "datetime", width=17),
            Column("expected_return", "预计归还", "Expected back", "datetime", width=17),
            Column("overdue", "超期", "Overdue", width=6),
            Column("checkouts", "期间借出次数", "Checkouts in period", "int", width=10),
        ],
        rows,
        [
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
    )


# ---- findings: the seeds' service standards -------------------------------------------------

DISPATCH_LIMIT = timedelta(minutes=5)  # 派单: within 5 minutes of the report
ACCEPT_LIMIT = timedelta(minutes=5)  # 接单: within 5 minutes of the 派单
FOLLOW_UP_LIMIT = timedelta(hours=24)  # 回访 (our verification visit): within 24 h of the fix
FINDING_STATUS = {
    "open": ("待派单", "Open"),
    "assigned": ("整改中", "Assigned"),
    "fixed": ("待验收", "Fixed"),
    "verified": ("已验收", "Verified"),
    "closed": ("已关闭", "Closed"),
}
FINDING_CATEGORY = {  # the PWA's words (pwa/src/findings/texts.ts)
    "patrol": ("巡查", "Patrol"),
    "cleaning": ("清洁", "Cleaning"),
    "greening": ("绿化", "Greening"),
    "pest": ("消杀", "Pest control"),
    "parking": ("停车", "Parking"),
    "other": ("其他", "Other"),
}


async def findings_ledger(
    site_id: int, site_name: str, since: date, until: date, filters: Filters, language: Language
) -> Ledger:
    """The findings reported in the period with the seeds' standards: dispatched (the first
    applied `findings.assign`, from the audit log) within 5 minutes of the report, accepted by
    the assignee (`findings.accept`, the record's `accepted_at`) within 5 minutes of the
    assignment it answered, and followed up (verified) within 24 hours of the fix; the share
    that met each (acceptance: of the dispatched ones)."""
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
    assigned: dict[str, list[int]] = {}  # every assignment, for the acceptance's
    if targets:
        for a in await AuditEntry.select(
            AuditEntry.target, AuditEntry.at_ms, AuditEntry.device_time
        ).where(
            AuditEntry.target.is_in(targets)
            & (AuditEntry.action == "findings.assign")
            & (AuditEntry.outcome == "applied")
        ):
            # When the supervisor dispatched it: the phone's clock (its stamp's wall time: an
            # assignment made offline counts from when it was made), never after the server's.
            at = int(a["at_ms"])
            stamp = str(a["device_time"] or "")[:15]
            if stamp.isdigit():
                at = min(at, int(stamp))
            assigned.setdefault(str(a["target"]).split("/", 1)[1], []).append(at)
    dispatched = {key: min(times) for key, times in assigned.items()}
    records = {r["id"]: r for r in await records_by_id("findings", [f["id"] for f in found])}
    yes, no = _say(language, "是", "Yes"), _say(language, "否", "No")
    rows: list[dict[str, Any]] = []
    n_dispatched = dispatch_ok = n_accepted = accept_ok = n_fixed = follow_ok = 0
    for f in found:
        record = records.get(f["id"], {})
        created: datetime = f["created_at"]
        sent = dispatched.get(f["id"])
        sent_at = datetime.fromtimestamp(sent / 1000, UTC) if sent is not None else None
        on_time = sent_at is not None and sent_at - created <= DISPATCH_LIMIT
        accepted_at = (
            datetime.fromisoformat(str(record["accepted_at"]))
            if record.get("accepted_at")
            else None
        )
        accept_wait: timedelta | None = None
        times = assigned.get(f["id"])
        if accepted_at is not None and times:
            # From the assignment it answered: the last one before it (two phones' clocks may
            # disagree by a little: then the first, and never less than no wait at all).
            before = [t for t in times if t <= accepted_at.timestamp() * 1000]
            base = datetime.fromtimestamp((max(before) if before else min(times)) / 1000, UTC)
            accept_wait = max(accepted_at - base, timedelta(0))
        accepted_in_time = accept_wait is not None and accept_wait <= ACCEPT_LIMIT
        fixed_at = record.get("fixed_at")
        verified_at = record.get("verified_at")
        followed = bool(fixed_at and verified_at) and (
            datetime.fromisoformat(str(verified_at)) - datetime.fromisoformat(str(fixed_at))
            <= FOLLOW_UP_LIMIT
        )
        n_dispatched += sent_at is not None
        dispatch_ok += on_time
        n_accepted += accepted_at is not None
        accept_ok += accepted_in_time
        n_fixed += bool(fixed_at)
        follow_ok += followed
        zh, en = FINDING_STATUS.get(str(f["status"]), (f["status"], f["status"]))
        rows.append(
            {
                "created_at": created.isoformat(),
                "location": f["location"],
                "category": _say(
                    language, *FINDING_CATEGORY.get(str(f["category"]), (f["category"],) * 2)
                ),
                "status": _say(language, zh, en),
                "dispatched_at": sent_at.isoformat() if sent_at else None,
                "dispatch_minutes": int((sent_at - created).total_seconds() // 60)
                if sent_at
                else None,
                "dispatch_on_time": yes if on_time else no,
                "accepted_at": accepted_at.isoformat() if accepted_at else None,
                "accept_minutes": int(accept_wait.total_seconds() // 60)
                if accept_wait is not None
                else None,
                "accept_on_time": (yes if accepted_in_time else no) if sent_at else "",
                "fixed_at": fixed_at,
                "verified_at": verified_at,
                "follow_up_on_time": (yes if followed else no) if fixed_at else "",
            }
        )
    return ledger(
        site_id,
        site_name,
        since,
        until,
        [
            Column("created_at", "上报时间", "Reported", "datetime", width=16),
            Column("location", "位置", "Location", width=16),
            Column("category", "类别", "Category", width=10),
            Column("status", "状态", "Status", width=8),
            Column("dispatched_at", "派单时间", "Dispatched", "datetime", width=16),
            Column("dispatch_minutes", "派单用时（分）", "Minutes to dispatch", "int", width=9),
            Column("dispatch_on_time", "5分钟内派单", "Dispatched in 5 min", width=9),
            Column("accepted_at", "接单时间", "Accepted", "datetime", width=16),
            Column("accept_minutes", "接单用时（分）", "Minutes to accept", "int", width=9),
            Column("accept_on_time", "5分钟内接单", "Accepted in 5 min", width=9),
            Column("fixed_at", "整改完成", "Fixed", "datetime", width=16),
            Column("verified_at", "验收回访", "Followed up", "datetime", width=16),
            Column("follow_up_on_time", "24小时内回访", "Followed up in 24 h", width=9),
        ],
        rows,
        [
            Total("findings", "问题数", "Findings", len(found)),
            Total("dispatched", "已派单", "Dispatched", n_dispatched),
            Total("dispatch_on_time", "5分钟内派单", "Dispatched in 5 min", dispatch_ok),
            Total(
                "dispatch_share",
                "5分钟内派单率（%）",
                "Dispatched in 5 min (%)",
                share(dispatch_ok, len(found)),
                "score",
            ),
            Total("accepted", "已接单", "Accepted", n_accepted),
            Total("accept_on_time", "5分钟内接单", "Accepted in 5 min", accept_ok),
            Total(
                "accept_share",
                "5分钟内接单率（%）",
                "Accepted in 5 min (%)",
                share(accept_ok, n_dispatched),
                "score",
            ),
            Total("fixed", "已整改", "Fixed", n_fixed),
            Total("follow_up_on_time", "24小时内回访", "Followed up in 24 h", follow_ok),
            Total(
                "follow_up_share",
                "24小时内回访率（%）",
                "Followed up in 24 h (%)",
                share(follow_ok, n_fixed),
                "score",
            ),
        ],
    )


async def findings_trend(
    site_id: int, site_name: str, since: date, until: date, filters: Filters, language: Language
) -> Ledger:
    """Each day: findings reported, findings still open at the day's end (not yet verified or
    closed) and those of them past their due date. A finding's resolution is its record's
    `verified_at` (else `closed_at`); one reopened counts as open from its report on."""
    clock = await site_clock(site_id)
    start, end = clock.days(since, until)
    found = await Finding.select(
        Finding.id, Finding.status, Finding.created_at, Finding.due_date
    ).where((Finding.site_id == site_id) & (Finding.created_at < end))
    resolved_ids = [f["id"] for f in found if f["status"] in ("verified", "closed")]
    resolved: dict[str, datetime] = {}
    for record in await records_by_id("findings", resolved_ids):
        at = record.get("verified_at") or record.get("closed_at")
        if at:
            resolved[record["id"]] = datetime.fromisoformat(str(at))
    # Findings resolved before the period never count; the rest are walked day by day.
    live = [f for f in found if f["id"] not in resolved or resolved[f["id"]] >= start]
    rows: list[dict[str, Any]] = []
    day = since
    while day <= until:
        day_start, day_end = clock.days(day, day)
        reported = opened = overdue = 0
        for f in live:
            created: datetime = f["created_at"]
            if created >= day_end:
                continue
            reported += created >= day_start
            done = resolved.get(f["id"])
            if done is None or done >= day_end:
                opened += 1
                overdue += f["due_date"] is not None and f["due_date"] < day
        rows.append(
            {"date": day.isoformat(), "reported": reported, "open": opened, "overdue": overdue}
        )
        day += timedelta(days=1)
    last = rows[-1] if rows else {"open": 0, "overdue": 0}
    return ledger(
        site_id,
        site_name,
        since,
        until,
        [
            Column("date", "日期", "Date", "date", width=11),
            Column("reported", "新上报", "Reported", "int", width=8),
            Column("open", "未关闭", "Open", "int", width=8),
            Column("overdue", "已超期", "Overdue", "int", width=8),
        ],
        rows,
        [
            Total("reported", "期间上报", "Reported in period", sum(r["reported"] for r in rows)),
            Total("open", "期末未关闭", "Open at the end", last["open"]),
            Total("overdue", "期末已超期", "Overdue at the end", last["overdue"]),
        ],
    )


KEYS = Report(
    "keys",
    "钥匙台账",
    "Key custody ledger",
    keys_ledger,
    (
        choice("status", "状态", "Status", KEY_FILTER_STATUS),
        Filter("holder_id", "持有人", "Holder", "person"),
    ),
)
FINDINGS = Report(
    "findings",
    "问题整改台账",
    "Findings and service standards",
    findings_ledger,
    (choice("status", "状态", "Status", FINDING_STATUS),),
)
FINDINGS_TREND = Report(
    "findings_trend",
    "问题未关闭及超期趋势",
    "Findings open and overdue by day",
    findings_trend,
    chart=Chart("line", "date", ("open", "overdue")),
)
