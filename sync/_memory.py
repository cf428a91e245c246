"""An in-memory Store for tests: transactions buffer their writes and apply them on commit."""

from __future__ import annotations

import asyncio
import secrets
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, TypeVar

import msgspec

from ._store import (
    ConflictEntry,
    DeviceState,
    Event,
    PulledRecord,
    Store,
    StoredRecord,
    StoredResult,
    StoreInfo,
)

T = TypeVar("T")


def _copy(value: T) -> T:
    # A JSON round trip, not deepcopy: it also proves every stored value is JSON, as the SQL
    # store needs, and no caller can change stored state through a reference it kept.
    return msgspec.json.decode(msgspec.json.encode(value), type=type(value))


@dataclass
class _Txn:
    devices: dict[str, DeviceState] = field(default_factory=dict)
    results: dict[str, StoredResult] = field(default_factory=dict)
    records: dict[tuple[str, str], StoredRecord] = field(default_factory=dict)
    conflicts: list[ConflictEntry] = field(default_factory=list)
    events: list[Event] = field(default_factory=list)
    revision: int | None = None


class MemoryStore:
    """A Store held in dicts. Transactions are serialized by an asyncio.Lock, like SQLite's
    single writer; reads outside a transaction see committed state only."""

    def __init__(self, epoch: str | None = None) -> None:
        self._epoch = epoch if epoch is not None else secrets.token_hex(16)
        self._lock = asyncio.Lock()
        self._txn: ContextVar[_Txn | None] = ContextVar(f"memory-store-{id(self)}", default=None)
        self.devices: dict[str, DeviceState] = {}
        self.results: dict[str, StoredResult] = {}
        self.records: dict[tuple[str, str], StoredRecord] = {}
        self.conflicts: list[ConflictEntry] = []
        self.events: list[Event] = []
        self.revision = 0
        self.purge_watermark = 0

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[None]:
        if self._txn.get() is not None:
            raise RuntimeError("MemoryStore transactions do not nest")
        async with self._lock:
            txn = _Txn()
            token = self._txn.set(txn)
            try:
                yield
            finally:
                self._txn.reset(token)
            # Reached only when the block did not raise: commit.
            self.devices.update(txn.devices)
            self.results.update(txn.results)
            self.records.update(txn.records)
            self.conflicts.extend(txn.conflicts)
            self.events.extend(txn.events)
            if txn.revision is not None:
                self.revision = txn.revision

    @asynccontextmanager
    async def batch(self) -> AsyncIterator[None]:
        # Each transaction commits on its own here: nothing to group.
        yield

    def _writing(self) -> _Txn:
        txn = self._txn.get()
        if txn is None:
            raise RuntimeError("MemoryStore writes need a transaction")
        return txn

    async def get_device(self, device_id: str) -> DeviceState | None:
        txn = self._txn.get()
        found = txn.devices.get(device_id) if txn else None
        if found is None:
            found = self.devices.get(device_id)
        return None if found is None else _copy(found)

    async def put_device(self, device: DeviceState) -> None:
        self._writing().devices[device.device_id] = _copy(device)

    async def get_result(self, mutation_id: str) -> StoredResult | None:
        txn = self._txn.get()
        found = txn.results.get(mutation_id) if txn else None
        if found is None:
            found = self.results.get(mutation_id)
        return None if found is None else _copy(found)

    async def get_results(self, mutation_ids: Sequence[str]) -> dict[str, StoredResult]:
        found = {}
        for mutation_id in mutation_ids:
            stored = await self.get_result(mutation_id)
            if stored is not None:
                found[mutation_id] = stored
        return found

    async def get_records(self, keys: Sequence[tuple[str, str]]) -> None:
        return None  # reads are dictionary look-ups here

    def final_revision(self, revision: int) -> int:
        return revision  # numbers are final when handed out

    async def put_result(self, stored: StoredResult) -> None:
        txn = self._writing()
        if stored.mutation_id in self.results or stored.mutation_id in txn.results:
            raise RuntimeError(f"mutation {stored.mutation_id} already has a result")
        txn.results[stored.mutation_id] = _copy(stored)

    async def get_record(self, collection: str, record_id: str) -> StoredRecord | None:
        txn = self._txn.get()
        key = (collection, record_id)
        found = txn.records.get(key) if txn else None
        if found is None:
            found = self.records.get(key)
        return None if found is None else _copy(found)

    async def next_revision(self) -> int:
        txn = self._writing()
        txn.revision = (txn.revision if txn.revision is not None else self.revision) + 1
        return txn.revision

    async def put_record(self, record: StoredRecord) -> None:
        txn = self._writing()
        if txn.revision is None or not self.revision < record.revision <= txn.revision:
            raise RuntimeError("put_record needs a revision from next_revision()")
        txn.records[(record.collection, record.id)] = _copy(record)

    async def add_conflicts(self, entries: Sequence[ConflictEntry]) -> None:
        self._writing().conflicts.extend(_copy(e) for e in entries)

    async def add_events(self, events: Sequence[Event]) -> None:
        self._writing().events.extend(_copy(e) for e in events)

    async def changes_after(
        self,
        revision: int,
        through: int,
        sites: frozenset[str],
        collections: frozenset[str],
        limit: int,
    ) -> list[PulledRecord]:
        rows = [
            r
            for r in self.records.values()
            if revision < r.revision <= through
            and r.collection in collections
            and r.seen_sites & sites
        ]
        rows.sort(key=lambda r: r.revision)
        return [
            PulledRecord(
                collection=r.collection,
                id=r.id,
                fields=msgspec.Raw(msgspec.json.encode(r.fields)),
                deleted=r.deleted,
                sites=r.sites,
                revision=r.revision,
            )
            for r in rows[:limit]
        ]

    async def info(self) -> StoreInfo:
        return StoreInfo(
            epoch=self._epoch, max_revision=self.revision, purge_watermark=self.purge_watermark
        )

    async def purge_tombstones(self, deleted_before_ms: int) -> int:
        async with self._lock:
            doomed = [
                key
                for key, r in self.records.items()
                if r.deleted and r.deleted_at_ms is not None and r.deleted_at_ms < deleted_before_ms
            ]
            for key in doomed:
                self.purge_watermark = max(self.purge_watermark, self.records.pop(key).revision)
            return len(doomed)

    def snapshot(self) -> dict[tuple[str, str], dict[str, Any]]:
        """Committed records as plain data, for tests to compare stores."""
        return {key: msgspec.to_builtins(r) for key, r in self.records.items()}


if TYPE_CHECKING:
    # mypy proves here that MemoryStore keeps the Store protocol.
    _conforms: Store = MemoryStore()
