"""Which finding events become push notices: a finding past its due date and not yet fixed is
announced to its assignee and the site's environment supervisors, once per due date."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import timedelta
from typing import Any

from server.findings.tables import Finding
from server.i18n import Language
from server.push.notice import Notice, Notices, Occasion, Render
from server.push.texts import TEXTS, shorten, text
from server.sites.service import SiteSettings, members_with_role, place_of

# A finding that went past its due date longer ago than this is not announced (the first start
# on an old database would otherwise send every old one at once).
LOOKBACK_DAYS = 7
DONE = frozenset({"fixed", "verified", "closed"})
WANTED = (
    Finding.id,
    Finding.unit_id,
    Finding.status,
    Finding.location,
    Finding.description,
    Finding.assignee_id,
    Finding.due_date,
)


def _render(place: str, description: str, due: str, status: str) -> Render:
    def render(lang: Language) -> tuple[str, str]:
        known = f"status.{status}"
        shown = text(known, lang) if known in TEXTS else status
        return (
            text("finding_overdue.title", lang, place=place or text("place.unknown", lang)),
            text("finding_overdue.body", lang, description=description, due=due, status=shown),
        )

    return render


async def overdue_findings(site_id: int, site: SiteSettings, at_ms: int) -> list[Occasion]:
    """Findings past their due date (a date at the site) and not yet fixed. Read from the
    `finding` projection by its index (site_id, due_date): a site's findings of every year
    decoded from their records, once a minute, held a worker up for seconds."""
    today = site.clock.today(at_ms)
    oldest = today - timedelta(days=LOOKBACK_DAYS)
    rows = await Finding.select(*WANTED).where(
        (Finding.site_id == site_id)
        & (Finding.due_date >= oldest)
        & (Finding.due_date < today)
        & Finding.status.not_in(sorted(DONE))
    )
    occasions = []
    for finding in rows:
        finding["due_date"] = finding["due_date"].isoformat()
        once = f"finding_overdue/{finding['id']}/{finding['due_date']}"
        occasions.append(Occasion(once, _notices(site_id, finding)))
    return occasions


def _notices(site_id: int, finding: dict[str, Any]) -> Callable[[], Awaitable[list[Notice]]]:
    async def notices() -> list[Notice]:
        assignee = finding.get("assignee_id")
        fallback = str(finding.get("location") or "")
        place = await place_of(site_id, finding.get("unit_id"), fallback)
        description = shorten(str(finding.get("description") or ""), 200)
        status = str(finding.get("status") or "open")
        render = _render(place, description, str(finding["due_date"]), status)
        environment = await members_with_role(site_id, "environment")
        users = {*environment, *([assignee] if isinstance(assignee, int) else [])}
        return [
            Notice(
                "finding_overdue",
                user,
                f"/findings/{finding['id']}",
                f"finding:{finding['id']}",
                render,
            )
            for user in sorted(users)
        ]

    return notices


NOTICES = Notices(checks=[overdue_findings])
