"""Builds the sync engine on the configured database, for the app and the command line."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from server.access import SyncAccess
from server.media.service import check_named_photos
from server.settings import Settings
from server.syncing.collections import announced_events, handlers, photo_fields, projections
from server.syncing.store import SqlStore
from sync import Handler, SyncEngine


@asynccontextmanager
async def open_store(
    settings: Settings, collections: list[Handler] | None = None
) -> AsyncIterator[SqlStore]:
    store = await SqlStore.open(
        settings.database.url,
        photo_fields(collections or handlers()),
        projections(),
        announced_events(),
    )
    try:
        yield store
    finally:
        await store.close()


@asynccontextmanager
async def open_engine(settings: Settings) -> AsyncIterator[SyncEngine]:
    collections = handlers(settings.data_dir)
    async with open_store(settings, collections) as store:
        yield SyncEngine(
            store,
            collections,
            cursor_secret=settings.secrets.derive("sync-cursor"),
            photo_check=check_named_photos,
            access=SyncAccess(),
        )
