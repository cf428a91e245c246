"""What other domains (and the sync rules) ask about patrols: a unit's last accepted meter
readings, and when a vacant unit is due for its next visit."""

from __future__ import annotations

from datetime import date, timedelta

from server.syncing.records import records_of_site


async def last_readings(site_id: int, unit_id: int) -> dict[str, float]:
    """Each meter's reading in the unit's newest approved patrol that has one
    ("water"/"electricity" → value); a meter never read is absent."""
    newest: dict[str, tuple[str, float]] = {}
    for patrol in await records_of_site("patrols", site_id):
        if patrol.get("unit_id") != unit_id or patrol.get("status") != "approved":
            continue
        at = str(patrol.get("ended_at") or patrol.get("submitted_at") or "")
        for meter in ("water", "electricity"):
            value = patrol.get(f"{meter}_reading")
            if isinstance(value, int | float) and (meter not in newest or at >= newest[meter][0]):
                newest[meter] = (at, float(value))
    return {meter: value for meter, (_, value) in newest.items()}


def due_date(seen: date | None, vacant_since: date | None, interval: int, today: date) -> date:
    """When a unit is due: an interval after its last visit, or after it became vacant for a
    first visit (today when that is unknown). Overdue days count from here."""
    start = seen or vacant_since
    return start + timedelta(days=interval) if start else today
