"""Test kit for sync: toy handlers (notes, comments, memos), a fake clock and a device."""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from typing import Any

import msgspec

from sync import (
    Actor,
    Change,
    Clock,
    Handler,
    MemoryStore,
    Mutation,
    MutationContext,
    PullResponse,
    PushResponse,
    Refusal,
    StoredRecord,
    SyncEngine,
    Write,
)

SECRET = b"test-cursor-secret-0123456789"
NOW = 1_732_345_678_901  # a fixed server time (2024-11-23)
DAY_MS = 86_400_000


def new_id() -> str:
    return str(uuid.uuid4())


class FakeClock:
    """A settable wall clock in milliseconds."""

    def __init__(self, now: int = NOW) -> None:
        self.now = now

    def __call__(self) -> int:
        return self.now


class NotesHandler(Handler):
    """A note: title, body, status, site, a `tags` set, server-owned created_by; a closed
    note is locked; `notes.comment` adds an append-only comment; `notes.close` closes."""

    collection = "notes"
    set_fields = frozenset({"tags"})
    server_owned_fields = frozenset({"created_by", "closed_by"})
    intents = frozenset({"comment", "close"})

    def sites_of(self, fields: Mapping[str, Any]) -> frozenset[str]:
        site = fields.get("site")
        return frozenset({site}) if isinstance(site, str) else frozenset()

    def is_locked(self, fields: Mapping[str, Any]) -> bool:
        return fields.get("status") == "closed"

    async def check_upsert(
        self,
        ctx: MutationContext,
        record_id: str,
        args: Mapping[str, Any],
        current: StoredRecord | None,
    ) -> Mapping[str, Any]:
        if "viewer" in ctx.actor.roles:
            raise Refusal("forbidden", "viewers do not edit notes")
        if "title" in args and not isinstance(args["title"], str):
            raise Refusal("invalid_args", "title must be text", "title")
        return {"created_by": ctx.actor.user_id} if current is None else {}

    async def apply(
        self,
        ctx: MutationContext,
        intent: str,
        args: Mapping[str, Any],
        current: StoredRecord | None,
    ) -> Sequence[Write]:
        if current is None:
            raise Refusal("not_found", "no such note", "id")
        if intent == "close":
            return [
                Write(
                    collection="notes",
                    id=current.id,
                    fields={"status": "closed", "closed_by": ctx.actor.user_id},
                )
            ]
        text = args.get("text")
        if not isinstance(text, str) or not text:
            raise Refusal("invalid_args", "a comment needs text", "text")
        comment = {
            "note": current.id,
            "text": text,
            "author": ctx.actor.user_id,
            "site": current.fields.get("site"),
        }
        return [Write(collection="comments", id=ctx.mutation_id, fields=comment)]


class CommentsHandler(Handler):
    """Append-only comments on notes."""

    collection = "comments"
    append_only = True
    server_owned_fields = frozenset({"author"})

    def sites_of(self, fields: Mapping[str, Any]) -> frozenset[str]:
        site = fields.get("site")
        return frozenset({site}) if isinstance(site, str) else frozenset()

    async def check_upsert(
        self,
        ctx: MutationContext,
        record_id: str,
        args: Mapping[str, Any],
        current: StoredRecord | None,
    ) -> Mapping[str, Any]:
        return {"author": ctx.actor.user_id}


class MemosHandler(Handler):
    """Memos every site sees, pulled by managers only (see MemosForManagers)."""

    collection = "memos"

    def sites_of(self, fields: Mapping[str, Any]) -> frozenset[str]:
        return frozenset({"*"})


class MemosForManagers:
    """The access policy of these tests: only managers pull memos; anyone sends anything."""

    def may_send(self, actor: Actor, collection: str, intent: str) -> bool:
        return True

    def may_pull(self, actor: Actor, collection: str) -> bool:
        return collection != "memos" or "manager" in actor.roles


def make_engine(
    store: MemoryStore | None = None, clock: FakeClock | None = None, **kw: Any
) -> tuple[SyncEngine, MemoryStore, FakeClock]:
    store = store if store is not None else MemoryStore()
    clock = clock if clock is not None else FakeClock()
    handlers = [NotesHandler(), CommentsHandler(), MemosHandler()]
    kw.setdefault("access", MemosForManagers())
    engine = SyncEngine(store, handlers, cursor_secret=SECRET, now_ms=clock, **kw)
    return engine, store, clock


def actor(
    user: str = "u1", sites: Sequence[str] = ("s1",), roles: Sequence[str] = ("staff",)
) -> Actor:
    return Actor(user_id=user, roles=frozenset(roles), site_ids=frozenset(sites))


def apply_changes(local: dict[tuple[str, str], dict[str, Any]], changes: Sequence[Change]) -> None:
    """What a device does with pulled changes: replace or remove its copy of each record."""
    for change in changes:
        key = (change.collection, change.id)
        if change.deleted:
            local.pop(key, None)
        else:
            local[key] = msgspec.json.decode(change.fields)


class Device:
    """A phone: its own clock, seq counter, outbox and copy of server state."""

    def __init__(
        self, engine: SyncEngine, who: Actor, clock: FakeClock, device_id: str | None = None
    ) -> None:
        self.engine = engine
        self.actor = who
        self.id = device_id or new_id()
        self.clock = Clock(self.id, clock)
        self.seq = 0
        self.outbox: list[Mutation] = []
        self.local: dict[tuple[str, str], dict[str, Any]] = {}
        self.cursor: str | None = None

    def mutate(self, name: str, args: dict[str, Any]) -> Mutation:
        self.seq += 1
        m = Mutation(id=new_id(), seq=self.seq, name=name, args=args, hlc=self.clock.tick())
        self.outbox.append(m)
        return m

    async def push(self) -> PushResponse:
        response = await self.engine.push(self.actor, self.id, self.outbox)
        final = {r.id for r in response.results if r.status != "deferred"}
        self.outbox = [m for m in self.outbox if m.id not in final]
        return response

    async def pull(self, limit: int = 500) -> list[PullResponse]:
        pages = []
        while True:
            page = await self.engine.pull(self.actor, self.cursor, limit)
            if page.reset:
                self.local.clear()
            apply_changes(self.local, page.changes)
            self.cursor = page.cursor
            pages.append(page)
            if not page.has_more:
                return pages

    async def sync(self) -> PushResponse:
        response = await self.push()
        await self.pull()
        return response
