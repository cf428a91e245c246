"""The database engine chosen by settings, bound to every Piccolo table, and migrations."""

from __future__ import annotations

import io
import os
from contextlib import redirect_stdout
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


async def migrate(engine: Engine[Any]) -> None:
    configure(engine)
    await prepare_sqlite(engine)
    # Piccolo prints progress with emoji; keep our CLI's output ours.
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
