"""Which inspection events become push notices: a submitted inspection asks the site's
supervisors (not its author) to review it."""

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
    if payload.get("collection") != "inspections" or not isinstance(site_id, int):
        return []
    inspection = await record_by_id("inspections", record_id)
    if inspection is None or inspection.get("status") != "submitted":
        return []  # reviewed before we got to it: nothing to ask for
    author = await who(author_id)
    place = await place_of(site_id, None, str(inspection.get("zone_name") or ""))
    vendor = str(inspection.get("vendor_name") or "")
    score = inspection.get("score")

    def render(lang: Language) -> tuple[str, str]:
        return (
            text("review_requested.inspection.title", lang),
            text(
                "review_requested.inspection.body",
                lang,
                author=author(lang),
                vendor=vendor,
                place=place,
                score=score,
            ),
        )

    return [
        Notice(
            "review_requested",
            user,
            f"/review/{record_id}",
            f"review:inspections:{record_id}",
            render,
        )
        for user in await members_with_role(site_id, "supervisor")
        if user != author_id
    ]


NOTICES = Notices(events={"review_requested": review_requested})
