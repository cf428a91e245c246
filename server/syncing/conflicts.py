"""The conflicts collection as Fieldkeep keeps it: shown to the two authors and to the
supervisors of the edited record's site, with the site and both people's names."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from sync import ConflictEntry, ConflictsHandler, StoredRecord

# Who besides the two authors is told of a site's conflicts.
WATCHER_ROLES = frozenset({"supervisor"})

NameOf = Callable[[int], Awaitable[str]]


class SiteConflictsHandler(ConflictsHandler):
    def __init__(self, name_of: NameOf) -> None:
        super().__init__(WATCHER_ROLES)
        self._name_of = name_of

    async def about(self, entry: ConflictEntry, record: StoredRecord) -> dict[str, Any]:
        return {
            "site_id": record.fields.get("site_id"),
            "kept_by_name": await self._name(entry.kept_by),
            "discarded_by_name": await self._name(entry.discarded_by),
        }

    async def _name(self, user_id: str) -> str:
        # "" is an author the engine does not know (a value stored before authors were kept).
        return await self._name_of(int(user_id)) if user_id.isdigit() else ""
