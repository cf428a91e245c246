"""What the audit log answers."""

from __future__ import annotations

import msgspec


class AuditEntryRead(msgspec.Struct, kw_only=True):
    id: int
    at: str  # in the site's time zone
    user_id: int | None
    user_name: str
    source: str  # sync | web
    action: str  # an intent's name, or "METHOD /route/template"
    outcome: str  # applied, merged, rejected:<code>, or the HTTP status
    # The three above in the caller's language (server/audit/words.py).
    source_text: str
    action_text: str
    outcome_text: str
    target: str  # collection/record id, or the request path
    sites: list[int]
    device_id: str
    device_time: str
    address: str
