"""SQLite: the write-ahead log goes back into the database from the store's checkpoint thread,
not from a push's commit (the writer's automatic checkpoint is off). Its own SQLite file under
either --db: the thread exists on SQLite only."""

from __future__ import annotations

import asyncio
from pathlib import Path

from server.syncing.store import SqlStore
from tests.server.test_cli import env_for, run


async def test_the_log_is_copied_back_into_the_database_while_the_store_is_open(
    tmp_path: Path,
) -> None:
    path = tmp_path / "checkpoint.sqlite3"
    url = f"sqlite:///{path}"
    # Migrated by the command (in this process the migrations' raw SQL stays bound to the
    # suite's own database).
    migrated = run(["migrate"], env_for(tmp_path, url))
    assert migrated.returncode == 0, migrated.stderr
    store = await SqlStore.open(url)
    try:
        before = path.stat().st_size
        async with store.transaction():
            for n in range(2000):  # some 4 MB: well past SQLite's own 1,000-page checkpoint
                await store.query(
                    "INSERT INTO sync_meta (key, value) VALUES (?, ?)", f"k{n}", "x" * 2000
                )
        for _ in range(100):  # at most 10 s
            if path.stat().st_size >= before + 4_000_000:
                break
            await asyncio.sleep(0.1)
        assert path.stat().st_size >= before + 4_000_000
    finally:
        await store.close()
