"""The permits ledger: each permit issued, renewed or revoked in the period, and each one that
expires in it without a renewal (the renters to remind), from the typed `permit` table."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from server.auth.service import names_of
from server.i18n import Language
from server.permits.tables import Permit
from server.reports.report import Filters, Report, choice, ledger, say
from server.reports.schemas import Column, Ledger, Total
from server.sites.service import site_clock

EVENTS = {
    "issued": ("新办", "Issued"),
    "renewed": ("续期", "Renewed"),
    "revoked": ("注销", "Revoked"),
    "expiring": ("到期未续", "Expiring"),
}
KINDS = {
    "monthly_parking": ("月租车停车证", "Monthly parking"),
    "decoration": ("装修许可证", "Decoration permit"),
    "release_pass": ("物品放行条", "Item release pass"),
    "access_card": ("门禁卡", "Access card"),
}


async def permits_ledger(
    site_id: int, site_name: str, since: date, until: date, filters: Filters, language: Language
) -> Ledger:
    clock = await site_clock(site_id)
    start, end = clock.days(since, until)

    def within(at: datetime | None) -> bool:
        return at is not None and start <= at < end

    where = (Permit.site == site_id) & (
        ((Permit.created_at >= start) & (Permit.created_at < end))
        | ((Permit.revoked_at >= start) & (Permit.revoked_at < end))
        | ((Permit.expires >= start) & (Permit.expires < end))
    )
    if filters.get("kind"):
        where &= Permit.kind == filters["kind"]
    permits = await Permit.select(
        Permit.kind,
        Permit.subject,
        Permit.serial,
        Permit.status,
        Permit.not_before,
        Permit.expires,
        Permit.space,
        Permit.fee_fen,
        Permit.issued_by,
        Permit.created_at,
        Permit.revoked_at,
        Permit.revoked_reason,
        Permit.renews,
        Permit.renewed_by,
    ).where(where)
    events: list[tuple[datetime, str, dict[str, Any]]] = []
    for p in permits:
        if within(p["created_at"]):
            events.append((p["created_at"], "renewed" if p["renews"] else "issued", p))
        if within(p["revoked_at"]):
            events.append((p["revoked_at"], "revoked", p))
        if within(p["expires"]) and p["status"] == "issued" and not p["renewed_by"]:
            events.append((p["expires"], "expiring", p))
    wanted = filters.get("event")
    events = sorted(
        (e for e in events if not wanted or e[1] == wanted), key=lambda e: (e[0], e[2]["serial"])
    )
    names = await names_of(p["issued_by"] for _, _, p in events if p["issued_by"])
    rows = []
    fees = 0
    for at, event, p in events:
        paid = p["fee_fen"] if event in ("issued", "renewed") else None
        fees += paid or 0
        rows.append(
            {
                "at": at.isoformat(),
                "event": say(language, *EVENTS[event]),
                "kind": say(language, *KINDS.get(p["kind"], (p["kind"], p["kind"]))),
                "serial": f"No. {p['serial']:06d}",
                "subject": p["subject"],
                "space": p["space"] or "",
                "not_before": p["not_before"].isoformat(),
                "expires": p["expires"].isoformat(),
                "fee_fen": paid,
                "issued_by": names.get(p["issued_by"] or 0, ""),
                "note": p["revoked_reason"] if event == "revoked" else "",
            }
        )
    count = {e: sum(1 for _, event, _ in events if event == e) for e in EVENTS}
    return ledger(
        site_id,
        site_name,
        since,
        until,
        [
            Column("at", "日期", "When", "datetime", width=16),
            Column("event", "事项", "Event", width=8),
            Column("kind", "证件类别", "Kind", width=12),
            Column("serial", "编号", "Number", width=11),
            Column("subject", "车牌/房号", "Plate / unit", width=12),
            Column("space", "车位", "Space", width=8),
            Column("not_before", "有效期自", "Valid from", "datetime", width=16),
            Column("expires", "有效期至", "Valid until", "datetime", width=16),
            Column("fee_fen", "收费（元）", "Fee (yuan)", "fen", width=10),
            Column("issued_by", "经办人", "Issued by", width=8),
            Column("note", "注销原因", "Reason revoked", width=14),
        ],
        rows,
        [
            *(Total(e, zh, en, count[e]) for e, (zh, en) in EVENTS.items()),
            Total("fee_fen", "收费合计（元）", "Fees (yuan)", fees, "fen"),
        ],
    )


PERMITS = Report(
    "permits",
    "卡证台账",
    "Permits ledger",
    permits_ledger,
    (
        choice("event", "事项", "Event", EVENTS),
        choice("kind", "证件类别", "Kind", KINDS),
    ),
)
