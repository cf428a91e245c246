"""The database engine chosen by settings, bound to every Piccolo table, and migrations."""

from __future__ import annotations

import asyncio
import fcntl
import io
import os
import sqlite3
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager, redirect_stdout
from datetime import datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from piccolo.apps.migrations.commands.base import BaseMigrationManager
from piccolo.apps.migrations.commands.forwards import run_forwards
from piccolo.apps.migrations.tables import Migration
from piccolo.conf.apps import Finder
from piccolo.engine.base import Engine
from piccolo.engine.postgres import PostgresEngine
from piccolo.engine.sqlite import SQLiteEngine, TransactionType

os.environ.setdefault("PICCOLO_CONF", "server.piccolo_conf")

SQLITE_BUSY_TIMEOUT_S = 30.0
# The PostgreSQL advisory lock that lets one process at a time migrate.
MIGRATION_LOCK_ID = 0x46_4B_4D_47  # "FKMG"


def engine_from_url(url: str) -> Engine[Any]:
    if url.startswith("sqlite:///"):
        path = Path(url.removeprefix("sqlite:///"))
        path.parent.mkdir(parents=True, exist_ok=True)
        # timeout: how long a writer waits for SQLite's lock (the busy timeout).
        return SQLiteEngine(path=str(path), timeout=SQLITE_BUSY_TIMEOUT_S)
    parts = urlsplit(url)
    if parts.scheme not in ("postgresql", "postgres"):
        raise ValueError(f"unsupported database URL scheme {parts.scheme!r}")
    return PostgresEngine(config={"dsn": url})


def all_tables() -> list[Any]:
    return [Migration, *Finder().get_table_classes()]


def configure(engine: Engine[Any]) -> None:
    """Make every table (and Piccolo's migration bookkeeping) use this engine."""
    import server.piccolo_conf as conf

    conf.DB = engine
    for table in all_tables():
        table._meta.db = engine


# One read-only connection per process and database file, for the few reads every request
# makes (the session check): Piccolo opens a connection, and a thread, per query on SQLite,
# which under 100 phones was a sixth of the event loop's time. A point lookup by an index runs
# in microseconds on the loop; autocommit, so no read snapshot outlives its query.
_hot_readers: dict[str, sqlite3.Connection] = {}


def _hot_reader(path: str) -> sqlite3.Connection:
    conn = _hot_readers.get(path)
    if conn is None:
        conn = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
        conn.execute("PRAGMA query_only = 1")
        # It runs on the event loop: a read waits for a lock (a WAL reset) briefly, not 30 s.
        conn.execute("PRAGMA busy_timeout = 2000")
        conn.row_factory = sqlite3.Row
        _hot_readers[path] = conn
    return conn


def close_hot_readers() -> None:
    while _hot_readers:
        _hot_readers.popitem()[1].close()


async def hot_read(sql: str, *args: Any) -> list[dict[str, Any]]:
    """Rows of a short read (`{}` placeholders, as Piccolo's raw queries), committed data only;
    on PostgreSQL through Piccolo's engine (and its pool)."""
    import server.piccolo_conf as conf

    engine = conf.DB
    if isinstance(engine, SQLiteEngine):
        cursor = _hot_reader(engine.path).execute(sql.replace("{}", "?"), args)
        return [dict(row) for row in cursor.fetchall()]
    if isinstance(engine, PostgresEngine) and engine.pool is not None:
        # Straight to the pool: Piccolo's query machinery was a third of this read's time.
        parts = sql.split("{}")
        numbered = parts[0] + "".join(f"${n}{part}" for n, part in enumerate(parts[1:], 1))
        return [dict(r) for r in await engine.pool.fetch(numbered, *args)]
    rows: list[dict[str, Any]] = await Migration.raw(sql, *args)
    return rows


async def keep_session(connection: Any) -> None:
    """asyncpg's pool `reset`, in place of its default: that one sends `SELECT
    pg_advisory_unlock_all(); CLOSE ALL; UNLISTEN *; RESET ALL` at every release, a round trip
    per pooled query (12 % of a worker's time under 100 phones). Our sessions keep no state
    (advisory locks are transaction-level; no LISTEN, SET or cursors), and asyncpg still rolls
    back a transaction left open before it calls this."""


async def start_pool(engine: Engine[Any]) -> None:
    """PostgreSQL: Piccolo's connection pool, released without asyncpg's reset round trip."""
    assert isinstance(engine, PostgresEngine)
    await engine.start_connection_pool(reset=keep_session)


def as_datetime(value: datetime | str) -> datetime:
    """A timestamptz column's value: PostgreSQL gives a datetime, SQLite its ISO text."""
    return value if isinstance(value, datetime) else datetime.fromisoformat(value)


def write_transaction() -> Any:
    """A write transaction on the configured engine; on SQLite it takes the write lock at once
    (BEGIN IMMEDIATE), so two writers never both read and then fail to upgrade their lock."""
    import server.piccolo_conf as conf

    engine = conf.DB
    if isinstance(engine, SQLiteEngine):
        return engine.transaction(transaction_type=TransactionType.immediate)
    return engine.transaction()


async def prepare_sqlite(engine: Engine[Any]) -> None:
    """WAL lets readers go on while one writer commits; the mode is stored in the file."""
    if isinstance(engine, SQLiteEngine):
        await engine._run_in_new_connection("PRAGMA journal_mode=WAL")


@asynccontextmanager
async def _one_migrator(engine: Engine[Any]) -> AsyncIterator[None]:
    """Held while migrating, so servers started together on several machines (or a
    `fieldkeep migrate` beside a starting server) migrate one after the other: the second finds
    nothing left to do instead of creating the same tables again."""
    if isinstance(engine, SQLiteEngine):
        lock = os.open(f"{engine.path}.migrate-lock", os.O_CREAT | os.O_RDWR, 0o600)
        try:
            await asyncio.to_thread(fcntl.flock, lock, fcntl.LOCK_EX)
            yield
        finally:
            os.close(lock)  # and with it the lock
        return
    import asyncpg  # type: ignore[import-untyped]

    assert isinstance(engine, PostgresEngine)
    conn = await asyncpg.connect(engine.config["dsn"])
    try:
        await conn.execute("SELECT pg_advisory_lock($1)", MIGRATION_LOCK_ID)
        yield
    finally:
        await conn.close()  # ends the session, and with it the lock


async def migrate(engine: Engine[Any]) -> None:
    configure(engine)
    await prepare_sqlite(engine)
    # Piccolo prints progress with emoji; keep our CLI's output ours.
    async with _one_migrator(engine):
        with redirect_stdout(io.StringIO()) as out:
            result = await run_forwards(app_name="all")
    if not result.success:
        raise RuntimeError(f"migrations failed: {result.message}\n{out.getvalue()}")


async def pending_migrations() -> list[str]:
    """Migration ids present in the code but not yet applied, as app:id."""
    manager = BaseMigrationManager()
    pending_all = not await Migration.table_exists().run()
    missing: list[str] = []
    for app_config in Finder().get_app_configs():
        modules = manager.get_migration_modules(app_config.resolved_migrations_folder_path)
        ids = manager.get_migration_ids(modules)
        done = (
            set()
            if pending_all
            else set(await Migration.get_migrations_which_ran(app_name=app_config.app_name))
        )
        missing += [f"{app_config.app_name}:{i}" for i in ids if i not in done]
    return missing


async def database_reachable(engine: Engine[Any]) -> bool:
    try:
        await engine._run_in_new_connection("SELECT 1")  # type: ignore[attr-defined]
    except Exception:
        return False
    return True
