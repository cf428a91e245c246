"""The sync engine's Store on SQL: SQLite through the sqlite3 module, PostgreSQL through an
asyncpg pool. Plain SQL (the same on both but for placeholders); the tables themselves are
Piccolo's (server/syncing/tables.py). A collection with a projection (server/syncing/projection.py)
also has its typed row written with each record.

A push is one database transaction (the store's `batch`). What its mutations write is kept in
memory (`_Pending`, which reads see first) and written out at the end, right before the one
durable commit (on SQLite one `executemany` per table, on PostgreSQL one statement for every
table: `_Postgres.flush`); the engine answers only after it. A mutation
is a mark in that buffer, not a SQL savepoint: undoing it drops what it buffered. Revisions
handed out meanwhile are provisional; the write-out takes the final ones: on SQLite from the
counter row (under the one write lock), on PostgreSQL from a sequence, no lock taken, with a
marker the pulls respect (rule 5: see `_PG_TAKE_REVISIONS` and `_PG_WATERMARK`).

SQLite statements run on the event loop's thread: once our transaction holds the write lock
each one is microseconds of CPU, far less than handing it to a thread. Only taking the lock can
wait, and that wait polls with `asyncio.sleep` so the loop (and whoever holds the lock through
another connection) keeps going.
"""

from __future__ import annotations

import asyncio
import contextlib
import contextvars
import secrets
import sqlite3
import threading
import time
from collections.abc import AsyncIterator, Mapping, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

import asyncpg  # type: ignore[import-untyped]
import msgspec
import piccolo.engine.sqlite  # noqa: F401  (registers the sqlite3 adapters projections rely on)

from server.audit.service import is_audited_intent, now_ms, site_list
from server.db import keep_session
from server.syncing.projection import KEY_COLUMN, Projection
from sync import (
    ConflictEntry,
    DeviceState,
    Event,
    FieldAuthor,
    PulledRecord,
    SetState,
    StoreContention,
    StoredRecord,
    StoredResult,
    StoreInfo,
    photo_hashes,
)

_encode = msgspec.json.encode
# PostgreSQL errors of a transaction that lost a race: the engine runs the push again.
_CONTENTION = (
    asyncpg.exceptions.DeadlockDetectedError,
    asyncpg.exceptions.SerializationError,
    asyncpg.exceptions.UniqueViolationError,
)
_set_state_decoder = msgspec.json.Decoder(SetState)
_result_decoder = msgspec.json.Decoder(StoredResult)
_sites_decoder = msgspec.json.Decoder(frozenset[str])
_authors_decoder = msgspec.json.Decoder(dict[str, FieldAuthor])
# How long a push waits for SQLite's write lock held by another connection or process.
SQLITE_LOCK_WAIT_S = 30.0
# SQLite's page cache per connection (KiB): at most this, filled only as the database grows.
SQLITE_CACHE_KIB = 512 * 1024
# SQLite: how often a thread of its own copies the write-ahead log back into the database.
SQLITE_CHECKPOINT_EVERY_S = 0.5
# PostgreSQL connections per process: for write transactions, and apart for reads.
POSTGRES_WRITERS = 4
POSTGRES_READERS = 6
# Records read per step when a projection is rebuilt.
REPROJECT_BATCH = 1000

# PostgreSQL: revisions come from the sequence `sync_revision` (nextval takes no lock and
# waits for no one), so transactions commit in any order. Rule 5 then needs a watermark: a
# writer, before it takes revisions, marks "I may still commit revisions above v" (v the
# sequence's last value) with a shared transaction-level advisory lock on a key made of v,
# held to its commit; a pull reads the last value first and then the markers in pg_locks, and
# reads through the lower of them. A writer whose revisions the last value already counts had
# marked before it took them, so the pull sees its marker; one that marks later takes revisions
# above that last value. Two-key advisory locks (pg_locks.objsubid = 2), apart from the
# one-key locks on record keys.
PG_LOCK_CLASS = 1_179_000_000  # key1 of the turn and the writers' gate
PG_TURN = 1  # key2: domain rules that read across records, one push at a time
PG_WRITING = 2  # key2: shared by writers taking revisions, held alone by a reprojection
PG_MARKER_CLASS = PG_LOCK_CLASS + 1  # key1 = class + v // 2^31, key2 = v % 2^31
_PG_TAKE_REVISIONS = (
    "WITH marked AS MATERIALIZED (SELECT pg_advisory_xact_lock_shared(?, ?) AS writing,"
    " pg_advisory_xact_lock_shared(? + (v / 2147483648)::int, (v % 2147483648)::int) AS marker"
    " FROM (SELECT coalesce(pg_sequence_last_value('sync_revision'), 0) AS v) AS last)"
    " SELECT nextval('sync_revision') FROM marked, generate_series(1, ?) ORDER BY 1"
)
# The markers' subquery refers to `last.v`, so it runs after the last value was read. The
# epoch and the purge watermark come along: a pull asks once.
_PG_WATERMARK = (
    "SELECT last.v, (SELECT min((l.classid::bigint - ?) * 2147483648 + l.objid::bigint)"
    " FROM pg_locks AS l WHERE l.locktype = 'advisory' AND l.objsubid = 2"
    " AND l.classid::bigint >= ? AND last.v IS NOT NULL AND l.database ="
    " (SELECT oid FROM pg_database WHERE datname = current_database())),"
    " (SELECT value FROM sync_meta WHERE key = 'epoch'),"
    " (SELECT value FROM sync_meta WHERE key = 'purge_watermark')"
    " FROM (SELECT coalesce(pg_sequence_last_value('sync_revision'), 0) AS v OFFSET 0) AS last"
)


def _json(value: Any) -> str:
    return _encode(value).decode()


def _sorted_sites(sites: frozenset[str]) -> str:
    return _json(sorted(sites))


@dataclass(frozen=True)
class _Insert:
    """An INSERT of rows into `table` (then `conflict`, e.g. ON CONFLICT … DO UPDATE)."""

    table: str
    columns: tuple[str, ...]
    conflict: str = ""

    def values_sql(self) -> str:
        names = ", ".join(f'"{c}"' for c in self.columns)
        return (
            f'INSERT INTO "{self.table}" ({names}) VALUES ({_marks(len(self.columns))})'  # noqa: S608
            f" {self.conflict}"
        )

    def from_json_sql(self, parameter: int) -> str:
        """The same rows read from parameter `$parameter`, a JSON array of objects by column."""
        names = ", ".join(f'"{c}"' for c in self.columns)
        return (
            f'INSERT INTO "{self.table}" ({names}) SELECT {names}'  # noqa: S608
            f' FROM json_populate_recordset(NULL::"{self.table}", ${parameter}::json)'
            f" {self.conflict}"
        )


class _Connection(Protocol):
    async def fetchrow(self, sql: str, *args: Any) -> Sequence[Any] | None: ...
    async def fetch(self, sql: str, *args: Any) -> Sequence[Sequence[Any]]: ...
    async def execute(self, sql: str, *args: Any) -> None: ...
    async def executemany(self, sql: str, rows: Sequence[Sequence[Any]]) -> None: ...
    async def insert(self, insert: _Insert, rows: Sequence[Sequence[Any]]) -> None:
        """Rows to insert by the next `flush` (or now)."""

    async def flush(self) -> None:
        """Send the inserts not sent yet."""


class _Sqlite:
    """Runs `?`-placeholder SQL on a sqlite3 connection."""

    def __init__(self, conn: sqlite3.Connection) -> None:
        self.conn = conn

    async def fetchrow(self, sql: str, *args: Any) -> Sequence[Any] | None:
        # fetchall, not fetchone: a cursor left unfinished would keep its read snapshot open.
        rows = self.conn.execute(sql, args).fetchall()
        return rows[0] if rows else None

    async def fetch(self, sql: str, *args: Any) -> Sequence[Sequence[Any]]:
        return self.conn.execute(sql, args).fetchall()

    async def execute(self, sql: str, *args: Any) -> None:
        self.conn.execute(sql, args)

    async def executemany(self, sql: str, rows: Sequence[Sequence[Any]]) -> None:
        self.conn.executemany(sql, rows)

    async def insert(self, insert: _Insert, rows: Sequence[Sequence[Any]]) -> None:
        # A statement on SQLite is a function call, not a round trip: sent at once.
        self.conn.executemany(insert.values_sql(), rows)

    async def flush(self) -> None:
        pass


def _marks(n: int) -> str:
    return ", ".join("?" * n)


def _numbered(sql: str) -> str:
    """`?` placeholders to PostgreSQL's `$1, $2, ...` (our SQL has no literal question marks)."""
    parts = sql.split("?")
    return parts[0] + "".join(f"${i}{part}" for i, part in enumerate(parts[1:], start=1))


class _Postgres:
    def __init__(self, conn: asyncpg.Connection) -> None:
        self.conn = conn
        self._inserts: list[tuple[_Insert, Sequence[Sequence[Any]]]] = []

    async def fetchrow(self, sql: str, *args: Any) -> Sequence[Any] | None:
        row = await self.conn.fetchrow(_numbered(sql), *args)
        return tuple(row) if row is not None else None

    async def fetch(self, sql: str, *args: Any) -> Sequence[Sequence[Any]]:
        rows: Sequence[Sequence[Any]] = await self.conn.fetch(_numbered(sql), *args)
        return rows  # asyncpg's records index like tuples

    async def execute(self, sql: str, *args: Any) -> None:
        await self.conn.execute(_numbered(sql), *args)

    async def executemany(self, sql: str, rows: Sequence[Sequence[Any]]) -> None:
        if rows:  # asyncpg would still make a round trip
            await self.conn.executemany(_numbered(sql), rows)

    async def insert(self, insert: _Insert, rows: Sequence[Sequence[Any]]) -> None:
        if rows:
            self._inserts.append((insert, rows))

    async def flush(self) -> None:
        """Every insert of the write-out in one statement, each table's rows one JSON
        parameter: a round trip and its statement cost more of a worker's time than the rows
        (a push wrote six tables with six `executemany`)."""
        if not self._inserts:
            return
        inserts, self._inserts = self._inserts, []
        parts = [f"w{n} AS ({i.from_json_sql(n)})" for n, (i, _) in enumerate(inserts, start=1)]
        rows = [_json([dict(zip(i.columns, r, strict=True)) for r in rs]) for i, rs in inserts]
        await self.conn.execute(f"WITH {', '.join(parts)} SELECT 1", *rows)


RECORD_COLUMNS = (
    "collection, record_id, fields, stamps, set_state, deleted, sites, seen_sites, revision,"
    " deleted_at_ms, authors"
)


def _record(row: Sequence[Any]) -> StoredRecord:
    return StoredRecord(
        collection=row[0],
        id=row[1],
        fields=msgspec.json.decode(row[2]),
        stamps=msgspec.json.decode(row[3]),
        set_state=_set_state_decoder.decode(row[4]),
        deleted=bool(row[5]),
        sites=_sites_decoder.decode(row[6]),
        seen_sites=_sites_decoder.decode(row[7]),
        revision=int(row[8]),
        deleted_at_ms=row[9],
        authors=_authors_decoder.decode(row[10]),
    )


# A pull sends a record's fields, not its stamps, authors or set state: reading those too was
# two thirds of the bytes a pull decoded.
PULLED_COLUMNS = "collection, record_id, fields, deleted, sites, revision"


def _pulled(row: Sequence[Any]) -> PulledRecord:
    return PulledRecord(
        collection=row[0],
        id=row[1],
        fields=msgspec.Raw(row[2]),  # the JSON as stored (written by `_json`)
        deleted=bool(row[3]),
        sites=_sites_decoder.decode(row[4]),
        revision=int(row[5]),
    )


_PROJECTION_VERSIONS = "SELECT key, value FROM sync_meta WHERE key LIKE 'projection:%'"


def _version_key(collection: str) -> str:
    return f"projection:{collection}"


class _ProjectionSql:
    """A projection with its statements, built once from its table's columns. Datetimes and
    dates go in as objects: asyncpg encodes them, and on SQLite Piccolo's registered sqlite3
    adapters store them as Piccolo itself does (UTC text), so Piccolo queries read them back."""

    def __init__(self, projection: Projection) -> None:
        self.projection = projection
        table = f'"{projection.tablename}"'
        columns = projection.columns
        updates = ", ".join(f'"{c}" = excluded."{c}"' for c in columns[1:])
        self.upsert = _Insert(
            projection.tablename, columns, f'ON CONFLICT ("{KEY_COLUMN}") DO UPDATE SET {updates}'
        )
        self.delete = f'DELETE FROM {table} WHERE "{KEY_COLUMN}" = ?'  # noqa: S608
        self.clear = f"DELETE FROM {table}"  # noqa: S608

    async def put(self, db: _Connection, records: Sequence[StoredRecord]) -> None:
        await db.insert(
            self.upsert,
            [self.projection.values(r.id, r.fields, r.revision) for r in records if not r.deleted],
        )
        await db.executemany(self.delete, [(r.id,) for r in records if r.deleted])


# Provisional revisions (see Store.next_revision) start above every final one.
PROVISIONAL = 1 << 62
# Ids per `IN (...)` list: well under SQLite's and asyncpg's limits on parameters.
_IN_CHUNK = 500
# Tables a push writes: a domain's `query` of one of them needs the buffer written out first.
_WRITTEN = ("sync_", "media_ref", "audit_entry")


def _chunks(items: Sequence[str]) -> list[Sequence[str]]:
    return [items[i : i + _IN_CHUNK] for i in range(0, len(items), _IN_CHUNK)]


# What a write-out inserts (see _Postgres.flush).
_DEVICES = _Insert(
    "sync_device",
    ("device_id", "user_id", "applied_through", "last_hlc"),
    'ON CONFLICT ("device_id") DO UPDATE SET "user_id" = excluded."user_id",'
    ' "applied_through" = excluded."applied_through", "last_hlc" = excluded."last_hlc"',
)
_EVENTS = _Insert("sync_event", ("kind", "payload", "at_ms", "handled"))
_AUDIT = _Insert(
    "audit_entry",
    (
        *("at_ms", "user_id", "source", "action", "outcome", "target", "sites", "details"),
        *("device_id", "device_time", "address"),
    ),
)
_RECORD_FIELDS = ("fields", "stamps", "set_state", "deleted", "sites", "seen_sites", "revision")
_RECORDS = _Insert(
    "sync_record",
    ("key", "collection", "record_id", *_RECORD_FIELDS, "deleted_at_ms", "authors"),
    'ON CONFLICT ("key") DO UPDATE SET '
    + ", ".join(f'"{c}" = excluded."{c}"' for c in (*_RECORD_FIELDS, "deleted_at_ms", "authors")),
)
_RECORD_SITES = _Insert(
    "sync_record_site",
    ("key", "record_key", "site", "collection", "revision"),
    'ON CONFLICT ("key") DO UPDATE SET "revision" = excluded."revision"',
)
_MEDIA_REFS = _Insert(
    "media_ref",
    ("key", "sha256", "record_key", "sites", "released_at_ms"),
    'ON CONFLICT ("key") DO UPDATE SET "sites" = excluded."sites", "released_at_ms" = NULL',
)
_CONFLICTS = _Insert(
    "sync_conflict",
    (
        *("conflict_id", "mutation_id", "device_id", "user_id", "collection", "record_id"),
        *("field", "kept", "discarded", "kept_stamp", "discarded_stamp", "kept_by"),
        *("kept_device", "discarded_by", "discarded_device", "revision", "at_ms"),
    ),
)
# A plain INSERT: a concurrent store of the same id violates the primary key and rolls the batch
# back (the resend is then answered as a duplicate).
_RESULTS = _Insert("sync_result", ("mutation_id", "device_id", "seq", "result"))


class _Pending:
    """A write transaction's writes not yet sent to the database, in order, with the views
    reads need (latest record, device and result by key). `marks` are the open mutations'
    starts in `log`; `savepoint` is set once SQL was written inside the innermost one."""

    def __init__(self) -> None:
        self.log: list[tuple[str, Any]] = []
        self.records: dict[str, StoredRecord] = {}
        self.devices: dict[str, DeviceState] = {}
        self.results: dict[str, StoredResult] = {}
        self.marks: list[list[Any]] = []  # [start in log, savepoint name or None]
        self.next_provisional = PROVISIONAL + 1
        self.first_unmapped = PROVISIONAL + 1
        self.final: dict[int, int] = {}
        # Records as read from the database by this transaction (None: absent). They stay
        # valid to its end: it holds the write lock (SQLite) or the key's lock (PostgreSQL).
        self.read: dict[str, StoredRecord | None] = {}
        self.locked: set[str] = set()  # PostgreSQL: keys this transaction has locked
        self.turn = False  # PostgreSQL: this transaction holds the turn for domain rules

    def add(self, kind: str, value: Any) -> None:
        self.log.append((kind, value))
        self._index(kind, value)

    def _index(self, kind: str, value: Any) -> None:
        if kind == "record":
            self.records[f"{value.collection}/{value.id}"] = value
        elif kind == "device":
            self.devices[value.device_id] = value
        elif kind == "result":
            self.results[value.mutation_id] = value

    def truncate(self, start: int) -> None:
        del self.log[start:]
        self.records, self.devices, self.results = {}, {}, {}
        for kind, value in self.log:
            self._index(kind, value)

    def revision(self, revision: int) -> int:
        return self.final.get(revision, revision)


class _Checkpointer:
    """SQLite: copies the write-ahead log back into the database twice a second from a thread of
    its own (the sqlite3 module lets go of the GIL meanwhile), so that no push's commit does it.
    Left to SQLite, the commit that crossed 1,000 log pages checkpointed on the event loop
    while every push queued behind it waited (100 phones for 300 s with a 64 MB cache: push p95
    805 ms with this thread, 1,036 ms without). PASSIVE: it never waits for, nor blocks, a
    writer."""

    def __init__(self, path: Path) -> None:
        self._stop = threading.Event()
        self._thread = threading.Thread(
            target=self._run, args=(path,), name="sqlite-checkpoint", daemon=True
        )
        self._thread.start()

    def _run(self, path: Path) -> None:
        conn = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
        try:
            while not self._stop.wait(SQLITE_CHECKPOINT_EVERY_S):
                with contextlib.suppress(sqlite3.Error):  # busy: the next turn tries again
                    conn.execute("PRAGMA wal_checkpoint(PASSIVE)")
        finally:
            conn.close()

    def close(self) -> None:
        self._stop.set()
        self._thread.join()


class SqlStore:
    """A `sync.Store` on the server's database. Open with `await SqlStore.open(url)`."""

    def __init__(
        self,
        photo_fields: Mapping[str, frozenset[str]] | None = None,
        projections: Sequence[Projection] = (),
        announced: frozenset[str] | None = None,
    ) -> None:
        # collection -> its fields that hold photo hashes (kept in media_ref for access checks)
        self._photo_fields = dict(photo_fields or {})
        # The event kinds the push sender turns into messages (None: all). Others are kept for
        # history only and written already handled: the sender neither reads nor updates them.
        self._announced = announced
        # collection -> its typed table, written with each of its records
        self._projections = {p.collection: _ProjectionSql(p) for p in projections}
        self._written_tables = _WRITTEN + tuple(
            p.projection.tablename for p in self._projections.values()
        )
        # The connection of the transaction (or batch) this task is in, if any, and its
        # buffered writes.
        self._current: contextvars.ContextVar[_Connection | None] = contextvars.ContextVar(
            "sync_store_connection", default=None
        )
        self._pending: contextvars.ContextVar[_Pending | None] = contextvars.ContextVar(
            "sync_store_pending", default=None
        )
        # provisional -> final revisions of this task's last committed transaction
        self._finals: contextvars.ContextVar[dict[int, int] | None] = contextvars.ContextVar(
            "sync_store_finals", default=None
        )
        self._in_batch: contextvars.ContextVar[bool] = contextvars.ContextVar(
            "sync_store_in_batch", default=False
        )
        self._sqlite_writer: sqlite3.Connection | None = None
        self._sqlite_reader: sqlite3.Connection | None = None
        self._checkpointer: _Checkpointer | None = None
        self._write_lock = asyncio.Lock()
        self._savepoints = 0
        self._audited_names: dict[str, bool] = {}  # intent name -> is_audited_intent
        self._pool: asyncpg.Pool | None = None  # PostgreSQL: write transactions
        self._read_pool: asyncpg.Pool | None = None  # PostgreSQL: pulls and other reads

    @classmethod
    async def open(
        cls,
        database_url: str,
        photo_fields: Mapping[str, frozenset[str]] | None = None,
        projections: Sequence[Projection] = (),
        announced: frozenset[str] | None = None,
    ) -> SqlStore:
        store = cls(photo_fields, projections, announced)
        if database_url.startswith("sqlite:///"):
            path = Path(database_url.removeprefix("sqlite:///"))
            store._sqlite_writer = store._sqlite_connect(path, busy_timeout_ms=0)
            store._sqlite_writer.execute("PRAGMA wal_autocheckpoint = 0")  # _Checkpointer's
            store._sqlite_reader = store._sqlite_connect(path, busy_timeout_ms=2000)
            store._checkpointer = _Checkpointer(path)
        else:
            # A push holds its connection for its whole transaction, waits on locks included:
            # with one pool, pushes took every connection and pulls queued behind them.
            store._pool = await asyncpg.create_pool(
                database_url, min_size=1, max_size=POSTGRES_WRITERS, reset=keep_session
            )
            store._read_pool = await asyncpg.create_pool(
                database_url, min_size=1, max_size=POSTGRES_READERS, reset=keep_session
            )
        await store._initialise()
        return store

    @staticmethod
    def _sqlite_connect(path: Path, busy_timeout_ms: int) -> sqlite3.Connection:
        # isolation_level=None: we say BEGIN and COMMIT ourselves. Opening a WAL database can
        # briefly wait on another connection, so the set-up waits (timeout) before the
        # connection gets its own busy timeout.
        conn = sqlite3.connect(
            path, isolation_level=None, check_same_thread=False, timeout=SQLITE_LOCK_WAIT_S
        )
        conn.execute("PRAGMA foreign_keys = ON")
        # FULL: a commit is on disk (fsynced) before the engine answers (rule 2).
        conn.execute("PRAGMA synchronous = FULL")
        conn.execute(f"PRAGMA busy_timeout = {busy_timeout_ms}")
        # The default 2 MB page cache is outgrown by the record and site indexes at some tens
        # of thousands of records; past that every push read pages back in. 64 MB held for a
        # minute of 100 phones; over 5 minutes (some 250,000 records, edits of old ones among
        # them) push p95 rose to 0.8–1 s, with 512 MB it stayed at 220 ms.
        conn.execute(f"PRAGMA cache_size = -{SQLITE_CACHE_KIB}")
        return conn

    async def close(self) -> None:
        if self._checkpointer is not None:
            self._checkpointer.close()
        for conn in (self._sqlite_writer, self._sqlite_reader):
            if conn is not None:
                conn.close()
        for pool in (self._pool, self._read_pool):
            if pool is not None:
                await pool.close()

    async def _initialise(self) -> None:
        async with self.transaction():
            db = self._db()
            # ON CONFLICT DO NOTHING: several processes may start at once.
            await db.execute(
                "INSERT INTO sync_counter (id, value) VALUES (1, 0) ON CONFLICT DO NOTHING"
            )
            await db.execute(
                "INSERT INTO sync_meta (key, value) VALUES ('epoch', ?) ON CONFLICT DO NOTHING",
                secrets.token_hex(8),
            )
            await db.execute(
                "INSERT INTO sync_meta (key, value) VALUES ('purge_watermark', '0')"
                " ON CONFLICT DO NOTHING"
            )

    # ---- connections and transactions ----------------------------------------------------

    def _db(self) -> _Connection:
        conn = self._current.get()
        if conn is None:
            raise RuntimeError("the sync store was used outside a transaction")
        return conn

    def _buffer(self) -> _Pending:
        pending = self._pending.get()
        if pending is None:
            raise RuntimeError("the sync store was used outside a transaction")
        return pending

    @asynccontextmanager
    async def batch(self) -> AsyncIterator[None]:
        async with self._outer_transaction():
            token = self._in_batch.set(True)
            try:
                yield
            finally:
                self._in_batch.reset(token)

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[None]:
        if not self._in_batch.get():
            async with self._outer_transaction():
                yield
            return
        # Inside a batch: a mark in the buffer, undone alone when the block raises. SQL
        # written meanwhile (see `query`) sits in a savepoint opened just before it.
        pending = self._buffer()
        mark: list[Any] = [len(pending.log), None]
        pending.marks.append(mark)
        try:
            yield
        except BaseException:
            if mark[1] is not None:
                await self._db().execute(f"ROLLBACK TO SAVEPOINT {mark[1]}")
                await self._db().execute(f"RELEASE SAVEPOINT {mark[1]}")
                pending.read.clear()  # it may hold what was just undone
            pending.truncate(mark[0])
            raise
        else:
            if mark[1] is not None:
                await self._db().execute(f"RELEASE SAVEPOINT {mark[1]}")
        finally:
            pending.marks.pop()

    @asynccontextmanager
    async def _outer_transaction(self) -> AsyncIterator[None]:
        if self._current.get() is not None:
            raise RuntimeError("sync store transactions do not nest outside a batch")
        pending = _Pending()
        if self._pool is not None:
            try:
                async with (
                    self._pool.acquire() as conn,
                    conn.transaction(),
                    self._bound(_Postgres(conn), pending),
                ):
                    yield
                    await self._write_out(pending)
            except _CONTENTION as exc:
                raise StoreContention(str(exc)) from exc
        else:
            assert self._sqlite_writer is not None
            async with self._write_lock:
                conn = self._sqlite_writer
                await self._begin_immediate(conn)
                try:
                    async with self._bound(_Sqlite(conn), pending):
                        yield
                        await self._write_out(pending)
                except BaseException:
                    conn.execute("ROLLBACK")
                    raise
                # On the event loop, fsync included (≈ 1 ms). In a thread, the task holding the
                # write lock waited for the GIL behind the busy loop at every hop: 100 phones,
                # push p95 1.4 s with the write-out and commit in threads, 49 ms without.
                conn.execute("COMMIT")
        # Committed: the final numbers of the provisional revisions, for `final_revision`.
        self._finals.set(pending.final)

    @asynccontextmanager
    async def _bound(self, db: _Connection, pending: _Pending) -> AsyncIterator[None]:
        token, pending_token = self._current.set(db), self._pending.set(pending)
        try:
            yield
        finally:
            self._current.reset(token)
            self._pending.reset(pending_token)

    def final_revision(self, revision: int) -> int:
        if revision <= PROVISIONAL:
            return revision
        # Not final yet when its transaction is a caller's batch still open (a server write
        # planned inside `batch()`): then the number stays provisional.
        return (self._finals.get() or {}).get(revision, revision)

    @staticmethod
    async def _begin_immediate(conn: sqlite3.Connection) -> None:
        """Takes SQLite's write lock, waiting without blocking the event loop."""
        deadline = time.monotonic() + SQLITE_LOCK_WAIT_S
        pause = 0.001
        while True:
            try:
                conn.execute("BEGIN IMMEDIATE")
                return
            except sqlite3.OperationalError as exc:
                if "locked" not in str(exc) or time.monotonic() > deadline:
                    raise
            await asyncio.sleep(pause)
            pause = min(pause * 2, 0.05)

    @asynccontextmanager
    async def _reader(self) -> AsyncIterator[_Connection]:
        """Committed data, outside any write transaction."""
        if self._read_pool is not None:
            async with self._read_pool.acquire() as conn:
                yield _Postgres(conn)
            return
        assert self._sqlite_reader is not None
        yield _Sqlite(self._sqlite_reader)

    # ---- the write-out -------------------------------------------------------------------

    async def _take_turn(self, db: _Connection, pending: _Pending) -> None:
        """PostgreSQL: the turn of domain rules that read across records, held to commit, so
        that two pushes cannot both pass one (SQLite's write lock holds everything already)."""
        if self._pool is not None and not pending.turn:
            await db.execute("SELECT pg_advisory_xact_lock(?, ?)", PG_LOCK_CLASS, PG_TURN)
        pending.turn = True

    async def _take_revisions(self, db: _Connection, n: int) -> Sequence[int]:
        """`n` final revisions, ascending. SQLite: a block of the counter, under the write lock
        this transaction holds. PostgreSQL: from the sequence, after marking them in flight
        (see `_PG_TAKE_REVISIONS`)."""
        if self._pool is not None:
            rows = await db.fetch(_PG_TAKE_REVISIONS, PG_LOCK_CLASS, PG_WRITING, PG_MARKER_CLASS, n)
            return [int(r[0]) for r in rows]
        row = await db.fetchrow(
            "UPDATE sync_counter SET value = value + ? WHERE id = 1 RETURNING value", n
        )
        assert row is not None
        return range(int(row[0]) - n + 1, int(row[0]) + 1)

    async def _write_out(self, pending: _Pending) -> None:
        """Send the buffered writes, the inserts of each table together: first those that carry no
        revision (devices, photo references, events, audit rows), then the final revisions (for
        the provisional ones handed out since the last write-out) and the rows that carry them
        (records, their site rows, conflicts, results)."""
        if not pending.log:
            return
        db = self._db()
        # Which record each provisional revision was given to (for the audit rows), before
        # the numbers are replaced.
        written: dict[int, StoredRecord] = {}
        records: dict[str, StoredRecord] = {}
        results: list[StoredResult] = []
        conflicts: list[ConflictEntry] = []
        events: list[Event] = []
        # The records each mutation wrote (the log holds a mutation's records, then its result).
        wrote: dict[int, list[StoredRecord]] = {}
        since_result: list[StoredRecord] = []
        for kind, value in pending.log:
            if kind == "record":
                written[value.revision] = value
                records[f"{value.collection}/{value.id}"] = value
                since_result.append(value)
            elif kind == "result":
                results.append(value)
                wrote[id(value)], since_result = since_result, []
            elif kind == "conflicts":
                conflicts.extend(value)
            elif kind == "events":
                events.extend(value)
        audited = [r for r in results if r.name and self._audited(r.name)]
        audit_rows = [await self._audit_row(db, r, written, wrote.get(id(r), [])) for r in audited]
        await self._put_devices(db, list(pending.devices.values()))
        await self._put_media_refs(
            db, [r for r in records.values() if r.collection in self._photo_fields]
        )
        await db.insert(
            _EVENTS,
            [(e.kind, _json(e.payload), e.at_ms, not self._announces(e.kind)) for e in events],
        )
        await db.insert(_AUDIT, audit_rows)

        taken = pending.next_provisional - pending.first_unmapped
        if taken:
            finals = await self._take_revisions(db, taken)
            for offset, final_revision in enumerate(finals):
                pending.final[pending.first_unmapped + offset] = final_revision
            pending.first_unmapped = pending.next_provisional
        final = pending.revision
        for record in records.values():
            record.revision = final(record.revision)
            for name, author in record.authors.items():
                if author.revision > PROVISIONAL:
                    record.authors[name] = FieldAuthor(
                        final(author.revision), author.user_id, author.device_id
                    )
        for entry in conflicts:
            if entry.revision is not None:
                entry.revision = final(entry.revision)
        for stored in results:
            if stored.result.revision is not None:
                stored.result.revision = final(stored.result.revision)

        pending.read.update(records)
        await self._put_records(db, list(records.values()))
        await self._put_record_sites(db, list(records.values()))
        await self._put_conflicts(db, conflicts)
        await db.insert(_RESULTS, [(r.mutation_id, r.device_id, r.seq, _json(r)) for r in results])
        await db.flush()
        pending.truncate(0)

    async def _audit_row(
        self,
        db: _Connection,
        stored: StoredResult,
        written: Mapping[int, StoredRecord],
        wrote: Sequence[StoredRecord],
    ) -> tuple[Any, ...]:
        """The audit row of a privileged intent, written with the mutation's batch. Its target
        is the record the result names, or, when that one belongs to no site (a shift's
        bookkeeping), the first record of a site the mutation wrote: a site's manager reads
        the row."""
        result = stored.result
        target, sites = "", ""
        if result.revision is not None:
            record = written.get(result.revision)
            if record is not None and not record.sites:
                record = next((r for r in wrote if r.sites), record)
            if record is not None:
                target, record_sites = f"{record.collection}/{record.id}", list(record.sites)
            else:  # written out before (a mid-batch write-out) or a duplicate's
                row = await db.fetchrow(
                    "SELECT key, sites FROM sync_record WHERE revision = ?",
                    self._buffer().revision(result.revision),
                )
                target = str(row[0]) if row else ""
                record_sites = msgspec.json.decode(row[1]) if row else []
            sites = site_list([s for s in record_sites if str(s).isdigit()])
        outcome = result.status if result.error is None else f"rejected:{result.error.code}"
        return (
            now_ms(),
            stored.user_id,
            "sync",
            stored.name,
            outcome,
            target,
            sites,
            "{}",
            stored.device_id,
            stored.hlc,
            "",
        )

    @staticmethod
    async def _put_devices(db: _Connection, devices: Sequence[DeviceState]) -> None:
        await db.insert(
            _DEVICES, [(d.device_id, d.user_id, d.applied_through, d.last_hlc) for d in devices]
        )

    async def _put_records(self, db: _Connection, records: Sequence[StoredRecord]) -> None:
        if not records:
            return
        await db.insert(
            _RECORDS,
            [
                (
                    f"{r.collection}/{r.id}",
                    r.collection,
                    r.id,
                    _json(r.fields),
                    _json(r.stamps),
                    _json(r.set_state),
                    r.deleted,
                    _sorted_sites(r.sites),
                    _sorted_sites(r.seen_sites),
                    r.revision,
                    r.deleted_at_ms,
                    _json(r.authors),
                )
                for r in records
            ],
        )
        for collection, projected in self._projections.items():
            mine = [r for r in records if r.collection == collection]
            if mine:
                await projected.put(db, mine)

    @staticmethod
    async def _put_record_sites(db: _Connection, records: Sequence[StoredRecord]) -> None:
        """A row per site each record has belonged to, carrying its current revision (what a
        pull selects by, see `changes_after`)."""
        await db.insert(
            _RECORD_SITES,
            [
                (
                    f"{r.collection}/{r.id}|{site}",
                    f"{r.collection}/{r.id}",
                    site,
                    r.collection,
                    r.revision,
                )
                for r in records
                for site in sorted(r.seen_sites)
            ],
        )

    async def _put_media_refs(self, db: _Connection, records: Sequence[StoredRecord]) -> None:
        if not records:
            return
        held: dict[str, frozenset[str]] = {}
        # References to release can exist only for records that held photos when last written
        # (what this transaction read; a new record was read as None).
        had: list[str] = []
        before = self._buffer().read
        rows = []
        for record in records:
            key, fields = f"{record.collection}/{record.id}", self._photo_fields[record.collection]
            photos = held[key] = photo_hashes(record, fields)
            if key not in before or photo_hashes(before[key], fields):
                had.append(key)
            sites = _sorted_sites(record.sites)
            rows += [(f"{h}|{key}", h, key, sites, None) for h in sorted(photos)]
        await db.insert(_MEDIA_REFS, rows)
        now = int(time.time() * 1000)
        dropped = []
        for keys in _chunks(sorted(had)):
            for sha256, key in await db.fetch(
                "SELECT sha256, record_key FROM media_ref WHERE released_at_ms IS NULL"  # noqa: S608
                f" AND record_key IN ({_marks(len(keys))})",
                *keys,
            ):
                if sha256 not in held[key]:
                    dropped.append((now, f"{sha256}|{key}"))
        await db.executemany("UPDATE media_ref SET released_at_ms = ? WHERE key = ?", dropped)

    @staticmethod
    async def _put_conflicts(db: _Connection, entries: Sequence[ConflictEntry]) -> None:
        await db.insert(
            _CONFLICTS,
            [
                (
                    e.conflict_id,
                    e.mutation_id,
                    e.device_id,
                    e.user_id,
                    e.collection,
                    e.record_id,
                    e.field,
                    _json(e.kept),
                    _json(e.discarded),
                    e.kept_stamp,
                    e.discarded_stamp,
                    e.kept_by,
                    e.kept_device,
                    e.discarded_by,
                    e.discarded_device,
                    e.revision,
                    e.at_ms,
                )
                for e in entries
            ],
        )

    def _announces(self, kind: str) -> bool:
        return self._announced is None or kind in self._announced

    def _audited(self, name: str) -> bool:
        if name not in self._audited_names:
            self._audited_names[name] = is_audited_intent(name)
        return self._audited_names[name]

    # ---- devices and results ---------------------------------------------------------------

    async def _lock(self, key: str) -> None:
        """PostgreSQL: lock a record or device key (existing or not) until commit, before it
        is read for a change: two workers never merge into one record (or bind one device) at
        once, while pushes touching other records go on side by side. SQLite's write lock
        already holds everything."""
        pending = self._buffer()
        if self._pool is None or key in pending.locked:
            return
        await self._db().execute("SELECT pg_advisory_xact_lock(hashtextextended(?, 0))", key)
        pending.locked.add(key)

    async def get_device(self, device_id: str) -> DeviceState | None:
        pending = self._buffer()
        if device_id in pending.devices:
            return msgspec.structs.replace(pending.devices[device_id])
        await self._lock(f"device {device_id}")
        row = await self._db().fetchrow(
            "SELECT device_id, user_id, applied_through, last_hlc FROM sync_device"
            " WHERE device_id = ?",
            device_id,
        )
        if row is None:
            return None
        return DeviceState(
            device_id=row[0], user_id=row[1], applied_through=int(row[2]), last_hlc=row[3]
        )

    async def put_device(self, device: DeviceState) -> None:
        self._buffer().add("device", msgspec.structs.replace(device))

    async def get_result(self, mutation_id: str) -> StoredResult | None:
        return (await self.get_results([mutation_id])).get(mutation_id)

    async def get_results(self, mutation_ids: Sequence[str]) -> dict[str, StoredResult]:
        pending = self._buffer()
        found = {i: pending.results[i] for i in mutation_ids if i in pending.results}
        wanted = sorted({i for i in mutation_ids if i not in found})
        for ids in _chunks(wanted):
            rows = await self._db().fetch(
                f"SELECT result FROM sync_result WHERE mutation_id IN ({_marks(len(ids))})",  # noqa: S608
                *ids,
            )
            for row in rows:
                stored = _result_decoder.decode(row[0])
                found[stored.mutation_id] = stored
        return found

    async def put_result(self, stored: StoredResult) -> None:
        self._buffer().add("result", stored)

    # ---- records ---------------------------------------------------------------------------

    async def query(self, sql: str, *args: Any) -> Sequence[Sequence[Any]]:
        """Rows of any statement (`?` placeholders) inside the current transaction: for a
        domain's rules that read across records, e.g. the permits of one parking space
        (server/permits/issuing.py), where a second connection would wait for our lock. Such a
        rule takes the rules' turn (on PostgreSQL an advisory lock held to commit), so that
        two pushes cannot both pass it; what the batch buffered is written out first
        (a mutation's own part inside a savepoint, undone with it), so the statement sees it
        and may write."""
        db, pending = self._db(), self._buffer()
        await self._take_turn(db, pending)
        if pending.marks and pending.marks[-1][1] is None:
            mark = pending.marks[-1]
            mine = pending.log[mark[0] :]
            del pending.log[mark[0] :]
            await self._write_out(pending)  # the earlier mutations', for good
            self._savepoints += 1
            mark[1] = f"mutation_{self._savepoints}"
            await db.execute(f"SAVEPOINT {mark[1]}")
            for outer in pending.marks:
                outer[0] = 0
            pending.log[:] = mine
            pending.truncate(len(mine))
        if pending.log and any(t in sql for t in self._written_tables):
            await self._write_out(pending)
        return await db.fetch(sql, *args)

    async def read(self, sql: str, *args: Any) -> Sequence[Sequence[Any]]:
        """Rows of a statement reading tables no push writes (e.g. `media`), inside the
        current transaction: no write-out, no turn taken."""
        return await self._db().fetch(sql, *args)

    async def photo_sites(self, sha256: str, record_key: str) -> list[frozenset[str]]:
        """The sites of each record that holds the photo, and of `record_key` if it held it
        before, this push's unwritten records included: what a photo check needs, without
        writing the batch out (or taking the writers' turn) as `query` would."""
        pending = self._buffer()
        rows = await self._db().fetch(
            "SELECT record_key, sites FROM media_ref WHERE sha256 = ?"
            " AND (released_at_ms IS NULL OR record_key = ?)",
            sha256,
            record_key,
        )
        found = [
            _sites_decoder.decode(sites)
            for key, sites in rows
            if key == record_key or key not in pending.records
        ]
        for record in pending.records.values():
            fields = self._photo_fields.get(record.collection, ())
            if not record.deleted and any(
                isinstance(record.fields.get(f), list) and sha256 in record.fields[f]
                for f in fields
            ):
                found.append(record.sites)
        return found

    async def get_record(self, collection: str, record_id: str) -> StoredRecord | None:
        key = f"{collection}/{record_id}"
        pending = self._buffer()
        if key in pending.records:
            return pending.records[key]
        if key not in pending.read:
            await self._lock(key)
            row = await self._db().fetchrow(
                f"SELECT {RECORD_COLUMNS} FROM sync_record WHERE key = ?",  # noqa: S608
                key,
            )
            pending.read[key] = _record(row) if row else None
        return pending.read[key]

    async def get_records(self, keys: Sequence[tuple[str, str]]) -> None:
        pending = self._buffer()
        wanted = sorted(
            {f"{c}/{i}" for c, i in keys} - pending.read.keys() - pending.records.keys()
        )
        db = self._db()
        for chunk in _chunks(wanted):
            if self._pool is not None:
                # In key order: two pushes locking overlapping keys cannot wait on each other.
                await db.execute(
                    "SELECT pg_advisory_xact_lock(hashtextextended(k, 0))"
                    " FROM unnest(?::text[]) AS k ORDER BY k",
                    list(chunk),
                )
                pending.locked.update(chunk)
            pending.read.update(dict.fromkeys(chunk))
            rows = await db.fetch(
                f"SELECT {RECORD_COLUMNS} FROM sync_record"  # noqa: S608
                f" WHERE key IN ({_marks(len(chunk))})",
                *chunk,
            )
            for row in rows:
                record = _record(row)
                pending.read[f"{record.collection}/{record.id}"] = record

    async def next_revision(self) -> int:
        # Provisional: the final number is taken at the write-out (see _write_out).
        pending = self._buffer()
        pending.next_provisional += 1
        return pending.next_provisional - 1

    async def put_record(self, record: StoredRecord) -> None:
        self._buffer().add("record", record)

    async def add_conflicts(self, entries: Sequence[ConflictEntry]) -> None:
        if entries:
            self._buffer().add("conflicts", list(entries))

    async def add_events(self, events: Sequence[Event]) -> None:
        if events:
            self._buffer().add("events", list(events))

    # ---- pulls -----------------------------------------------------------------------------

    async def changes_after(
        self,
        revision: int,
        through: int,
        sites: frozenset[str],
        collections: frozenset[str],
        limit: int,
    ) -> list[PulledRecord]:
        if not sites or not collections:
            return []
        # Per site: its first `limit` changes in range, read in order from the index (site,
        # revision), so a pull costs what it returns, not what other sites hold. A record of
        # two of the sites comes once (IN); the first `limit` records overall are among the
        # sites' first `limit` each.
        in_collections = f"collection IN ({_marks(len(collections))})"
        per_site = (
            "SELECT record_key FROM (SELECT record_key FROM sync_record_site"  # noqa: S608
            f" WHERE site = ? AND revision > ? AND revision <= ? AND {in_collections}"
            " ORDER BY revision LIMIT ?) AS s"
        )
        sql = (
            f"SELECT {PULLED_COLUMNS} FROM sync_record WHERE key IN"  # noqa: S608
            f" ({' UNION ALL '.join([per_site] * len(sites))}) ORDER BY revision LIMIT ?"
        )
        collection_list = sorted(collections)
        args: list[Any] = []
        for site in sorted(sites):
            args += [site, revision, through, *collection_list, limit]
        async with self._reader() as db:
            rows = await db.fetch(sql, *args, limit)
        return [_pulled(r) for r in rows]

    async def info(self) -> StoreInfo:
        async with self._reader() as db:
            if self._read_pool is not None:
                row = await db.fetchrow(_PG_WATERMARK, PG_MARKER_CLASS, PG_MARKER_CLASS)
                assert row is not None
                last, lowest_marker, epoch, purged = row
                max_revision = int(last) if lowest_marker is None else min(last, lowest_marker)
            else:
                meta: dict[str, str] = {
                    k: v for k, v in await db.fetch("SELECT key, value FROM sync_meta")
                }
                epoch, purged = meta["epoch"], meta.get("purge_watermark")
                counter = await db.fetchrow("SELECT value FROM sync_counter WHERE id = 1")
                max_revision = int(counter[0]) if counter else 0
        return StoreInfo(epoch=epoch, max_revision=max_revision, purge_watermark=int(purged or "0"))

    async def purge_tombstones(self, deleted_before_ms: int) -> int:
        async with self.transaction():
            db = self._db()
            rows = await db.fetch(
                "SELECT key, revision FROM sync_record WHERE deleted AND deleted_at_ms < ?",
                deleted_before_ms,
            )
            if not rows:
                return 0
            keys = [(r[0],) for r in rows]
            await db.executemany("DELETE FROM sync_record_site WHERE record_key = ?", keys)
            await db.executemany("DELETE FROM sync_record WHERE key = ?", keys)
            watermark = await db.fetchrow(
                "SELECT value FROM sync_meta WHERE key = 'purge_watermark'"
            )
            highest = max([int(r[1]) for r in rows] + [int(watermark[0]) if watermark else 0])
            await db.execute(
                "UPDATE sync_meta SET value = ? WHERE key = 'purge_watermark'", str(highest)
            )
            return len(rows)

    # ---- projections -----------------------------------------------------------------------

    @property
    def projected_collections(self) -> list[str]:
        return sorted(self._projections)

    async def outdated_projections(self) -> list[str]:
        """Collections whose table was never built, or built by another version of its
        projection (sync_meta remembers the version each table was last rebuilt with)."""
        async with self._reader() as db:
            built = {str(k): str(v) for k, v in await db.fetch(_PROJECTION_VERSIONS)}
        return [
            name
            for name, projected in sorted(self._projections.items())
            if built.get(_version_key(name)) != str(projected.projection.version)
        ]

    async def reproject(self, collection: str) -> int:
        """Rebuild a collection's projection table from its live records in sync_record, in one
        transaction (which, like a push, holds the write lock: no record changes meanwhile).
        Returns the number of rows written."""
        projected = self._projections[collection]
        async with self.transaction():
            db = self._db()
            if self._pool is not None:  # no push writes records meanwhile
                await db.execute("SELECT pg_advisory_xact_lock(?, ?)", PG_LOCK_CLASS, PG_WRITING)
            await db.execute(projected.clear)
            await db.execute(
                "INSERT INTO sync_meta (key, value) VALUES (?, ?)"
                " ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                _version_key(collection),
                str(projected.projection.version),
            )
            count, after = 0, 0
            while True:
                rows = await db.fetch(
                    "SELECT record_id, fields, revision FROM sync_record"
                    " WHERE collection = ? AND NOT deleted AND revision > ?"
                    " ORDER BY revision LIMIT ?",
                    collection,
                    after,
                    REPROJECT_BATCH,
                )
                if not rows:
                    return count
                await db.insert(
                    projected.upsert,
                    [
                        projected.projection.values(r[0], msgspec.json.decode(r[1]), int(r[2]))
                        for r in rows
                    ],
                )
                await db.flush()
                count += len(rows)
                after = int(rows[-1][2])
