"""The sync engine's Store on SQL: SQLite through one write connection, PostgreSQL through an
asyncpg pool. Plain SQL (the same on both but for placeholders) keeps a mutation to a handful of
round trips; the tables themselves are Piccolo's (server/syncing/tables.py)."""

from __future__ import annotations

import asyncio
import contextvars
import secrets
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any, Protocol

import aiosqlite
import asyncpg  # type: ignore[import-untyped]
import msgspec

from sync import ConflictEntry, DeviceState, StoredRecord, StoredResult, StoreInfo
from sync._merge import SetState

_encode = msgspec.json.encode
_set_state_decoder = msgspec.json.Decoder(SetState)
_result_decoder = msgspec.json.Decoder(StoredResult)
_sites_decoder = msgspec.json.Decoder(frozenset[str])


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
    """Runs `?`-placeholder SQL on an aiosqlite connection."""

    def __init__(self, conn: aiosqlite.Connection) -> None:
        self.conn = conn

    async def fetchrow(self, sql: str, *args: Any) -> Sequence[Any] | None:
        async with self.conn.execute(sql, args) as cur:
            row = await cur.fetchone()
        return tuple(row) if row is not None else None

    async def fetch(self, sql: str, *args: Any) -> Sequence[Sequence[Any]]:
        async with self.conn.execute(sql, args) as cur:
            return [tuple(r) for r in await cur.fetchall()]

    async def execute(self, sql: str, *args: Any) -> None:
        await self.conn.execute(sql, args)

    async def executemany(self, sql: str, rows: Sequence[Sequence[Any]]) -> None:
        await self.conn.executemany(sql, rows)


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
    " deleted_at_ms"
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
    )


class SqlStore:
    """A `sync.Store` on the server's database. Open with `await SqlStore.open(url)`."""

    def __init__(self) -> None:
        self._current: contextvars.ContextVar[_Connection | None] = contextvars.ContextVar(
            "sync_store_connection", default=None
        )
        self._sqlite_writer: aiosqlite.Connection | None = None
        self._sqlite_reader: aiosqlite.Connection | None = None
        self._write_lock = asyncio.Lock()
        self._pool: asyncpg.Pool | None = None

    @classmethod
    async def open(cls, database_url: str) -> SqlStore:
        store = cls()
        if database_url.startswith("sqlite:///"):
            path = Path(database_url.removeprefix("sqlite:///"))
            store._sqlite_writer = await store._sqlite_connect(path)
            store._sqlite_reader = await store._sqlite_connect(path)
        else:
            store._pool = await asyncpg.create_pool(database_url, min_size=1, max_size=10)
        await store._initialise()
        return store

    @staticmethod
    async def _sqlite_connect(path: Path) -> aiosqlite.Connection:
        conn = await aiosqlite.connect(path, isolation_level=None, timeout=30)
        await conn.execute("PRAGMA foreign_keys = ON")
        await conn.execute("PRAGMA busy_timeout = 30000")
        return conn

    async def close(self) -> None:
        for conn in (self._sqlite_writer, self._sqlite_reader):
            if conn is not None:
                await conn.close()
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
    async def transaction(self) -> AsyncIterator[None]:
        if self._pool is not None:
            async with self._pool.acquire() as conn, conn.transaction():
                token = self._current.set(_Postgres(conn))
                try:
                    yield
                finally:
                    self._current.reset(token)
            return
        assert self._sqlite_writer is not None
        async with self._write_lock:
            conn = self._sqlite_writer
            # IMMEDIATE: take the write lock now, so other processes wait (busy timeout)
            # instead of failing at commit.
            await conn.execute("BEGIN IMMEDIATE")
            token = self._current.set(_Sqlite(conn))
            try:
                yield
            except BaseException:
                await conn.execute("ROLLBACK")
                raise
            else:
                await conn.execute("COMMIT")
            finally:
                self._current.reset(token)

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

    # ---- records ---------------------------------------------------------------------------

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
            " deleted, sites, seen_sites, revision, deleted_at_ms)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (key) DO UPDATE SET"
            " fields = excluded.fields, stamps = excluded.stamps,"
            " set_state = excluded.set_state, deleted = excluded.deleted,"
            " sites = excluded.sites, seen_sites = excluded.seen_sites,"
            " revision = excluded.revision, deleted_at_ms = excluded.deleted_at_ms",
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
        )
        await db.executemany(
            "INSERT INTO sync_record_site (key, record_key, site) VALUES (?, ?, ?)"
            " ON CONFLICT (key) DO NOTHING",
            [(f"{key}|{site}", key, site) for site in sorted(record.seen_sites)],
        )

    async def add_conflicts(self, entries: Sequence[ConflictEntry]) -> None:
        if not entries:
            return
        await self._db().executemany(
            "INSERT INTO sync_conflict (mutation_id, device_id, user_id, collection, record_id,"
            " field, kept, discarded, kept_stamp, discarded_stamp, revision, at_ms)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [
                (
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
                    e.revision,
                    e.at_ms,
                )
                for e in entries
            ],
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
