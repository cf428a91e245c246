"""The sync engine's Store on SQL: SQLite through the sqlite3 module, PostgreSQL through an
asyncpg pool. Plain SQL (the same on both but for placeholders) keeps a mutation to a handful of
statements; the tables themselves are Piccolo's (server/syncing/tables.py). A collection with a
projection (server/syncing/projection.py) also has its typed row written with each record.

A push is one database transaction (the store's `batch`) with a savepoint per mutation, so a
batch costs one durable commit, not one per mutation; the engine answers only after it.

SQLite statements run on the event loop's thread: once our transaction holds the write lock
each one is microseconds of CPU, far less than handing it to a thread. Only taking the lock can
wait, and that wait polls with `asyncio.sleep` so the loop (and whoever holds the lock through
another connection) keeps going.
"""

from __future__ import annotations

import asyncio
import contextvars
import secrets
import sqlite3
import time
from collections.abc import AsyncIterator, Mapping, Sequence
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any, Protocol

import asyncpg  # type: ignore[import-untyped]
import msgspec
import piccolo.engine.sqlite  # noqa: F401  (registers the sqlite3 adapters projections rely on)

from server.audit.service import is_audited_intent, now_ms, site_list
from server.syncing.projection import KEY_COLUMN, Projection
from sync import (
    ConflictEntry,
    DeviceState,
    Event,
    FieldAuthor,
    SetState,
    StoredRecord,
    StoredResult,
    StoreInfo,
)

_encode = msgspec.json.encode
_set_state_decoder = msgspec.json.Decoder(SetState)
_result_decoder = msgspec.json.Decoder(StoredResult)
_sites_decoder = msgspec.json.Decoder(frozenset[str])
_authors_decoder = msgspec.json.Decoder(dict[str, FieldAuthor])
# How long a push waits for SQLite's write lock held by another connection or process.
SQLITE_LOCK_WAIT_S = 30.0
# Records read per step when a projection is rebuilt.
REPROJECT_BATCH = 1000


def _json(value: Any) -> str:
    return _encode(value).decode()


def _sorted_sites(sites: frozenset[str]) -> str:
    return _json(sorted(sites))


class _Connection(Protocol):
    async def fetchrow(self, sql: str, *args: Any) -> Sequence[Any] | None: ...
    async def fetch(self, sql: str, *args: Any) -> Sequence[Sequence[Any]]: ...
    async def execute(self, sql: str, *args: Any) -> None: ...
    async def executemany(self, sql: str, rows: Sequence[Sequence[Any]]) -> None: ...


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


def _marks(n: int) -> str:
    return ", ".join("?" * n)


def _numbered(sql: str) -> str:
    """`?` placeholders to PostgreSQL's `$1, $2, ...` (our SQL has no literal question marks)."""
    parts = sql.split("?")
    return parts[0] + "".join(f"${i}{part}" for i, part in enumerate(parts[1:], start=1))


class _Postgres:
    def __init__(self, conn: asyncpg.Connection) -> None:
        self.conn = conn

    async def fetchrow(self, sql: str, *args: Any) -> Sequence[Any] | None:
        row = await self.conn.fetchrow(_numbered(sql), *args)
        return tuple(row) if row is not None else None

    async def fetch(self, sql: str, *args: Any) -> Sequence[Sequence[Any]]:
        return [tuple(r) for r in await self.conn.fetch(_numbered(sql), *args)]

    async def execute(self, sql: str, *args: Any) -> None:
        await self.conn.execute(_numbered(sql), *args)

    async def executemany(self, sql: str, rows: Sequence[Sequence[Any]]) -> None:
        await self.conn.executemany(_numbered(sql), rows)


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
        names = ", ".join(f'"{c}"' for c in columns)
        updates = ", ".join(f'"{c}" = excluded."{c}"' for c in columns[1:])
        self.upsert = (
            f"INSERT INTO {table} ({names}) VALUES ({_marks(len(columns))})"  # noqa: S608
            f' ON CONFLICT ("{KEY_COLUMN}") DO UPDATE SET {updates}'
        )
        self.delete = f'DELETE FROM {table} WHERE "{KEY_COLUMN}" = ?'  # noqa: S608
        self.clear = f"DELETE FROM {table}"  # noqa: S608

    async def put(self, db: _Connection, record: StoredRecord) -> None:
        if record.deleted:
            await db.execute(self.delete, record.id)
        else:
            values = self.projection.values(record.id, record.fields, record.revision)
            await db.execute(self.upsert, *values)


class SqlStore:
    """A `sync.Store` on the server's database. Open with `await SqlStore.open(url)`."""

    def __init__(
        self,
        photo_fields: Mapping[str, frozenset[str]] | None = None,
        projections: Sequence[Projection] = (),
    ) -> None:
        # collection -> its fields that hold photo hashes (kept in media_ref for access checks)
        self._photo_fields = dict(photo_fields or {})
        # collection -> its typed table, written with each of its records
        self._projections = {p.collection: _ProjectionSql(p) for p in projections}
        # The connection of the transaction (or batch) this task is in, if any.
        self._current: contextvars.ContextVar[_Connection | None] = contextvars.ContextVar(
            "sync_store_connection", default=None
        )
        self._in_batch: contextvars.ContextVar[bool] = contextvars.ContextVar(
            "sync_store_in_batch", default=False
        )
        self._sqlite_writer: sqlite3.Connection | None = None
        self._sqlite_reader: sqlite3.Connection | None = None
        self._write_lock = asyncio.Lock()
        self._savepoints = 0
        self._pool: asyncpg.Pool | None = None

    @classmethod
    async def open(
        cls,
        database_url: str,
        photo_fields: Mapping[str, frozenset[str]] | None = None,
        projections: Sequence[Projection] = (),
    ) -> SqlStore:
        store = cls(photo_fields, projections)
        if database_url.startswith("sqlite:///"):
            path = Path(database_url.removeprefix("sqlite:///"))
            store._sqlite_writer = store._sqlite_connect(path, busy_timeout_ms=0)
            store._sqlite_reader = store._sqlite_connect(path, busy_timeout_ms=2000)
        else:
            store._pool = await asyncpg.create_pool(database_url, min_size=1, max_size=10)
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
        return conn

    async def close(self) -> None:
        for conn in (self._sqlite_writer, self._sqlite_reader):
            if conn is not None:
                conn.close()
        if self._pool is not None:
            await self._pool.close()

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
        # Inside a batch: a savepoint, undone alone when the block raises.
        self._savepoints += 1
        name = f"mutation_{self._savepoints}"
        db = self._db()
        await db.execute(f"SAVEPOINT {name}")
        try:
            yield
        except BaseException:
            await db.execute(f"ROLLBACK TO SAVEPOINT {name}")
            await db.execute(f"RELEASE SAVEPOINT {name}")
            raise
        await db.execute(f"RELEASE SAVEPOINT {name}")

    @asynccontextmanager
    async def _outer_transaction(self) -> AsyncIterator[None]:
        if self._current.get() is not None:
            raise RuntimeError("sync store transactions do not nest outside a batch")
        if self._pool is not None:
            async with self._pool.acquire() as conn, conn.transaction():
                # Writers take turns, as on SQLite: the counter row's lock, taken first and held
                # to commit, serialises every write transaction, so a record read here cannot
                # be changed by another worker before this transaction writes it back, and a
                # device's row cannot be bound twice.
                await conn.execute("SELECT value FROM sync_counter WHERE id = 1 FOR UPDATE")
                token = self._current.set(_Postgres(conn))
                try:
                    yield
                finally:
                    self._current.reset(token)
            return
        assert self._sqlite_writer is not None
        async with self._write_lock:
            conn = self._sqlite_writer
            await self._begin_immediate(conn)
            token = self._current.set(_Sqlite(conn))
            try:
                yield
            except BaseException:
                conn.execute("ROLLBACK")
                raise
            else:
                conn.execute("COMMIT")
            finally:
                self._current.reset(token)

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
        if self._pool is not None:
            async with self._pool.acquire() as conn:
                yield _Postgres(conn)
            return
        assert self._sqlite_reader is not None
        yield _Sqlite(self._sqlite_reader)

    # ---- devices and results ---------------------------------------------------------------

    async def get_device(self, device_id: str) -> DeviceState | None:
        sql = "SELECT device_id, user_id, applied_through, last_hlc FROM sync_device"
        sql += " WHERE device_id = ?"
        if self._pool is not None:
            sql += " FOR UPDATE"  # SQLite's BEGIN IMMEDIATE already holds the write lock
        row = await self._db().fetchrow(sql, device_id)
        if row is None:
            return None
        return DeviceState(
            device_id=row[0], user_id=row[1], applied_through=int(row[2]), last_hlc=row[3]
        )

    async def put_device(self, device: DeviceState) -> None:
        await self._db().execute(
            "INSERT INTO sync_device (device_id, user_id, applied_through, last_hlc)"
            " VALUES (?, ?, ?, ?) ON CONFLICT (device_id) DO UPDATE SET"
            " user_id = excluded.user_id, applied_through = excluded.applied_through,"
            " last_hlc = excluded.last_hlc",
            device.device_id,
            device.user_id,
            device.applied_through,
            device.last_hlc,
        )

    async def get_result(self, mutation_id: str) -> StoredResult | None:
        row = await self._db().fetchrow(
            "SELECT result FROM sync_result WHERE mutation_id = ?", mutation_id
        )
        return _result_decoder.decode(row[0]) if row else None

    async def put_result(self, stored: StoredResult) -> None:
        # A plain INSERT: a concurrent store of the same id violates the primary key and rolls
        # this mutation back (the resend is then answered as a duplicate).
        await self._db().execute(
            "INSERT INTO sync_result (mutation_id, device_id, seq, result) VALUES (?, ?, ?, ?)",
            stored.mutation_id,
            stored.device_id,
            stored.seq,
            _json(stored),
        )
        if stored.name and is_audited_intent(stored.name):
            await self._audit(stored)

    async def _audit(self, stored: StoredResult) -> None:
        """The audit row of a privileged intent, in the mutation's own transaction."""
        db = self._db()
        result = stored.result
        target, sites = "", ""
        if result.revision is not None:
            row = await db.fetchrow(
                "SELECT key, sites FROM sync_record WHERE revision = ?", result.revision
            )
            if row:
                target = str(row[0])
                sites = site_list([s for s in msgspec.json.decode(row[1]) if str(s).isdigit()])
        outcome = result.status if result.error is None else f"rejected:{result.error.code}"
        await db.execute(
            "INSERT INTO audit_entry (at_ms, user_id, source, action, outcome, target, sites,"
            " details, device_id, device_time, address) VALUES (?, ?, 'sync', ?, ?, ?, ?, '{}',"
            " ?, ?, '')",
            now_ms(),
            stored.user_id,
            stored.name,
            outcome,
            target,
            sites,
            stored.device_id,
            stored.hlc,
        )

    # ---- records ---------------------------------------------------------------------------

    async def query(self, sql: str, *args: Any) -> Sequence[Sequence[Any]]:
        """Rows of any statement (`?` placeholders) inside the current transaction: for a
        domain's rules that read its projection table, e.g. the permits of one parking space
        (server/permits/issuing.py), where a second connection would wait for our lock."""
        return await self._db().fetch(sql, *args)

    async def get_record(self, collection: str, record_id: str) -> StoredRecord | None:
        row = await self._db().fetchrow(
            f"SELECT {RECORD_COLUMNS} FROM sync_record WHERE key = ?",  # noqa: S608
            f"{collection}/{record_id}",
        )
        return _record(row) if row else None

    async def next_revision(self) -> int:
        # The row lock taken here is held until commit: revisions commit in order (rule 5).
        row = await self._db().fetchrow(
            "UPDATE sync_counter SET value = value + 1 WHERE id = 1 RETURNING value"
        )
        assert row is not None
        return int(row[0])

    async def put_record(self, record: StoredRecord) -> None:
        db = self._db()
        key = f"{record.collection}/{record.id}"
        await db.execute(
            "INSERT INTO sync_record (key, collection, record_id, fields, stamps, set_state,"
            " deleted, sites, seen_sites, revision, deleted_at_ms, authors)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (key) DO UPDATE SET"
            " fields = excluded.fields, stamps = excluded.stamps,"
            " set_state = excluded.set_state, deleted = excluded.deleted,"
            " sites = excluded.sites, seen_sites = excluded.seen_sites,"
            " revision = excluded.revision, deleted_at_ms = excluded.deleted_at_ms,"
            " authors = excluded.authors",
            key,
            record.collection,
            record.id,
            _json(record.fields),
            _json(record.stamps),
            _json(record.set_state),
            record.deleted,
            _sorted_sites(record.sites),
            _sorted_sites(record.seen_sites),
            record.revision,
            record.deleted_at_ms,
            _json(record.authors),
        )
        await db.executemany(
            "INSERT INTO sync_record_site (key, record_key, site) VALUES (?, ?, ?)"
            " ON CONFLICT (key) DO NOTHING",
            [(f"{key}|{site}", key, site) for site in sorted(record.seen_sites)],
        )
        if record.collection in self._photo_fields:
            await self._put_media_refs(db, key, record)
        projected = self._projections.get(record.collection)
        if projected is not None:
            await projected.put(db, record)

    async def _put_media_refs(self, db: _Connection, key: str, record: StoredRecord) -> None:
        held: set[str] = set()
        if not record.deleted:
            for name in self._photo_fields[record.collection]:
                value = record.fields.get(name)
                if isinstance(value, list):
                    held.update(h for h in value if isinstance(h, str))
        sites = _sorted_sites(record.sites)
        await db.executemany(
            "INSERT INTO media_ref (key, sha256, record_key, sites, released_at_ms)"
            " VALUES (?, ?, ?, ?, NULL) ON CONFLICT (key) DO UPDATE SET"
            " sites = excluded.sites, released_at_ms = NULL",
            [(f"{h}|{key}", h, key, sites) for h in sorted(held)],
        )
        rows = await db.fetch(
            "SELECT sha256 FROM media_ref WHERE record_key = ? AND released_at_ms IS NULL", key
        )
        dropped = [(int(time.time() * 1000), f"{r[0]}|{key}") for r in rows if r[0] not in held]
        await db.executemany("UPDATE media_ref SET released_at_ms = ? WHERE key = ?", dropped)

    async def add_conflicts(self, entries: Sequence[ConflictEntry]) -> None:
        if not entries:
            return
        await self._db().executemany(
            "INSERT INTO sync_conflict (conflict_id, mutation_id, device_id, user_id, collection,"
            " record_id, field, kept, discarded, kept_stamp, discarded_stamp, kept_by,"
            " kept_device, discarded_by, discarded_device, revision, at_ms)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
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

    async def add_events(self, events: Sequence[Event]) -> None:
        await self._db().executemany(
            "INSERT INTO sync_event (kind, payload, at_ms, handled) VALUES (?, ?, ?, ?)",
            [(e.kind, _json(e.payload), e.at_ms, False) for e in events],
        )

    # ---- pulls -----------------------------------------------------------------------------

    async def changes_after(
        self, revision: int, sites: frozenset[str], collections: frozenset[str], limit: int
    ) -> list[StoredRecord]:
        if not sites or not collections:
            return []
        site_list = sorted(sites)
        collection_list = sorted(collections)
        sql = (
            f"SELECT {RECORD_COLUMNS} FROM sync_record r WHERE r.revision > ?"  # noqa: S608
            f" AND r.collection IN ({_marks(len(collection_list))})"
            " AND EXISTS (SELECT 1 FROM sync_record_site s WHERE s.record_key = r.key"
            f" AND s.site IN ({_marks(len(site_list))}))"
            " ORDER BY r.revision LIMIT ?"
        )
        async with self._reader() as db:
            rows = await db.fetch(sql, revision, *collection_list, *site_list, limit)
        return [_record(r) for r in rows]

    async def info(self) -> StoreInfo:
        async with self._reader() as db:
            rows: dict[str, str] = {
                k: v for k, v in await db.fetch("SELECT key, value FROM sync_meta")
            }
            counter = await db.fetchrow("SELECT value FROM sync_counter WHERE id = 1")
        return StoreInfo(
            epoch=rows["epoch"],
            max_revision=int(counter[0]) if counter else 0,
            purge_watermark=int(rows.get("purge_watermark", "0")),
        )

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
                await db.executemany(
                    projected.upsert,
                    [
                        projected.projection.values(r[0], msgspec.json.decode(r[1]), int(r[2]))
                        for r in rows
                    ],
                )
                count += len(rows)
                after = int(rows[-1][2])
