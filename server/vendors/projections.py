"""How inspections and their items become rows of the typed `inspection` and `inspection_item`
tables, which the monthly evaluation counts with SQL."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from server.syncing.projection import Projection, instant, integer, text_of
from server.vendors.tables import Inspection, InspectionItem


def inspection_row(fields: Mapping[str, Any]) -> dict[str, Any]:
    return {
        "site_id": integer(fields, "site_id"),
        "vendor_id": integer(fields, "vendor_id"),
        "zone_id": integer(fields, "zone_id"),
        "template_version_id": integer(fields, "template_version_id"),
        "at": instant(fields, "at"),
        "mode": text_of(fields, "mode") or "",
        "status": text_of(fields, "status") or "",
        "score": integer(fields, "score") or 0,
        "deducted": integer(fields, "deducted") or 0,
        "critical_failures": integer(fields, "critical_failures") or 0,
        "rect_on_time": integer(fields, "rect_on_time") or 0,
        "rect_late": integer(fields, "rect_late") or 0,
        "rect_open": integer(fields, "rect_open") or 0,
        "author_id": integer(fields, "author_id"),
        "reviewed_at": instant(fields, "reviewed_at"),
    }


def item_row(fields: Mapping[str, Any]) -> dict[str, Any]:
    return {
        "inspection_id": text_of(fields, "inspection_id") or "",
        "site_id": integer(fields, "site_id"),
        "vendor_id": integer(fields, "vendor_id"),
        "item_id": integer(fields, "item_id"),
        "code": text_of(fields, "code") or "",
        "points_deducted": integer(fields, "points_deducted") or 0,
        "critical": fields.get("critical") is True,
        "reason": "；".join(t for t in (text_of(fields, "reason"), text_of(fields, "note")) if t),
        "photos": " ".join(h for h in fields.get("photos") or () if isinstance(h, str)),
        "finding_id": text_of(fields, "finding_id"),
        "due_at": instant(fields, "due_at"),
        "rectified_at": instant(fields, "rectified_at"),
    }


INSPECTIONS = Projection("inspections", Inspection, inspection_row)
INSPECTION_ITEMS = Projection("inspection_items", InspectionItem, item_row)
