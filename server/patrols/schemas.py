"""The due list's rows and the arguments of the patrols intents (msgspec Structs)."""

from __future__ import annotations

from datetime import date

import msgspec


class DueUnitRead(msgspec.Struct):
    unit_id: int
    building: str
    entrance: str
    number: str
    vacant_since: date | None
    interval_days: int
    last_patrolled: date | None
    due: date
    days_overdue: int
