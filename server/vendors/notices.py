"""Which inspection events become push notices: a submitted inspection asks the site's
supervisors (not its author) to review it; a rejected one goes back to its author with the
reviewer's comment."""

from __future__ import annotations

from typing import Any

from server.i18n import Language
from server.push.notice import Notice, Notices, who
from server.push.texts import shorten, text
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


async def rejected(payload: dict[str, Any]) -> list[Notice]:
    record_id = payload.get("record_id")
    site_id = payload.get("site_id")
    author_id = payload.get("author_id")
    if payload.get("collection") != "inspections" or not isinstance(site_id, int):
        return []
    if not isinstance(author_id, int) or author_id == payload.get("reviewer_id"):
        return []
    inspection = await record_by_id("inspections", record_id)
    if inspection is None:
        return []
    reviewer = await who(payload.get("reviewer_id"))
    place = await place_of(site_id, None, str(inspection.get("zone_name") or ""))
    vendor = str(inspection.get("vendor_name") or "")
    comment = shorten(str(payload.get("comment") or ""), 150)

    def render(lang: Language) -> tuple[str, str]:
        return (
            text("rejected.inspection.title", lang),
            text(
                "rejected.inspection.body",
                lang,
                reviewer=reviewer(lang),
                vendor=vendor,
                place=place,
                comment=comment,
            ),
        )

    return [
        Notice(
            "rejected",
            author_id,
            f"/inspections/{record_id}",
            f"rejected:inspections:{record_id}",
            render,
        )
    ]


NOTICES = Notices(events={"review_requested": review_requested, "rejected": rejected})
