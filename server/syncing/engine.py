"""Builds the sync engine on the configured database, for the app and the command line."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from server.settings import Settings
from server.syncing.collections import handlers, photo_fields
from server.syncing.store import SqlStore
from sync import SyncEngine


@asynccontextmanager
async def open_engine(settings: Settings) -> AsyncIterator[SyncEngine]:
    collections = handlers()
    store = await SqlStore.open(settings.database.url, photo_fields(collections))
    try:
        yield SyncEngine(store, collections, cursor_secret=settings.secrets.derive("sync-cursor"))
    finally:
        await store.close()
