"""The storage contract the engine needs (a Protocol) and the records it stores."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from contextlib import AbstractAsyncContextManager
from typing import Any, Protocol

import msgspec

from ._merge import FieldState, SetState
from ._wire import MutationResult


class FieldAuthor(msgspec.Struct, array_like=True, frozen=True):
    """Who wrote a field's current value, and at which revision of the record.

    `user_id` is "" for a write the server decided (no person's edit). A field without an
    author (rows stored before authors were kept) counts as unknown, written at revision 0.
    """

    revision: int
    user_id: str
    device_id: str


class StoredRecord(msgspec.Struct, kw_only=True):
    """One record at its latest revision (one row per record, not per revision).

    `sites` are the sites it belongs to now; `seen_sites` every site it has belonged to at any
    revision (a superset of `sites`). A pull selects rows by `seen_sites`, so the users of a
    site a record has left still get its next revision, as a removal. A tombstone
    (`deleted`) keeps its sites, no fields, and `deleted_at_ms` for the purge.
    """

    collection: str
    id: str
    fields: dict[str, Any] = msgspec.field(default_factory=dict)
    stamps: dict[str, str] = msgspec.field(default_factory=dict)
    set_state: SetState = msgspec.field(default_factory=dict)
    deleted: bool = False
    sites: frozenset[str] = frozenset()
    seen_sites: frozenset[str] = frozenset()
    revision: int = 0
    deleted_at_ms: int | None = None
    # Plain field -> who wrote its current value (set fields merge and have none).
    authors: dict[str, FieldAuthor] = msgspec.field(default_factory=dict)

    def field_state(self) -> FieldState:
        """The mergeable part of the record."""
        return FieldState(fields=self.fields, stamps=self.stamps, set_state=self.set_state)


class DeviceState(msgspec.Struct, kw_only=True):
    """A device: the user it is bound to, the highest seq with a final status, and the
    highest stamp the engine accepted from it ("" before any)."""

    device_id: str
    user_id: str
    applied_through: int = 0
    last_hlc: str = ""


class StoredResult(msgspec.Struct, kw_only=True):
    """The first result given to a mutation id; returned again (as `duplicate`) on resends."""

    mutation_id: str
    device_id: str
    seq: int
    result: MutationResult
    # What was asked, by whom, at which device time: for the server's audit of privileged
    # intents ("" in results stored before these fields).
    name: str = ""
    user_id: str = ""
    hlc: str = ""


class ConflictEntry(msgspec.Struct, kw_only=True):
    """One row of the conflict log: two people's concurrent edits of one field, one of which
    replaced (or lost to) the other. `mutation_id`, `device_id` and `user_id` are the mutation
    that arrived second and found it; `kept_*` / `discarded_*` the two sides (a user id "" is
    an author unknown to the engine). `conflict_id` names the `conflicts` record made of it."""

    conflict_id: str
    mutation_id: str
    device_id: str
    user_id: str
    collection: str
    record_id: str
    field: str
    kept: Any
    discarded: Any
    kept_stamp: str
    discarded_stamp: str
    kept_by: str
    kept_device: str
    discarded_by: str
    discarded_device: str
    revision: int | None
    at_ms: int


class Event(msgspec.Struct, kw_only=True):
    """Something a handler says happened (e.g. "submitted for review"), for the server to act
    on after the change commits (notifications). Stored in the mutation's transaction, like an
    outbox row, so it exists exactly when the change does."""

    kind: str
    payload: dict[str, Any] = msgspec.field(default_factory=dict)
    at_ms: int = 0


def photo_hashes(record: StoredRecord | None, fields: Iterable[str]) -> frozenset[str]:
    """The photo hashes a live record holds in its photo `fields` (none when it is deleted)."""
    if record is None or record.deleted:
        return frozenset()
    held: set[str] = set()
    for name in fields:
        value = record.fields.get(name)
        if isinstance(value, list):
            held.update(h for h in value if isinstance(h, str))
    return frozenset(held)


class PulledRecord(msgspec.Struct, kw_only=True):
    """What a pull reads of a record. `fields` is the JSON object the store holds, sent on as
    it is: decoding and encoding it again cost a pull more than reading it did."""

    collection: str
    id: str
    fields: msgspec.Raw
    deleted: bool
    sites: frozenset[str]
    revision: int


class StoreInfo(msgspec.Struct, kw_only=True):
    """What a pull checks a cursor against, read in one go."""

    epoch: str
    max_revision: int
    purge_watermark: int


class Store(Protocol):
    """Persistence for the engine. Values (`fields`, `kept`, ...) are JSON values.

    Concurrency: the engine may run in several processes against one database. All methods
    except `info`, `changes_after` and `purge_tombstones` are called inside `transaction()`.
    """

    def transaction(self) -> AbstractAsyncContextManager[None]:
        """Open a transaction: everything written inside it commits together when the block
        exits normally and is discarded when it raises. Reads inside see its own writes. The
        engine never nests transactions and returns a result only after the block has exited,
        so a result is sent only after its transaction committed (rule 2)."""
        ...

    def batch(self) -> AbstractAsyncContextManager[None]:
        """Wraps one push. A store may use it for group commit: the transactions opened inside
        become savepoints of one transaction that commits when the batch block exits normally
        (one durable commit per batch instead of one per mutation); a transaction block that
        raises still discards only its own writes, and a batch block that raises discards all.
        The engine returns a push's results only after the batch block has exited, so rule 2
        holds either way. A store that commits each transaction on its own may do nothing."""
        ...

    async def get_device(self, device_id: str) -> DeviceState | None:
        """The device, or None if never seen. Must lock the device's row until the transaction
        ends (SQL: SELECT ... FOR UPDATE; SQLite's write lock does it), so that two pushes of
        one device are processed one mutation at a time."""
        ...

    async def put_device(self, device: DeviceState) -> None:
        """Insert or replace the device row."""
        ...

    async def get_result(self, mutation_id: str) -> StoredResult | None:
        """The stored first result of a mutation id, or None."""
        ...

    async def get_results(self, mutation_ids: Sequence[str]) -> dict[str, StoredResult]:
        """The stored first results of these mutation ids (those that have one), in one go:
        a push asks once for its whole batch."""
        ...

    async def put_result(self, stored: StoredResult) -> None:
        """Store a mutation's first result. The mutation id must be unique (a primary key): if a
        concurrent transaction stored the same id first, this or the commit must fail, which
        rolls the mutation back; the device's resend then gets `duplicate`."""
        ...

    async def get_record(self, collection: str, record_id: str) -> StoredRecord | None:
        """The record (live or tombstone), or None if never written or purged."""
        ...

    async def get_records(self, keys: Sequence[tuple[str, str]]) -> None:
        """Read these records (collection, id) ahead, in one go, for `get_record` calls to come
        in this transaction: the engine names the records a push's mutations name before it
        processes them. Locks what `get_record` would lock. A store may do nothing."""
        ...

    async def next_revision(self) -> int:
        """Take the next revision number for a record changed in this transaction.

        Revisions must become visible in order: a pull never sees revision N while a
        transaction holding a revision below N is still in flight (rule 5). The engine calls
        this as late as possible, after all reads and checks of the mutation. A store may hand
        out final numbers here (taken under a lock held to commit, so that revisions commit in
        order), or provisional ones that it replaces with final numbers when it writes the
        transaction out right before its commit: the SQL store takes one block of revisions per
        push under its counter row's lock, held only for the write-out and the commit. A
        provisional number is greater than every final one, and the store also replaces it in
        what it stores (records, field authors, conflicts, results); what the engine hands out
        goes through `final_revision` after the commit. A rolled-back transaction may leave a
        gap; gaps are harmless.
        """
        ...

    def final_revision(self, revision: int) -> int:
        """The final number of a revision this store handed out in a transaction that has
        committed since (a final revision is returned unchanged; so is a provisional one whose
        transaction, a batch the caller opened, has not committed yet)."""
        ...

    async def put_record(self, record: StoredRecord) -> None:
        """Insert or replace the record (key: collection, id), with `record.revision` already
        set from `next_revision()`."""
        ...

    async def add_conflicts(self, entries: Sequence[ConflictEntry]) -> None:
        """Append rows to the conflict log."""
        ...

    async def add_events(self, events: Sequence[Event]) -> None:
        """Append events emitted by the handlers of this transaction's mutation."""
        ...

    async def changes_after(
        self,
        revision: int,
        through: int,
        sites: frozenset[str],
        collections: frozenset[str],
        limit: int,
    ) -> list[PulledRecord]:
        """Records (live and tombstones) with `revision` < revision <= `through` (the
        `max_revision` of an `info` read before: above it a revision may be committed while a
        lower one is still in flight), whose collection is in
        `collections` and whose `seen_sites` share at least one site with `sites`, ordered by
        revision ascending, at most `limit` of them. Reads committed data only."""
        ...

    async def info(self) -> StoreInfo:
        """The store's epoch (a random id made when the store was created, new on a restore),
        the revision a pull may read through (every revision up to it that will ever be
        committed is committed and visible to a `changes_after` call made afterwards: the
        committed counter value where writers commit in revision order, else the lowest
        revision a writer still in flight may commit, less one) and the
        purge watermark (the highest revision of any purged tombstone, 0 if none)."""
        ...

    async def purge_tombstones(self, deleted_before_ms: int) -> int:
        """Atomically (its own transaction, not inside `transaction()`) delete tombstones with
        `deleted_at_ms < deleted_before_ms` and raise the purge watermark to the highest
        revision among them. Returns how many were purged."""
        ...
