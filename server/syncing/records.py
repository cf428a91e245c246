"""Reading synced records for reports and documents (labels, ledgers): committed data only."""

from __future__ import annotations

from typing import Any

import msgspec

from server.syncing.tables import SyncRecord, SyncRecordSite


def _decoded(row: dict[str, Any]) -> dict[str, Any]:
    fields: dict[str, Any] = msgspec.json.decode(row["fields"])
    return {"id": row["record_id"], "revision": row["revision"], **fields}


async def records_by_id(collection: str, ids: list[str]) -> list[dict[str, Any]]:
    """Live records of a collection with these ids (fields flattened, plus id and revision)."""
    if not ids:
        return []
    rows = await SyncRecord.select(
        SyncRecord.record_id, SyncRecord.revision, SyncRecord.fields
    ).where(
        SyncRecord.key.is_in([f"{collection}/{i}" for i in ids]) & (SyncRecord.deleted == False)  # noqa: E712
    )
    return [_decoded(r) for r in rows]


async def records_of_site(collection: str, site_id: int) -> list[dict[str, Any]]:
    """Live records of a collection that belong to a site now, oldest revision first."""
    keys = await SyncRecordSite.select(SyncRecordSite.record_key).where(
        (SyncRecordSite.site == str(site_id)) & SyncRecordSite.record_key.like(f"{collection}/%")
    )
    if not keys:
        return []
    rows = await (
        SyncRecord.select(SyncRecord.record_id, SyncRecord.revision, SyncRecord.fields)
        .where(
            SyncRecord.key.is_in([k["record_key"] for k in keys]) & (SyncRecord.deleted == False)  # noqa: E712
        )
        .order_by(SyncRecord.revision)
    )
    return [r for r in (_decoded(row) for row in rows) if r.get("site_id") == site_id]


async def record_by_id(collection: str, record_id: object) -> dict[str, Any] | None:
    """One live record (as `records_by_id` gives it), or None."""
    if not isinstance(record_id, str):
        return None
    found = await records_by_id(collection, [record_id])
    return found[0] if found else None
