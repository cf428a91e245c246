"""Response bodies of the key reports and the arguments of the keys intents (msgspec Structs)."""

from __future__ import annotations

import msgspec


class KeyOutRead(msgspec.Struct):
    id: str
    code: str
    label: str
    holder_id: int | None
    holder: str
    purpose: str | None
    out_since: str | None
    expected_return: str | None
    overdue: bool


class KeyEventRead(msgspec.Struct):
    id: str
    key_id: str
    code: str
    kind: str
    by_id: int
    by: str
    at: str
    purpose: str | None = None
    to_user_id: int | None = None
    note: str = ""
