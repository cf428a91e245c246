"""How a patrols record becomes a row of the typed `patrol` table."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from server.patrols.tables import Patrol
from server.syncing.projection import Projection, instant, integer, text_of


def patrol_row(fields: Mapping[str, Any]) -> dict[str, Any]:
    items = fields.get("items")
    answers = items.values() if isinstance(items, dict) else ()
    visited = (
        instant(fields, "ended_at")
        or instant(fields, "started_at")
        or instant(fields, "submitted_at")
    )
    return {
        "site_id": integer(fields, "site_id"),
        "unit_id": integer(fields, "unit_id"),
        "author_id": integer(fields, "author_id"),
        "status": text_of(fields, "status") or "draft",
        "visited_at": visited,
        "submitted_at": instant(fields, "submitted_at"),
        "reviewed_at": instant(fields, "reviewed_at"),
        "failed_items": sum(isinstance(a, dict) and a.get("result") == "fail" for a in answers),
        "finding_count": len(fields.get("finding_ids") or ()),
    }


PATROLS = Projection("patrols", Patrol, patrol_row)
