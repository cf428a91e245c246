from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.table import Table

ID = "2026-12-06T23:30:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "events waiting for the push sender: a partial index instead of one on handled"


class SyncEvent(Table, tablename="sync_event", schema=None):
    pass


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="syncing", description=DESCRIPTION)

    # The sender asks `WHERE handled = false ORDER BY id`: with an index on the flag PostgreSQL
    # walked the ids past every handled event (3.4 ms a call once there were some 40,000).
    async def create() -> None:
        await SyncEvent.raw("DROP INDEX IF EXISTS sync_event_handled")
        await SyncEvent.raw(
            "CREATE INDEX sync_event_waiting ON sync_event (id) WHERE handled = false"
        )

    async def drop() -> None:
        await SyncEvent.raw("DROP INDEX IF EXISTS sync_event_waiting")
        await SyncEvent.raw("CREATE INDEX sync_event_handled ON sync_event (handled)")

    manager.add_raw(create)
    manager.add_raw_backwards(drop)

    return manager
