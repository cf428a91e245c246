"""The sync engine: applies pushed mutations exactly once and in order, and serves pulls."""

from __future__ import annotations

import hashlib
import re
import time
from collections.abc import Awaitable, Callable, Iterable, Mapping, Sequence
from typing import Any, Protocol

from ._conflicts import DISMISSED_BY, ConflictsHandler, iso_time
from ._cursor import CursorData, decode_cursor, encode_cursor, scope_fingerprint
from ._errors import BadLimit, DeviceMismatch, Refusal, StoreContention
from ._handlers import ALL_SITES, Actor, Handler, MutationContext, Write
from ._hlc import SERVER_NODE, BadStamp, Clock, clamp, is_node, parse_stamp, successor
from ._merge import FieldState, Loss, incoming_state, merge
from ._store import (
    ConflictEntry,
    DeviceState,
    FieldAuthor,
    Store,
    StoredRecord,
    StoredResult,
    photo_hashes,
)
from ._wire import (
    NO_FIELDS,
    Change,
    Conflict,
    ErrorInfo,
    Mutation,
    MutationResult,
    PullResponse,
    PushResponse,
    Status,
)

DEFAULT_PULL_LIMIT = 500
# A push rolled back for contention (StoreContention) is run again, this many times at most.
_PUSH_ATTEMPTS = 5
MAX_PULL_LIMIT = 1000
DEFAULT_TOMBSTONE_HORIZON_MS = 90 * 24 * 60 * 60 * 1000
_MAX_RECORD_ID_CHARS = 200
_COLLECTION_RE = re.compile(r"[a-z][a-z0-9_]*")
# Upsert args that are not fields: the revision of the record the device had pulled when it
# made the edit, and the conflict a "keep mine" edit settles. The engine takes them out.
BASE_REVISION = "base_revision"
RESOLVES = "resolves"
_NOT_FIELDS = frozenset({"id", BASE_REVISION, RESOLVES})
# The revision of an author whose write has not been given one yet (see _write_records).
_PENDING = -1
_SERVER_AUTHOR = FieldAuthor(_PENDING, "", SERVER_NODE)

_Key = tuple[str, str]
# (context, the record about to be written, hashes it names that it did not hold before):
# raises Refusal when the actor may not name one of them (see SyncEngine's photo_check).
PhotoCheck = Callable[[MutationContext, StoredRecord, frozenset[str]], Awaitable[None]]


class Access(Protocol):
    """Who may send which mutation and pull which collection: the server's policy, asked
    before a handler sees a mutation and when a pull picks its collections. Without one,
    every actor may do and pull everything (the handlers' own rules still apply)."""

    def may_send(self, actor: Actor, collection: str, intent: str) -> bool: ...

    def may_pull(self, actor: Actor, collection: str) -> bool: ...


def _holds_nul(value: Any) -> bool:
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, dict):
        return any(_holds_nul(k) or _holds_nul(v) for k, v in value.items())
    if isinstance(value, list):
        return any(_holds_nul(v) for v in value)
    return False


def _wall_clock_ms() -> int:
    return time.time_ns() // 1_000_000


def _rejected(mutation_id: str, refusal: Refusal) -> MutationResult:
    error = ErrorInfo(refusal.code, refusal.message, refusal.field, refusal.params)
    return MutationResult(id=mutation_id, status="rejected", error=error)


def _record_id(args: Mapping[str, Any]) -> str:
    value = args.get("id")
    if not isinstance(value, str) or not value or len(value) > _MAX_RECORD_ID_CHARS:
        raise Refusal("invalid_args", "id must be a non-empty string", "id")
    return value


def _base_revision(args: Mapping[str, Any]) -> int | None:
    if BASE_REVISION not in args:
        return None
    value = args[BASE_REVISION]
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= 2**53 - 1:
        raise Refusal("invalid_args", "base_revision must be an integer >= 0", BASE_REVISION)
    return value


def _resolves(args: Mapping[str, Any]) -> str | None:
    if RESOLVES not in args:
        return None
    value = args[RESOLVES]
    if not isinstance(value, str) or not value or len(value) > _MAX_RECORD_ID_CHARS:
        raise Refusal("invalid_args", "resolves must name a conflict", RESOLVES)
    return value


def _field_revision(record: StoredRecord, name: str) -> int:
    author = record.authors.get(name)
    return author.revision if author is not None else 0


def _conflict_id(mutation_id: str, key: _Key, field: str) -> str:
    # One conflict per (arriving mutation, record, field): a stable id, so a retried
    # transaction cannot make a second record.
    digest = hashlib.sha256(f"{mutation_id}/{key[0]}/{key[1]}/{field}".encode()).hexdigest()
    return f"{digest[:8]}-{digest[8:12]}-{digest[12:16]}-{digest[16:20]}-{digest[20:32]}"


def _newest_stamp(record: StoredRecord) -> str:
    stamps = list(record.stamps.values())
    for elements in record.set_state.values():
        for add, remove in elements.values():
            stamps += (add, remove)
    return max(stamps, default="")


class _Plan:
    """The records one mutation will write, worked out before any revision is taken."""

    def __init__(self, store: Store) -> None:
        self._store = store
        self.records: dict[_Key, StoredRecord | None] = {}
        # Insertion-ordered set of keys whose state changed: each gets one revision.
        self.changed: dict[_Key, None] = {}
        self.losses: list[tuple[_Key, Loss]] = []
        # Concurrent edits found, for the conflict log; revisions are filled in at write time.
        self.concurrent: list[tuple[_Key, ConflictEntry]] = []
        self.primary: _Key | None = None
        # The highest stamp the device's edit was written with (raised past what it had seen).
        self.device_stamp = ""

    async def load(self, key: _Key) -> StoredRecord | None:
        # Reads go through the plan so that several writes to one record in one mutation
        # build on each other and the record still gets a single revision.
        if key not in self.records:
            self.records[key] = await self._store.get_record(*key)
        return self.records[key]

    def put(self, record: StoredRecord) -> None:
        key = (record.collection, record.id)
        self.records[key] = record
        self.changed[key] = None


class SyncEngine:
    """Applies mutations through collection handlers and serves pulls (protocol v1).

    One engine per process; several processes may share a store (see Store.next_revision).
    """

    def __init__(
        self,
        store: Store,
        handlers: Iterable[Handler],
        *,
        cursor_secret: bytes,
        now_ms: Callable[[], int] = _wall_clock_ms,
        tombstone_horizon_ms: int = DEFAULT_TOMBSTONE_HORIZON_MS,
        photo_check: PhotoCheck | None = None,
        access: Access | None = None,
    ) -> None:
        if len(cursor_secret) < 16:
            raise ValueError("cursor_secret needs at least 16 bytes")
        self._store = store
        self._secret = cursor_secret
        self._now_ms = now_ms
        self._horizon_ms = tombstone_horizon_ms
        # Asked before a mutation writes a record that names photos it did not hold: who may
        # name which photo is the server's rule (a photo's hash must not be a key to it).
        self._photo_check = photo_check
        self._access = access
        self._handlers: dict[str, Handler] = {}
        self._conflicts: ConflictsHandler | None = None
        for handler in handlers:
            name = getattr(handler, "collection", "")
            if not isinstance(name, str) or not _COLLECTION_RE.fullmatch(name):
                raise ValueError(f"handler {handler!r} needs a collection name like 'notes'")
            if name in self._handlers:
                raise ValueError(f"collection {name!r} is registered twice")
            self._handlers[name] = handler
            if isinstance(handler, ConflictsHandler):
                if self._conflicts is not None:
                    raise ValueError("only one conflicts collection may be registered")
                self._conflicts = handler
        # The server's own clock: it takes in every accepted stamp, so a stamp it gives
        # (server_write) sorts after everything this process has seen.
        self.clock = Clock(SERVER_NODE, now_ms)

    # ---- push ---------------------------------------------------------------------------

    async def push(
        self, actor: Actor, device_id: str, mutations: Sequence[Mutation]
    ) -> PushResponse:
        """Process a device's batch; results come back in the order of `mutations`.

        Raises DeviceMismatch if the device is bound to another user. Each mutation is
        processed in its own transaction (atomic alone), in seq order, inside the store's
        batch; results are returned only after the batch has committed. A batch the store
        rolled back for contention (StoreContention) is run again from the start.
        """
        if not is_node(device_id) or device_id == SERVER_NODE:
            raise ValueError("device_id must be a lower-case uuid")
        for attempt in range(1, _PUSH_ATTEMPTS + 1):
            try:
                results, applied_through = await self._push_batch(actor, device_id, mutations)
                break
            except StoreContention:
                if attempt == _PUSH_ATTEMPTS:
                    raise
        # The batch has committed: only now may the results leave (rule 2).
        for result in results:
            if result.revision is not None:
                result.revision = self._store.final_revision(result.revision)
        return PushResponse(results, applied_through)

    async def _push_batch(
        self, actor: Actor, device_id: str, mutations: Sequence[Mutation]
    ) -> tuple[list[MutationResult], int]:
        results: list[MutationResult | None] = [None] * len(mutations)
        async with self._store.batch():
            # The device (locked for the batch) and the results of every mutation id of the
            # batch are read once; the batch keeps both up to date as it goes.
            device = await self._bind_device(actor, device_id)
            priors = await self._store.get_results([m.id for m in mutations])
            await self._store.get_records(self._named_records(mutations))
            blocked = False
            for index in sorted(range(len(mutations)), key=lambda i: mutations[i].seq):
                mutation = mutations[index]
                result, device, stored = await self._process(
                    actor, device, mutation, priors.get(mutation.id), blocked
                )
                if stored is not None:
                    priors[mutation.id] = stored
                # After a gap nothing is processed: the device resends from applied_through+1.
                blocked = blocked or result.status == "deferred"
                results[index] = result
        return [r for r in results if r is not None], device.applied_through

    def _named_records(self, mutations: Sequence[Mutation]) -> list[_Key]:
        """The records the mutations name by their `id` argument (what most of them change)."""
        keys = []
        for mutation in mutations:
            collection, _, _ = mutation.name.partition(".")
            record_id = mutation.args.get("id")
            if collection not in self._handlers or not isinstance(record_id, str):
                continue
            if 0 < len(record_id) <= _MAX_RECORD_ID_CHARS:
                keys.append((collection, record_id))
        return keys

    async def _bind_device(self, actor: Actor, device_id: str) -> DeviceState:
        async with self._store.transaction():
            device = await self._store.get_device(device_id)
            if device is None:
                device = DeviceState(device_id=device_id, user_id=actor.user_id)
                await self._store.put_device(device)
            elif device.user_id != actor.user_id:
                raise DeviceMismatch(f"device {device_id} belongs to another user")
        return device

    async def _process(
        self,
        actor: Actor,
        device: DeviceState,
        mutation: Mutation,
        prior: StoredResult | None,
        blocked: bool,
    ) -> tuple[MutationResult, DeviceState, StoredResult | None]:
        stored: StoredResult | None = None
        expected = device.applied_through + 1
        if prior is not None:
            return self._duplicate(prior, device.device_id), device, None
        if blocked or mutation.seq > expected:
            message = f"seq {mutation.seq} is ahead; expected seq {expected}"
            result = MutationResult(
                id=mutation.id, status="deferred", error=ErrorInfo("seq_gap", message)
            )
            return result, device, None
        async with self._store.transaction():
            if mutation.seq < expected:
                message = f"seq {mutation.seq} was already used; expected seq {expected}"
                result = _rejected(mutation.id, Refusal("seq_reused", message))
                stored = StoredResult(
                    mutation_id=mutation.id,
                    device_id=device.device_id,
                    seq=mutation.seq,
                    result=result,
                )
                await self._store.put_result(stored)
            else:
                result, device, stored = await self._apply(actor, device, mutation)
        return result, device, stored

    @staticmethod
    def _duplicate(prior: StoredResult, device_id: str) -> MutationResult:
        first = prior.result
        if prior.device_id != device_id:
            # A uuid another device already used: not this device's mutation to answer for.
            refusal = Refusal("duplicate_id", "this mutation id was used by another device")
            return _rejected(first.id, refusal)
        return MutationResult(
            id=first.id,
            status="duplicate",
            revision=first.revision,
            conflicts=first.conflicts,
            error=first.error,
        )

    async def _apply(
        self, actor: Actor, device: DeviceState, mutation: Mutation
    ) -> tuple[MutationResult, DeviceState, StoredResult]:
        now = self._now_ms()
        last_hlc = device.last_hlc
        try:
            stamp = self._effective_stamp(device, mutation.hlc, now)
            last_hlc = stamp
            ctx = MutationContext(
                actor=actor,
                device_id=device.device_id,
                mutation_id=mutation.id,
                name=mutation.name,
                stamp=stamp,
                now_ms=now,
                store=self._store,
            )
            plan = await self._plan(ctx, mutation)
            last_hlc = max(last_hlc, plan.device_stamp)
        except Refusal as refusal:
            # Final like any result: recorded, and it moves applied_through on.
            result = _rejected(mutation.id, refusal)
        else:
            result = await self._write(plan, ctx)
        stored = StoredResult(
            mutation_id=mutation.id,
            device_id=device.device_id,
            seq=mutation.seq,
            result=result,
            name=mutation.name,
            user_id=actor.user_id,
            hlc=mutation.hlc,
        )
        await self._store.put_result(stored)
        device = DeviceState(
            device_id=device.device_id,
            user_id=device.user_id,
            applied_through=mutation.seq,
            last_hlc=last_hlc,
        )
        await self._store.put_device(device)
        return result, device, stored

    def _effective_stamp(self, device: DeviceState, hlc: str, now: int) -> str:
        try:
            node = parse_stamp(hlc).node
        except BadStamp as exc:
            raise Refusal("bad_hlc", str(exc), "hlc") from exc
        if node != device.device_id:
            raise Refusal("bad_hlc", "the stamp's node is not this device", "hlc")
        stamp = clamp(hlc, now)
        # A device's own edits must keep their order even when clamping folded several of
        # them onto one server millisecond (or a buggy device clock went back): never let a
        # device's effective stamps go backwards. This depends only on the device's own
        # stream, so the outcome stays independent of how devices interleave.
        if device.last_hlc and stamp <= device.last_hlc:
            stamp = successor(device.last_hlc)
        self.clock.receive(stamp)
        return stamp

    async def _plan(self, ctx: MutationContext, mutation: Mutation) -> _Plan:
        collection, dot, intent = mutation.name.partition(".")
        handler = self._handlers.get(collection) if dot else None
        if handler is None or not (intent in {"upsert", "delete"} or intent in handler.intents):
            raise Refusal("unknown_mutation", f"{mutation.name!r:.100} is not a known mutation")
        if self._access is not None and not self._access.may_send(ctx.actor, collection, intent):
            raise Refusal("forbidden", f"your role may not send {mutation.name}")
        args = mutation.args
        for name, value in args.items():
            if _holds_nul(name) or _holds_nul(value):
                # No database text holds it (PostgreSQL refuses it): refused here, alone,
                # instead of failing the device's whole batch at the write-out.
                raise Refusal("invalid_args", "text may not contain the NUL character", name)
        plan = _Plan(self._store)
        author = FieldAuthor(_PENDING, ctx.actor.user_id, ctx.device_id)
        if intent == "upsert":
            await self._plan_upsert(plan, handler, ctx, args, author)
        elif intent == "delete":
            await self._plan_delete(plan, handler, ctx, args)
        else:
            current = None
            if isinstance(args.get("id"), str):
                plan.primary = (collection, args["id"])
                current = await plan.load(plan.primary)
                current = None if current is None or current.deleted else current
            for write in await handler.apply(ctx, intent, args, current):
                await self._plan_write(plan, write, ctx.stamp, ctx.now_ms, author)
        if self._photo_check is not None:
            await self._check_photos(plan, ctx)
        return plan

    async def _check_photos(self, plan: _Plan, ctx: MutationContext) -> None:
        assert self._photo_check is not None
        for key in plan.changed:
            handler = self._handlers.get(key[0])
            record = plan.records[key]
            if handler is None or not handler.photo_fields or record is None:
                continue
            # Nothing is written yet: the store still holds the record as it was.
            before = photo_hashes(await self._store.get_record(*key), handler.photo_fields)
            added = photo_hashes(record, handler.photo_fields) - before
            if added:
                await self._photo_check(ctx, record, added)

    async def _plan_upsert(
        self,
        plan: _Plan,
        handler: Handler,
        ctx: MutationContext,
        args: Mapping[str, Any],
        author: FieldAuthor,
    ) -> None:
        record_id = _record_id(args)
        base = _base_revision(args)
        resolves = _resolves(args)
        values = {name: value for name, value in args.items() if name not in _NOT_FIELDS}
        for name in values:
            if name in handler.server_owned_fields:
                raise Refusal("server_owned_field", f"{name} is set by the server only", name)
        key = plan.primary = (handler.collection, record_id)
        current = await plan.load(key)
        if current is not None:
            self._check_live(handler, ctx.actor, current)
        # The device's own plain fields: the edits that can be concurrent with others.
        edited = {n: v for n, v in values.items() if n not in handler.set_fields}
        values.update(await handler.check_upsert(ctx, record_id, values, current))
        stamp = ctx.stamp
        if base is not None and current is not None:
            stamp = self._after_seen(current, edited, base, ctx.device_id, stamp)
        plan.device_stamp = stamp
        record = await self._merge_into(plan, handler, key, values, stamp, author)
        if not ctx.actor.may_see(record.sites):
            raise Refusal("forbidden", "the record would be outside your sites")
        if current is not None:
            await self._find_concurrent(plan, ctx, key, current, record, edited, base, stamp)
        if resolves is not None:
            await self._plan_resolution(plan, ctx, key, edited, resolves)

    def _after_seen(
        self, current: StoredRecord, edited: Mapping[str, Any], base: int, node: str, stamp: str
    ) -> str:
        """The edit's stamp, raised past the stamps of the values it replaces that the device
        had pulled (written at or before `base`): an edit made after seeing a value is newer
        than it, whatever the two phones' clocks say (as if the device's clock had taken in
        the pulled stamps). So "keep mine" and every other sequential edit win."""
        seen = [
            current.stamps[name]
            for name in edited
            if name in current.stamps and _field_revision(current, name) <= base
        ]
        newest = max(seen, default="")
        if newest < stamp:
            return stamp
        raised = successor(newest, node)
        self.clock.receive(raised)
        return raised

    async def _find_concurrent(
        self,
        plan: _Plan,
        ctx: MutationContext,
        key: _Key,
        current: StoredRecord,
        record: StoredRecord,
        edited: Mapping[str, Any],
        base: int | None,
        stamp: str,
    ) -> None:
        """Log each field this upsert changes whose stored value another person wrote after
        the edit's base: the two edits were made without seeing each other, whichever
        arrived first and whichever won. Without a base (an older app) the only sign is a
        loss, as before bases existed. Same person (another phone of theirs) and server
        decisions are no conflict: nobody else's work was replaced."""
        me = ctx.actor.user_id
        for name, value in edited.items():
            if name not in current.stamps or current.fields.get(name) == value:
                continue
            other = current.authors.get(name, FieldAuthor(0, "", ""))
            if other.user_id == me or other.device_id == SERVER_NODE:
                continue
            won = record.stamps.get(name) == stamp and record.fields.get(name) == value
            if not (other.revision > base if base is not None else not won):
                continue
            theirs = (current.fields.get(name), current.stamps[name], other.user_id)
            mine = (value, stamp, me)
            kept, discarded = (mine, theirs) if won else (theirs, mine)
            kept_device, discarded_device = (
                (ctx.device_id, other.device_id) if won else (other.device_id, ctx.device_id)
            )
            entry = ConflictEntry(
                conflict_id=_conflict_id(ctx.mutation_id, key, name),
                mutation_id=ctx.mutation_id,
                device_id=ctx.device_id,
                user_id=me,
                collection=key[0],
                record_id=key[1],
                field=name,
                kept=kept[0],
                discarded=discarded[0],
                kept_stamp=kept[1],
                discarded_stamp=discarded[1],
                kept_by=kept[2],
                kept_device=kept_device,
                discarded_by=discarded[2],
                discarded_device=discarded_device,
                revision=None,
                at_ms=ctx.now_ms,
            )
            plan.concurrent.append((key, entry))
            if self._conflicts is not None:
                conflict_key = (self._conflicts.collection, entry.conflict_id)
                fields = await self._conflicts.record_fields(entry, record)
                stamp_now = await self._decision_stamp(plan, conflict_key)
                await self._merge_into(
                    plan, self._conflicts, conflict_key, fields, stamp_now, _SERVER_AUTHOR
                )

    async def _plan_resolution(
        self, plan: _Plan, ctx: MutationContext, edited_key: _Key, edited: dict[str, Any], cid: str
    ) -> None:
        """A "keep mine" edit names the conflict it settles: the conflict record says who
        settled it, when and with which value, and is unread again for everyone else in it."""
        handler = self._conflicts
        conflict = await plan.load((handler.collection, cid)) if handler is not None else None
        if handler is None or conflict is None or conflict.deleted:
            raise Refusal("invalid_args", "resolves names no conflict", RESOLVES)
        if not ctx.actor.may_see(conflict.sites):
            raise Refusal("forbidden", "this conflict is not yours to settle", RESOLVES)
        about = conflict.fields
        field = about.get("field")
        if (about.get("collection"), about.get("record_id")) != edited_key or field not in edited:
            raise Refusal("invalid_args", "the edit does not change the conflict's field", RESOLVES)
        me = ctx.actor.user_id
        people = {about.get("kept_by"), about.get("discarded_by")}
        others = sorted(p for p in people if isinstance(p, str) and p and p != me)
        fields = {
            "resolved_by": me,
            "resolved_at": iso_time(ctx.now_ms),
            "resolved_value": edited[field],
            DISMISSED_BY: {"add": [me], "remove": others},
        }
        key = (handler.collection, cid)
        await self._merge_into(
            plan, handler, key, fields, await self._decision_stamp(plan, key), _SERVER_AUTHOR
        )

    async def _plan_delete(
        self, plan: _Plan, handler: Handler, ctx: MutationContext, args: Mapping[str, Any]
    ) -> None:
        record_id = _record_id(args)
        for name in args:
            if name != "id":
                raise Refusal("invalid_args", "delete takes only an id", name)
        if handler.append_only:
            raise Refusal("append_only", f"{handler.collection} records are never deleted")
        key = plan.primary = (handler.collection, record_id)
        current = await plan.load(key)
        if current is not None and current.deleted:
            # Deleting twice is not an error (two devices may both delete), but only for those
            # who could have deleted it.
            if current.sites and not ctx.actor.may_see(current.sites):
                raise Refusal("forbidden", "the record is outside your sites")
            await handler.check_delete(ctx, None)
            return
        if current is not None:
            self._check_live(handler, ctx.actor, current)
        await handler.check_delete(ctx, current)
        # Deleting an id never seen still leaves a tombstone, so a delete wins over the
        # record's creation whichever order they arrive in.
        plan.put(self._tombstone(key, current, ctx.now_ms))

    @staticmethod
    def _check_live(handler: Handler, actor: Actor, current: StoredRecord) -> None:
        if current.deleted:
            raise Refusal("record_deleted", "the record was deleted")
        if not actor.may_see(current.sites):
            raise Refusal("forbidden", "the record is outside your sites")
        if handler.append_only:
            raise Refusal("append_only", f"{handler.collection} records are never changed")
        if handler.is_locked(current.fields):
            raise Refusal("record_locked", "the record is locked")

    async def _plan_write(
        self, plan: _Plan, write: Write, stamp: str, now: int, author: FieldAuthor
    ) -> None:
        handler = self._handlers.get(write.collection)
        if handler is None:  # a handler bug, not the device's fault
            raise ValueError(f"write to unregistered collection {write.collection!r}")
        key = (write.collection, write.id)
        if write.delete:
            if handler.append_only:
                raise Refusal("append_only", f"{handler.collection} records are never deleted")
            current = await plan.load(key)
            if current is None or not current.deleted:
                plan.put(self._tombstone(key, current, now))
        else:
            if write.decided:
                stamp, author = await self._decision_stamp(plan, key), _SERVER_AUTHOR
            await self._merge_into(plan, handler, key, write.fields, stamp, author)

    async def _decision_stamp(self, plan: _Plan, key: _Key) -> str:
        record = await plan.load(key)
        newest = _newest_stamp(record) if record is not None else ""
        if newest:
            self.clock.receive(newest)
        return self.clock.tick()

    async def _merge_into(
        self,
        plan: _Plan,
        handler: Handler,
        key: _Key,
        values: Mapping[str, Any],
        stamp: str,
        author: FieldAuthor,
    ) -> StoredRecord:
        current = await plan.load(key)
        if current is not None and current.deleted:
            raise Refusal("record_deleted", "the record was deleted")
        if current is not None and handler.append_only:
            raise Refusal("append_only", f"{handler.collection} records are never changed")
        base = current.field_state() if current is not None else FieldState()
        merged = merge(base, incoming_state(values, stamp, handler.set_fields))
        sites = handler.sites_of(merged.state.fields)
        authors = dict(current.authors) if current is not None else {}
        for name, field_stamp in merged.state.stamps.items():
            if field_stamp == stamp:  # this write's value stands
                authors[name] = author
        record = StoredRecord(
            collection=key[0],
            id=key[1],
            fields=merged.state.fields,
            stamps=merged.state.stamps,
            set_state=merged.state.set_state,
            sites=sites,
            seen_sites=sites | (current.seen_sites if current is not None else frozenset()),
            revision=current.revision if current is not None else 0,
            authors=authors,
        )
        plan.losses.extend((key, loss) for loss in merged.losses)
        if merged.changed or current is None or record.seen_sites != current.seen_sites:
            plan.put(record)
        else:
            plan.records[key] = record
        return record

    @staticmethod
    def _tombstone(key: _Key, current: StoredRecord | None, now: int) -> StoredRecord:
        # Fields go; sites stay so that the record's viewers are told it is gone.
        return StoredRecord(
            collection=key[0],
            id=key[1],
            deleted=True,
            sites=current.sites if current is not None else frozenset(),
            seen_sites=current.seen_sites if current is not None else frozenset(),
            revision=current.revision if current is not None else 0,
            deleted_at_ms=now,
        )

    async def _write(self, plan: _Plan, ctx: MutationContext) -> MutationResult:
        revision = await self._write_records(plan)
        entries = []
        for key, entry in plan.concurrent:
            entry.revision = self._revision_of(plan, key)
            entries.append(entry)
        if entries:
            await self._store.add_conflicts(entries)
        if ctx.events:
            await self._store.add_events(ctx.events)
        conflicts = [
            Conflict(
                field=loss.field if key == plan.primary else f"{key[0]}/{key[1]}/{loss.field}",
                kept=loss.kept,
                discarded=loss.discarded,
                why="newer_edit",
            )
            for key, loss in plan.losses
        ]
        # Every field losing is still `merged`, not rejected: the mutation was taken.
        status: Status = "merged" if conflicts else "applied"
        return MutationResult(
            id=ctx.mutation_id, status=status, revision=revision, conflicts=conflicts
        )

    @staticmethod
    def _revision_of(plan: _Plan, key: _Key) -> int | None:
        record = plan.records.get(key)
        return record.revision if record is not None and record.revision else None

    async def _write_records(self, plan: _Plan) -> int | None:
        """Give each changed record one revision and store it; returns the mutation's
        revision (the highest taken, else the primary record's current one). Conflict
        records the engine writes about the mutation do not count: a mutation whose values
        all lost still answers with its record's revision."""
        revision: int | None = None
        noted = self._conflicts.collection if self._conflicts is not None else None
        for key in plan.changed:
            record = plan.records[key]
            assert record is not None
            # As late as possible: all reads and checks are done (see Store.next_revision).
            record.revision = taken = await self._store.next_revision()
            for name, author in record.authors.items():
                if author.revision == _PENDING:
                    record.authors[name] = FieldAuthor(taken, author.user_id, author.device_id)
            await self._store.put_record(record)
            if key[0] != noted or key == plan.primary:
                revision = taken
        if revision is None and plan.primary is not None:
            revision = self._revision_of(plan, plan.primary)
        return revision

    # ---- writes made by the server itself ----------------------------------------------

    async def server_write(self, writes: Sequence[Write]) -> int | None:
        """Apply writes made by the server (e.g. an approval), in one transaction, stamped by
        the server clock after every stamp already on the touched records, so they win.
        Handler rules are not checked (the caller is trusted); a Refusal (append-only record,
        deleted record) is raised and nothing is written. Returns the highest revision taken,
        None if nothing changed (called inside a batch the caller opened, a store may still
        answer a provisional number: see Store.final_revision)."""
        async with self._store.transaction():
            plan = _Plan(self._store)
            for write in writes:
                record = await plan.load((write.collection, write.id))
                newest = _newest_stamp(record) if record is not None else ""
                if newest:
                    self.clock.receive(newest)
            stamp = self.clock.tick()
            now = self._now_ms()
            for write in writes:
                await self._plan_write(plan, write, stamp, now, _SERVER_AUTHOR)
            revision = await self._write_records(plan)
        return self._store.final_revision(revision) if revision is not None else None

    # ---- pull ---------------------------------------------------------------------------

    async def pull(
        self, actor: Actor, cursor: str | None = None, limit: int = DEFAULT_PULL_LIMIT
    ) -> PullResponse:
        """Changes visible to `actor` after `cursor` (None: from the start), oldest first.

        Raises BadCursor for a cursor this server did not sign and BadLimit for a limit
        outside 1..MAX_PULL_LIMIT. Answers `reset: true` (and changes from the start) when the
        cursor is from another epoch, ahead of the store, made under another scope, or older
        than purged tombstones.
        """
        if isinstance(limit, bool) or not isinstance(limit, int):
            raise BadLimit("limit must be an integer")
        if not 1 <= limit <= MAX_PULL_LIMIT:
            raise BadLimit(f"limit must be between 1 and {MAX_PULL_LIMIT}")
        scope = scope_fingerprint(actor.scope, actor.roles)
        given = decode_cursor(cursor, self._secret) if cursor is not None else None
        # Read before the changes: every revision up to info.max_revision is committed and
        # will be seen by changes_after, so the cursor may move up to it (rule 5).
        info = await self._store.info()
        after, reset = 0, False
        if given is not None:
            # Any scope change resets: growth needs the new sites' records, shrinking needs
            # the old ones removed, and a fingerprint can only tell "same" or "different".
            reset = (
                given.epoch != info.epoch
                or given.revision > info.max_revision
                or given.scope != scope
                or given.revision < info.purge_watermark
            )
            after = 0 if reset else given.revision
        sites = actor.scope | {ALL_SITES}
        collections = frozenset(
            name
            for name in self._handlers
            if self._access is None or self._access.may_pull(actor, name)
        )
        rows = await self._store.changes_after(
            after, info.max_revision, sites, collections, limit + 1
        )
        has_more = len(rows) > limit
        rows = rows[:limit]
        changes: list[Change] = []
        for row in rows:
            visible = not row.deleted and actor.may_see(row.sites)
            if not visible and after == 0:
                continue  # from scratch the device holds nothing to remove
            changes.append(
                Change(
                    collection=row.collection,
                    id=row.id,
                    revision=row.revision,
                    deleted=not visible,
                    fields=row.fields if visible else NO_FIELDS,
                )
            )
        through = rows[-1].revision if has_more else info.max_revision
        token = encode_cursor(CursorData(info.epoch, through, scope), self._secret)
        return PullResponse(changes=changes, cursor=token, has_more=has_more, reset=reset)

    async def purge_tombstones(self) -> int:
        """Forget tombstones older than the horizon; older cursors then get `reset: true`."""
        return await self._store.purge_tombstones(self._now_ms() - self._horizon_ms)
