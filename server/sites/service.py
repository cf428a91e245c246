"""Site master data other domains read: members, unit labels, places, settings and the site clock.

Every "today", "this month" and printed time of a site is read on its clock (`SiteClock`), in the
site's time zone (`Site.timezone`, `DEFAULT_TIMEZONE` when unset or unknown): never a fixed
offset, so a site abroad (or a zone with summer time) gets its own calendar.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import msgspec

from server.auth.tables import UserRole
from server.sites.tables import DEFAULT_TIMEZONE, Site, SiteMember, Unit

# A Piccolo expression (not a test): memberships of users whose account is active.
ACTIVE_MEMBER = SiteMember.user.active == True  # noqa: E712


def zone_named(name: str | None) -> ZoneInfo:
    """The zone of this IANA name, or the default zone when the name is empty or unknown."""
    try:
        return ZoneInfo(name or DEFAULT_TIMEZONE)
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo(DEFAULT_TIMEZONE)


def is_known_zone(name: str) -> bool:
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return False
    return True


@dataclass(frozen=True)
class SiteClock:
    """A site's calendar: what "now", "today" and "this month" are there, and how a moment is
    printed there."""

    zone: ZoneInfo

    def now(self, at: datetime | int | None = None) -> datetime:
        """`at` (an aware datetime or epoch milliseconds; default: now) in the site's zone."""
        if at is None:
            moment = datetime.now(UTC)
        elif isinstance(at, int):
            moment = datetime.fromtimestamp(at / 1000, UTC)
        else:
            moment = at
        return moment.astimezone(self.zone)

    def today(self, at: datetime | int | None = None) -> date:
        return self.now(at).date()

    def month(self, at: datetime | int | None = None) -> str:
        """ "YYYY-MM" of the site's calendar month."""
        return self.now(at).strftime("%Y-%m")

    def date_of(self, iso: str) -> date:
        """The site's calendar date of an ISO time with an offset."""
        return self.now(datetime.fromisoformat(iso)).date()

    def start_of(self, day: date) -> datetime:
        """The first moment of a calendar day at the site (in UTC)."""
        return datetime.combine(day, time(), self.zone).astimezone(UTC)

    def days(self, first: date, last: date) -> tuple[datetime, datetime]:
        """[start, end) in UTC of the calendar days `first` … `last` (inclusive) at the site."""
        return self.start_of(first), self.start_of(last + timedelta(days=1))

    def printed(self, moment: datetime | str, fmt: str = "%Y-%m-%d %H:%M") -> str:
        """A moment as people at the site read it."""
        at = datetime.fromisoformat(moment) if isinstance(moment, str) else moment
        return self.now(at).strftime(fmt)


class SiteSettings(msgspec.Struct, frozen=True):
    """A site's rules that handlers read: who gets a patrol's finding, in how many days it is
    due, when a key is overdue, and its clock."""

    default_assignee_id: int | None = None
    finding_due_days: int = 3
    key_overdue_hours: int = 8
    permit_reminder_days: int = 7
    timezone: str = DEFAULT_TIMEZONE

    @property
    def clock(self) -> SiteClock:
        return SiteClock(zone_named(self.timezone))


async def site_settings(site_id: int) -> SiteSettings:
    row = await (
        Site.select(
            Site.default_assignee_id,
            Site.finding_due_days,
            Site.key_overdue_hours,
            Site.permit_reminder_days,
            Site.timezone,
        )
        .where(Site.id == site_id)
        .first()
    )
    return SiteSettings(**row) if row else SiteSettings()


async def site_zone(site_id: int) -> ZoneInfo:
    row = await Site.select(Site.timezone).where(Site.id == site_id).first()
    return zone_named(str(row["timezone"]) if row else None)


async def user_zone(user_id: int) -> ZoneInfo:
    """The zone of the user's sites when they share one (a camera clock without an offset is
    read there), else the default zone."""
    rows = await Site.select(Site.timezone).where(
        Site.id.is_in(SiteMember.select(SiteMember.site).where(SiteMember.user == user_id))
    )
    names = {str(r["timezone"]) for r in rows}
    return zone_named(names.pop() if len(names) == 1 else None)


async def site_clock(site_id: int) -> SiteClock:
    return SiteClock(await site_zone(site_id))


async def active_members(site_id: int) -> frozenset[int]:
    """Ids of the site's members whose account is active."""
    rows = await SiteMember.select(SiteMember.user).where(
        (SiteMember.site == site_id) & ACTIVE_MEMBER
    )
    return frozenset(int(r["user"]) for r in rows)


async def members_with_role(site_id: int, role: str) -> list[int]:
    """Ids of the site's active members who hold `role`, in order."""
    ids = sorted(await active_members(site_id))
    if not ids:
        return []
    rows = await UserRole.select(UserRole.user).where(
        UserRole.user.is_in(ids) & (UserRole.role == role)
    )
    return sorted({int(r["user"]) for r in rows})


async def site_names(site_ids: Iterable[int]) -> dict[int, str]:
    ids = list(set(site_ids))
    if not ids:
        return {}
    rows = await Site.select(Site.id, Site.name).where(Site.id.is_in(ids))
    return {int(r["id"]): str(r["name"]) for r in rows}


async def unit_labels(unit_ids: Iterable[int]) -> dict[int, str]:
    """Unit id → "3栋1单元201" (building, entrance, number)."""
    ids = list(set(unit_ids))
    if not ids:
        return {}
    rows = await Unit.select(Unit.id, Unit.entrance, Unit.number, Unit.building.name).where(
        Unit.id.is_in(ids)
    )
    return {int(r["id"]): f"{r['building.name']}{r['entrance']}{r['number']}" for r in rows}


async def site_of_unit(unit_id: int) -> int | None:
    """The id of the site a unit belongs to, or None when there is no such unit."""
    rows = await Unit.select(Unit.building.site).where(Unit.id == unit_id)
    return int(rows[0]["building.site"]) if rows else None


async def place_of(site_id: object, unit_id: object, fallback: str = "") -> str:
    """ "翠湖花园 3栋1单元201": the site and unit, or the site and `fallback`."""
    site = (await site_names([site_id])).get(site_id, "") if isinstance(site_id, int) else ""
    unit = (await unit_labels([unit_id])).get(unit_id, "") if isinstance(unit_id, int) else ""
    return " ".join(p for p in (site, unit or fallback) if p)


async def all_site_ids() -> frozenset[int]:
    """Every site (the ones an admin reaches)."""
    return frozenset(int(r["id"]) for r in await Site.select(Site.id))
