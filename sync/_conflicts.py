"""The conflicts collection: one record per pair of concurrent edits, shown to both authors.

The engine writes these records itself, in the transaction of the mutation that found the
conflict (see SyncEngine); devices only read them and may `dismiss` one. A record's sites are
audience tokens: its two authors and the holders of the watcher roles at the edited record's
sites, so nobody else pulls it.
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from ._errors import Refusal
from ._handlers import Handler, MutationContext, Write, role_audience, user_audience
from ._hlc import parse_stamp
from ._store import ConflictEntry, StoredRecord

# The set field listing who has read (dismissed) a conflict.
DISMISSED_BY = "dismissed_by"


def iso_time(wall_ms: int) -> str:
    """Milliseconds since the epoch as an ISO 8601 UTC time (the device shows it in the site's
    time zone)."""
    seconds, ms = divmod(wall_ms, 1000)
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(seconds)) + f".{ms:03d}+00:00"


def stamp_time(stamp: str) -> str:
    """When a stamped edit was made, as an ISO time."""
    return iso_time(parse_stamp(stamp).wall_ms)


class ConflictsHandler(Handler):
    """Register one (or a subclass adding domain fields through `about`) to have the engine
    keep a pulled `conflicts` collection; without one it only writes the conflict log."""

    collection = "conflicts"
    set_fields = frozenset({DISMISSED_BY})
    intents = frozenset({"dismiss"})

    def __init__(self, watcher_roles: Iterable[str] = ()) -> None:
        # Roles whose holders at the edited record's sites see its conflicts too.
        self.watcher_roles = frozenset(watcher_roles)

    def sites_of(self, fields: Mapping[str, Any]) -> frozenset[str]:
        people = (fields.get("kept_by"), fields.get("discarded_by"))
        tokens = {user_audience(p) for p in people if isinstance(p, str) and p}
        for site in fields.get("record_sites") or ():
            tokens.update(role_audience(role, site) for role in self.watcher_roles)
        return frozenset(tokens)

    async def about(self, entry: ConflictEntry, record: StoredRecord) -> dict[str, Any]:
        """More fields for a conflict record (e.g. the edited record's site, the authors'
        names); `record` is the edited record after the edit."""
        return {}

    async def record_fields(self, entry: ConflictEntry, record: StoredRecord) -> dict[str, Any]:
        """The conflict record made of a log entry; `record` is the edited record after it."""
        return {
            **await self.about(entry, record),
            "collection": entry.collection,
            "record_id": entry.record_id,
            "field": entry.field,
            "kept": entry.kept,
            "discarded": entry.discarded,
            "kept_by": entry.kept_by,
            "discarded_by": entry.discarded_by,
            "kept_device": entry.kept_device,
            "discarded_device": entry.discarded_device,
            "kept_at": stamp_time(entry.kept_stamp),
            "discarded_at": stamp_time(entry.discarded_stamp),
            "mutation_id": entry.mutation_id,
            "detected_at": iso_time(entry.at_ms),
            "record_sites": sorted(record.sites),
            "resolved_by": None,
            "resolved_at": None,
            "resolved_value": None,
            DISMISSED_BY: [],
        }

    async def check_upsert(
        self,
        ctx: MutationContext,
        record_id: str,
        args: Mapping[str, Any],
        current: StoredRecord | None,
    ) -> Mapping[str, Any]:
        raise Refusal("forbidden", "conflicts are written by the server; dismiss them instead")

    async def check_delete(self, ctx: MutationContext, current: StoredRecord | None) -> None:
        raise Refusal("forbidden", "conflicts are never deleted; dismiss them instead")

    async def apply(
        self,
        ctx: MutationContext,
        intent: str,
        args: Mapping[str, Any],
        current: StoredRecord | None,
    ) -> Sequence[Write]:
        for name in args:
            if name != "id":
                raise Refusal("invalid_args", "dismiss takes only an id", name)
        if current is None:
            raise Refusal("not_found", "no such conflict", "id")
        if not ctx.actor.may_see(current.sites):
            raise Refusal("forbidden", "this conflict is not yours to dismiss", "id")
        fields = {DISMISSED_BY: [ctx.actor.user_id]}
        return [Write(collection=self.collection, id=current.id, fields=fields)]
