"""The patrol reports, from the typed `patrol` and `finding` tables and the site's vacant units:
the patrols ledger (each visit, its findings raised and closed; the units patrolled and those
overdue) and patrol coverage by building (vacant units visited on time, a chart). A unit is on
time while its last approved visit is within its interval, as on the due list
(server/patrols/service.py)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from piccolo.query.functions.aggregate import Max

from server.auth.service import names_of
from server.findings.tables import Finding
from server.i18n import Language
from server.patrols.service import due_date
from server.patrols.tables import Patrol
from server.reports.report import Chart, Filter, Filters, Report, choice, ledger, say, share
from server.reports.schemas import Column, Ledger, Total
from server.sites.service import SiteClock, site_clock, unit_labels
from server.sites.tables import Unit

PATROL_STATUS = {
    "draft": ("草稿", "Draft"),
    "submitted": ("待审核", "Waiting for review"),
    "approved": ("已通过", "Approved"),
    "rejected": ("已退回", "Returned"),
}
CLOSED = ("verified", "closed")  # a finding verified or closed is done


@dataclass(frozen=True)
class VacantUnit:
    id: int
    building: str
    on_time: bool  # visited within its interval as of the day asked


async def vacant_units(site_id: int, clock: SiteClock, asof: date) -> list[VacantUnit]:
    """The site's vacant units and whether each is on time on `asof` (the period's last day, or
    today when that is later): its last approved visit on or before that day is within its
    interval (or it became vacant less than an interval ago)."""
    _, end = clock.days(asof, asof)
    seen = {
        r["unit_id"]: clock.date_of(r["at"] if isinstance(r["at"], str) else r["at"].isoformat())
        for r in await Patrol.select(Patrol.unit_id, Max(Patrol.visited_at, alias="at"))
        .where(
            (Patrol.site_id == site_id) & (Patrol.status == "approved") & (Patrol.visited_at < end)
        )
        .group_by(Patrol.unit_id)
        if r["at"] is not None
    }
    units = await Unit.select(
        Unit.id, Unit.vacant_since, Unit.patrol_interval_days, Unit.building.name
    ).where((Unit.building.site == site_id) & (Unit.vacant == True))  # noqa: E712
    return [
        VacantUnit(
            u["id"],
            u["building.name"],
            due_date(seen.get(u["id"]), u["vacant_since"], u["patrol_interval_days"], asof) >= asof,
        )
        for u in units
    ]


async def patrols_ledger(
    site_id: int, site_name: str, since: date, until: date, filters: Filters, language: Language
) -> Ledger:
    clock = await site_clock(site_id)
    start, end = clock.days(since, until)
    where = (Patrol.site_id == site_id) & (Patrol.visited_at >= start) & (Patrol.visited_at < end)
    if filters.get("author_id") is not None:
        where &= Patrol.author_id == filters["author_id"]
    if filters.get("status"):
        where &= Patrol.status == filters["status"]
    patrols = list(await Patrol.select().where(where).order_by(Patrol.visited_at))
    raised: dict[str, int] = {}
    closed: dict[str, int] = {}
    if patrols:
        for f in await Finding.select(Finding.patrol_id, Finding.status).where(
            Finding.patrol_id.is_in([p["id"] for p in patrols])
        ):
            raised[f["patrol_id"]] = raised.get(f["patrol_id"], 0) + 1
            if f["status"] in CLOSED:
                closed[f["patrol_id"]] = closed.get(f["patrol_id"], 0) + 1
    labels = await unit_labels(p["unit_id"] for p in patrols if p["unit_id"])
    names = await names_of(p["author_id"] for p in patrols if p["author_id"])
    rows = [
        {
            "visited_at": p["visited_at"].isoformat() if p["visited_at"] else None,
            "unit": labels.get(p["unit_id"] or 0, ""),
            "patroller": names.get(p["author_id"] or 0, ""),
            "status": say(language, *PATROL_STATUS.get(p["status"], (p["status"], p["status"]))),
            "failed_items": p["failed_items"],
            "findings_raised": raised.get(p["id"], 0),
            "findings_closed": closed.get(p["id"], 0),
            "reviewed_at": p["reviewed_at"].isoformat() if p["reviewed_at"] else None,
        }
        for p in patrols
    ]
    units = await vacant_units(site_id, clock, max(until, clock.today()))
    return ledger(
        site_id,
        site_name,
        since,
        until,
        [
            Column("visited_at", "巡查时间", "Visited", "datetime", width=16),
            Column("unit", "房号", "Unit", width=16),
            Column("patroller", "巡查人", "Patrolled by", width=8),
            Column("status", "状态", "Status", width=7),
            Column("failed_items", "不合格项", "Failed items", "int", width=7),
            Column("findings_raised", "发现问题", "Findings raised", "int", width=7),
            Column("findings_closed", "已整改关闭", "Findings closed", "int", width=8),
            Column("reviewed_at", "审核时间", "Reviewed", "datetime", width=16),
        ],
        rows,
        [
            Total("patrols", "巡查次数", "Patrols", len(patrols)),
            Total(
                "units_patrolled",
                "巡查房屋数",
                "Units patrolled",
                len({p["unit_id"] for p in patrols}),
            ),
            Total(
                "approved", "审核通过", "Approved", sum(p["status"] == "approved" for p in patrols)
            ),
            Total("findings_raised", "发现问题", "Findings raised", sum(raised.values())),
            Total("findings_closed", "已整改关闭", "Findings closed", sum(closed.values())),
            Total("vacant_units", "空置房总数", "Vacant units", len(units)),
            Total(
                "overdue_units", "超期未巡查", "Overdue units", sum(not u.on_time for u in units)
            ),
        ],
    )


async def patrol_coverage(
    site_id: int, site_name: str, since: date, until: date, filters: Filters, language: Language
) -> Ledger:
    """Per building: vacant units, those visited on time and those overdue on the period's last
    day (today for a period not over yet), and the approved visits made in the period."""
    clock = await site_clock(site_id)
    asof = min(until, clock.today())
    units = await vacant_units(site_id, clock, asof)
    start, end = clock.days(since, until)
    visits = await Patrol.select(Patrol.unit_id).where(
        (Patrol.site_id == site_id)
        & (Patrol.status == "approved")
        & (Patrol.visited_at >= start)
        & (Patrol.visited_at < end)
    )
    building_of = {u.id: u.building for u in units}
    buildings: dict[str, dict[str, Any]] = {}
    for u in sorted(units, key=lambda u: u.building):
        row = buildings.setdefault(
            u.building,
            {"building": u.building, "vacant": 0, "on_time": 0, "overdue": 0, "visits": 0},
        )
        row["vacant"] += 1
        row["on_time" if u.on_time else "overdue"] += 1
    for v in visits:
        if v["unit_id"] in building_of:
            buildings[building_of[v["unit_id"]]]["visits"] += 1
    rows = list(buildings.values())
    for row in rows:
        row["coverage"] = share(row["on_time"], row["vacant"])
    on_time = sum(u.on_time for u in units)
    return ledger(
        site_id,
        site_name,
        since,
        until,
        [
            Column("building", "楼栋", "Building", width=12),
            Column("vacant", "空置房", "Vacant units", "int", width=8),
            Column("on_time", "按期巡查", "Visited on time", "int", width=8),
            Column("overdue", "超期未巡查", "Overdue", "int", width=8),
            Column("coverage", "按期率（%）", "On time (%)", "score", width=9),
            Column("visits", "期间巡查次数", "Visits in period", "int", width=9),
        ],
        rows,
        [
            Total("vacant", "空置房", "Vacant units", len(units)),
            Total("on_time", "按期巡查", "Visited on time", on_time),
            Total("overdue", "超期未巡查", "Overdue", len(units) - on_time),
            Total("coverage", "按期率（%）", "On time (%)", share(on_time, len(units)), "score"),
            Total("visits", "期间巡查次数", "Visits in period", sum(r["visits"] for r in rows)),
        ],
    )


PATROLS = Report(
    "patrols",
    "空置房巡查台账",
    "Vacant-unit patrols",
    patrols_ledger,
    (
        Filter("author_id", "巡查人", "Patrolled by", "person"),
        choice("status", "状态", "Status", PATROL_STATUS),
    ),
)
PATROL_COVERAGE = Report(
    "patrol_coverage",
    "空置房巡查覆盖率",
    "Patrol coverage by building",
    patrol_coverage,
    chart=Chart("bar", "building", ("on_time", "overdue"), stacked=True),
    approved_only=True,
)
