"""How a key_events record becomes a row of the typed `key_event` table."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from server.keys.tables import KeyEvent
from server.syncing.projection import Projection, instant, integer, text_of


def key_event_row(fields: Mapping[str, Any]) -> dict[str, Any]:
    return {
        "site_id": integer(fields, "site_id"),
        "key_id": text_of(fields, "key_id"),
        "kind": text_of(fields, "kind"),
        "by_id": integer(fields, "by_id"),
        "at": instant(fields, "at"),
        "purpose": text_of(fields, "purpose"),
        "expected_return": instant(fields, "expected_return"),
        "to_user_id": integer(fields, "to_user_id"),
        "from_user_id": integer(fields, "from_user_id"),
        "note": text_of(fields, "note") or "",
    }


KEY_EVENTS = Projection("key_events", KeyEvent, key_event_row)
