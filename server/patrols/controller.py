"""The patrol due list: vacant units whose last approved patrol is older than their interval
(or that were never patrolled), most overdue first, grouped by building; days are the site's."""

from __future__ import annotations

from datetime import date

from litestar import get
from litestar.di import Provide

from server.auth.guards import provide_current_user
from server.auth.service import CurrentUser
from server.openapi import Id
from server.patrols.schemas import (
    DueUnitRead,
)
from server.patrols.service import due_date
from server.sites.service import site_clock
from server.sites.tables import Unit
from server.syncing.records import records_of_site


@get(
    "/api/sites/{site_id:int}/patrols/due",
    dependencies={"user": Provide(provide_current_user)},
)
async def due_list(site_id: Id, user: CurrentUser) -> list[DueUnitRead]:
    clock = await site_clock(site_id)
    today = clock.today()
    last: dict[int, date] = {}
    for patrol in await records_of_site("patrols", site_id):
        if patrol.get("status") == "approved":
            when = clock.date_of(patrol.get("ended_at") or patrol["submitted_at"])
            last[patrol["unit_id"]] = max(when, last.get(patrol["unit_id"], when))
    units = await Unit.select(
        Unit.id,
        Unit.entrance,
        Unit.number,
        Unit.vacant_since,
        Unit.patrol_interval_days,
        Unit.building.name,
    ).where((Unit.building.site == site_id) & (Unit.vacant == True))  # noqa: E712
    due: list[DueUnitRead] = []
    for u in units:
        seen = last.get(u["id"])
        next_due = due_date(seen, u["vacant_since"], u["patrol_interval_days"], today)
        if next_due <= today:
            due.append(
                DueUnitRead(
                    unit_id=u["id"],
                    building=u["building.name"],
                    entrance=u["entrance"],
                    number=u["number"],
                    vacant_since=u["vacant_since"],
                    interval_days=u["patrol_interval_days"],
                    last_patrolled=seen,
                    due=next_due,
                    days_overdue=(today - next_due).days,
                )
            )
    due.sort(key=lambda d: (-d.days_overdue, d.building, d.entrance, d.number))
    return due
