"""Which patrol events become push notices: a submitted patrol asks the site's supervisors
(not its author) to review it."""

from __future__ import annotations

from typing import Any

from server.i18n import Language
from server.push.notice import Notice, Notices, who
from server.push.texts import text
from server.sites.service import members_with_role, place_of
from server.syncing.records import record_by_id


async def review_requested(payload: dict[str, Any]) -> list[Notice]:
    record_id = payload.get("record_id")
    site_id = payload.get("site_id")
    author_id = payload.get("author_id")
    if payload.get("collection") != "patrols" or not isinstance(site_id, int):
        return []
    patrol = await record_by_id("patrols", record_id)
    if patrol is None or patrol.get("status") != "submitted":
        return []  # reviewed (or gone) before we got to it: nothing to ask for
    author = await who(author_id)
    place = await place_of(site_id, patrol.get("unit_id"))
    problems = len(patrol.get("finding_ids") or [])

    def render(lang: Language) -> tuple[str, str]:
        extra = text("review_requested.problems", lang, n=problems) if problems else ""
        return (
            text("review_requested.title", lang),
            text("review_requested.body", lang, author=author(lang), place=place, problems=extra),
        )

    return [
        Notice(
            "review_requested",
            user,
            f"/review/{record_id}",
            f"review:patrols:{record_id}",
            render,
        )
        for user in await members_with_role(site_id, "supervisor")
        if user != author_id
    ]


NOTICES = Notices(events={"review_requested": review_requested})
