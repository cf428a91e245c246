"""Two `fieldkeep migrate` started together on an empty database (servers starting at once on
two machines) take turns: both succeed, and every migration is applied once."""

from __future__ import annotations

import asyncio
import subprocess
from pathlib import Path

from server import db
from server.settings import Settings
from tests.conftest import _create_postgres_database, _drop_postgres_database
from tests.server.test_cli import FIELDKEEP, env_for


def _fresh_database(settings: Settings, tmp_path: Path) -> tuple[str, str | None]:
    if settings.database.is_sqlite:
        return f"sqlite:///{tmp_path / 'fresh.sqlite3'}", None
    name = f"fieldkeep_migrate_{tmp_path.name[-20:].lower().replace('-', '_')}"
    return asyncio.run(_create_postgres_database(name)), name


def test_migrations_started_together_run_once(tmp_path: Path, settings: Settings) -> None:
    url, postgres_name = _fresh_database(settings, tmp_path)
    try:
        env = env_for(tmp_path, url)
        both = [
            subprocess.Popen(
                [*FIELDKEEP, "migrate"], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE
            )
            for _ in range(2)
        ]
        results = [(p.wait(timeout=300), p.stderr.read() if p.stderr else b"") for p in both]
        assert [code for code, _ in results] == [0, 0], results

        async def applied() -> tuple[list[str], list[str]]:
            db.configure(db.engine_from_url(url))
            rows = await db.Migration.select(db.Migration.app_name, db.Migration.name)
            return [f"{r['app_name']}:{r['name']}" for r in rows], await db.pending_migrations()

        names, pending = asyncio.run(applied())
        assert pending == []
        assert len(names) == len(set(names))
    finally:
        if postgres_name:
            asyncio.run(_drop_postgres_database(postgres_name))
