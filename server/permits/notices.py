"""Which permits become push notices: a monthly parking permit in force, not renewed, whose last
day is within the site's reminder days (`Site.permit_reminder_days`) is announced once to the
desk that renews it (the site's customer-service specialists and supervisors), so they remind
the renter (及时提醒月租车主办理续租手续)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from server.i18n import Language
from server.push.notice import Notice, Notices, Occasion
from server.push.texts import text
from server.sites.service import SiteSettings, members_with_role
from server.syncing.records import records_of_site

# Who renews monthly permits (server/access.py ISSUERS, less the admins, who are not the desk).
DESK_ROLES = ("patrol", "supervisor")


def expiring(permits: list[dict[str, Any]], now_s: float, days: int) -> list[dict[str, Any]]:
    """Monthly permits in force, not renewed, that end within `days` days of now."""
    horizon = now_s + (days + 1) * 86_400  # `expires` is the start of the day after the last
    return sorted(
        (
            p
            for p in permits
            if p.get("kind") == "monthly_parking"
            and p.get("status") == "issued"
            and not p.get("renewed_by")
            and now_s < p.get("expires", 0) <= horizon
        ),
        key=lambda p: int(p["expires"]),
    )


async def expiring_permits(site_id: int, site: SiteSettings, at_ms: int) -> list[Occasion]:
    permits = await records_of_site("permits", site_id)
    return [
        Occasion(f"permit_expiring/{p['id']}/{p['expires']}", _notices(site_id, site, p))
        for p in expiring(permits, at_ms / 1000, site.permit_reminder_days)
    ]


def _notices(
    site_id: int, site: SiteSettings, permit: dict[str, Any]
) -> Callable[[], Awaitable[list[Notice]]]:
    last_day = site.clock.now(datetime.fromtimestamp(permit["expires"], UTC)) - timedelta(days=1)
    params = {
        "plate": str(permit.get("subject") or ""),
        "space": str(permit.get("space") or ""),
        "last": last_day.strftime("%Y-%m-%d"),
    }

    def render(lang: Language) -> tuple[str, str]:
        return (
            text("permit_expiring.title", lang, **params),
            text("permit_expiring.body", lang, **params),
        )

    async def notices() -> list[Notice]:
        desk = {u for role in DESK_ROLES for u in await members_with_role(site_id, role)}
        return [
            Notice("permit_expiring", user, "/permits", f"permit:{permit['id']}", render)
            for user in sorted(desk)
        ]

    return notices


NOTICES = Notices(checks=[expiring_permits])
