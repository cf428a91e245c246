"""What a collection plugs into the engine: the Handler base class and what it is given."""

from __future__ import annotations

import abc
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import msgspec

from ._errors import Refusal
from ._store import Event, Store, StoredRecord

# A record whose sites include this is visible to (and in scope for) every actor.
ALL_SITES = "*"


def user_audience(user_id: str) -> str:
    """The scope token of one person: a record with it in its sites is shown to that user."""
    return f"user:{user_id}"


def role_audience(role: str, site: str) -> str:
    """The scope token of the holders of `role` at `site`."""
    return f"role:{role}@{site}"


def audiences_of(user_id: str, roles: frozenset[str], site_ids: frozenset[str]) -> frozenset[str]:
    """The audience tokens of a user with these roles at these sites (for `Actor.audiences`)."""
    by_role = {role_audience(r, s) for r in roles for s in site_ids}
    return frozenset({user_audience(user_id), *by_role})


class Actor(msgspec.Struct, frozen=True, kw_only=True):
    """Who is pushing or pulling. Site ids are strings everywhere in sync.

    `audiences` are further scope tokens (see `audiences_of`): a record whose sites hold one of
    them is in scope as if it were one of the actor's sites. They let a record be shown to
    some people of a site only (the two authors of a conflict and the site's supervisors).
    """

    user_id: str
    roles: frozenset[str] = frozenset()
    site_ids: frozenset[str] = frozenset()
    audiences: frozenset[str] = frozenset()

    @property
    def scope(self) -> frozenset[str]:
        """Every site and audience token this actor sees records of."""
        return self.site_ids | self.audiences

    def may_see(self, sites: frozenset[str]) -> bool:
        """True when a record with these sites is in this actor's scope."""
        return ALL_SITES in sites or not sites.isdisjoint(self.scope)


class Write(msgspec.Struct, frozen=True, kw_only=True):
    """A record write a handler asks for from a domain intent. The engine merges `fields`
    (set fields in their wire form) with the mutation's stamp, or tombstones the record when
    `delete` is true. Handler writes are trusted: they may set server-owned fields and touch
    locked records or other collections; they may not change append-only records."""

    collection: str
    id: str
    fields: dict[str, Any] = msgspec.field(default_factory=dict)
    delete: bool = False
    # A state the server decided (a key checked out, a record approved), not a device's edit:
    # stamped by the server clock after every stamp on the record, so a device clock that runs
    # behind cannot make the decision lose the field merge.
    decided: bool = False


@dataclass(frozen=True)
class MutationContext:
    """What a handler is told about the mutation being processed."""

    actor: Actor
    device_id: str
    mutation_id: str
    name: str
    # The mutation's effective (validated, clamped) stamp.
    stamp: str
    # Server wall clock, milliseconds since the epoch.
    now_ms: int
    store: Store
    # Filled by `emit`; stored with the mutation's writes, dropped if it is refused.
    events: list[Event] = field(default_factory=list)

    def emit(self, kind: str, **payload: Any) -> None:
        """Say that something happened (for notifications); it is stored only if the
        mutation is applied, in the same transaction."""
        self.events.append(Event(kind=kind, payload=payload, at_ms=self.now_ms))

    async def get(self, collection: str, record_id: str) -> StoredRecord | None:
        """Read a record inside the mutation's transaction."""
        return await self.store.get_record(collection, record_id)


class Handler(abc.ABC):
    """One collection's rules. Subclass it, set the class attributes, override what you need.

    The engine calls the methods inside the mutation's transaction; raise `Refusal` to refuse
    (the mutation is then rejected with your code, and nothing of it is written). Keep them
    free of side effects: the engine writes only what they return.
    """

    # Name used in mutation names ("<collection>.<intent>") and in pulled changes.
    collection: str
    # Fields merged as add-wins sets of strings (e.g. photo hashes).
    set_fields: frozenset[str] = frozenset()
    # Fields a device may never send (refused with `server_owned_field`); set them from
    # `check_upsert` or `apply`.
    server_owned_fields: frozenset[str] = frozenset()
    # Records are inserted once and never changed or deleted (refused with `append_only`).
    append_only: bool = False
    # Domain intents this handler's `apply` takes, besides the engine's "upsert" and "delete".
    intents: frozenset[str] = frozenset()
    # Fields (or derived fields) holding photo hashes: the server keeps those photos while a
    # live record names them.
    photo_fields: frozenset[str] = frozenset()

    @abc.abstractmethod
    def sites_of(self, fields: Mapping[str, Any]) -> frozenset[str]:
        """The sites a record with these fields belongs to (ALL_SITES for every site)."""

    def is_locked(self, fields: Mapping[str, Any]) -> bool:
        """True when the record takes no more upserts or deletes (`record_locked`)."""
        return False

    async def check_upsert(
        self,
        ctx: MutationContext,
        record_id: str,
        args: Mapping[str, Any],
        current: StoredRecord | None,
    ) -> Mapping[str, Any]:
        """Validate an upsert's fields (wire form, without "id"); `current` is the live record
        or None for a create. Return server-owned fields to write along (e.g. created_by)."""
        return {}

    async def check_delete(self, ctx: MutationContext, current: StoredRecord | None) -> None:
        """Validate a delete; `current` is the live record, or None if it does not exist."""
        return None

    async def apply(
        self,
        ctx: MutationContext,
        intent: str,
        args: Mapping[str, Any],
        current: StoredRecord | None,
    ) -> Sequence[Write]:
        """Carry out a domain intent listed in `intents`; `current` is this collection's record
        named by args["id"] when there is one. Return the writes to make."""
        raise Refusal("unknown_mutation", f"{self.collection}.{intent} is not a known mutation")
