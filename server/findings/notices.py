"""Which finding events become push notices: a finding past its due date and not yet fixed is
announced to its assignee and the site's environment supervisors, once per due date."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import date, timedelta
from typing import Any

from server.i18n import Language
from server.push.notice import Notice, Notices, Occasion, Render
from server.push.texts import TEXTS, shorten, text
from server.sites.service import SiteSettings, members_with_role, place_of
from server.syncing.records import records_of_site

# A finding that went past its due date longer ago than this is not announced (the first start
# on an old database would otherwise send every old one at once).
LOOKBACK_DAYS = 7
DONE = frozenset({"fixed", "verified", "closed"})


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
    """Findings past their due date (a date at the site) and not yet fixed."""
    today = site.clock.today(at_ms)
    oldest = today - timedelta(days=LOOKBACK_DAYS)
    occasions = []
    for finding in await records_of_site("findings", site_id):
        due_text = finding.get("due_date")
        if not isinstance(due_text, str) or finding.get("status") in DONE:
            continue
        try:
            due = date.fromisoformat(due_text)
        except ValueError:
            continue
        if oldest <= due < today:
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
