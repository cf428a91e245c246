"""Which review events become push notices: a rejected record goes back to its author with the
reviewer's comment (an approval tells nobody: nobody is chased for good news)."""

from __future__ import annotations

from typing import Any

from server.i18n import Language
from server.push.notice import Notice, Notices, who
from server.push.texts import shorten, text
from server.sites.service import place_of
from server.syncing.records import record_by_id

# Reviewed collections whose rejection texts exist (push/texts.py: "rejected.*").
TOLD = frozenset({"patrols"})


async def rejected(payload: dict[str, Any]) -> list[Notice]:
    collection = payload.get("collection")
    record_id = payload.get("record_id")
    site_id = payload.get("site_id")
    author_id = payload.get("author_id")
    reviewer_id = payload.get("reviewer_id")
    if collection not in TOLD or not isinstance(site_id, int):
        return []
    if not isinstance(author_id, int) or author_id == reviewer_id:
        return []
    record = await record_by_id(str(collection), record_id)
    reviewer = await who(reviewer_id)
    place = await place_of(site_id, record.get("unit_id") if record else None)
    comment = shorten(str(payload.get("comment") or ""), 150)

    def render(lang: Language) -> tuple[str, str]:
        return (
            text("rejected.title", lang),
            text("rejected.body", lang, reviewer=reviewer(lang), place=place, comment=comment),
        )

    return [
        Notice(
            "rejected",
            author_id,
            f"/{collection}/{record_id}",
            f"rejected:{collection}:{record_id}",
            render,
        )
    ]


NOTICES = Notices(events={"rejected": rejected})
