"""GET /api/health: the version, whether the database answers, whether migrations are current."""

from __future__ import annotations

import msgspec
from litestar import get

from server import __version__, db
from server.settings import Settings


class Health(msgspec.Struct):
    version: str
    database: bool
    migrations_current: bool


@get("/api/health")
async def health(settings: Settings) -> Health:
    from server.piccolo_conf import DB

    reachable = await db.database_reachable(DB)
    current = reachable and not await db.pending_migrations()
    return Health(version=__version__, database=reachable, migrations_current=current)
