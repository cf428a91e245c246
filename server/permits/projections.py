"""How a `permits` record becomes a row of the typed `permit` table (the desk's list, PDFs,
the server's verification and the rules' overlap and serial queries read that table)."""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from server.permits.tables import Permit
from server.syncing.projection import Projection, instant, integer, text_of


def _epoch(fields: Mapping[str, Any], name: str) -> datetime | None:
    value = integer(fields, name)
    return None if value is None else datetime.fromtimestamp(value, UTC)


def permit_row(fields: Mapping[str, Any]) -> dict[str, Any]:
    return {
        "site": integer(fields, "site_id"),
        "kind": text_of(fields, "kind"),
        "subject": text_of(fields, "subject"),
        "serial": integer(fields, "serial"),
        "status": text_of(fields, "status"),
        "not_before": _epoch(fields, "not_before"),
        "expires": _epoch(fields, "expires"),
        "kid": text_of(fields, "kid"),
        "qr": text_of(fields, "qr"),
        "details": json.dumps(fields.get("details") or {}, ensure_ascii=False),
        "unit_id": integer(fields, "unit_id"),
        "space": text_of(fields, "space"),
        "fee_fen": integer(fields, "fee_fen"),
        "issued_by": integer(fields, "issued_by"),
        "created_at": instant(fields, "created_at"),
        "revoked_at": instant(fields, "revoked_at"),
        "revoked_reason": text_of(fields, "revoked_reason") or "",
        "used_at": instant(fields, "used_at"),
        "renews": text_of(fields, "renews"),
        "renewed_by": text_of(fields, "renewed_by"),
    }


PERMITS = Projection("permits", Permit, permit_row)
