"""How a findings record becomes a row of the typed `finding` table."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from server.findings.tables import Finding
from server.syncing.projection import Projection, day, instant, integer, text_of


def finding_row(fields: Mapping[str, Any]) -> dict[str, Any]:
    return {
        "site_id": integer(fields, "site_id"),
        "unit_id": integer(fields, "unit_id"),
        "category": text_of(fields, "category"),
        "status": text_of(fields, "status"),
        "location": text_of(fields, "location") or "",
        "description": text_of(fields, "description") or "",
        "assignee_id": integer(fields, "assignee_id"),
        "due_date": day(fields, "due_date"),
        "fix_note": text_of(fields, "fix_note") or "",
        "photo_count": len(fields.get("photos") or ()),
        "fix_photo_count": len(fields.get("fix_photos") or ()),
        "patrol_id": text_of(fields, "patrol_id"),
        "created_by": integer(fields, "created_by"),
        "created_at": instant(fields, "created_at"),
    }


FINDINGS = Projection("findings", Finding, finding_row)
