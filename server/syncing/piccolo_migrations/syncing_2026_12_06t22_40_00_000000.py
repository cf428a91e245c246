from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.table import Table

ID = "2026-12-06T22:40:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "PostgreSQL: revisions from a sequence, started where the counter stands"


class SyncCounter(Table, tablename="sync_counter", schema=None):
    pass


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="syncing", description=DESCRIPTION)

    async def create() -> None:
        # SQLite keeps the counter row (one writer at a time). OWNED BY: emptying the tables
        # with TRUNCATE … RESTART IDENTITY starts the sequence again too.
        if SyncCounter._meta.db.engine_type != "postgres":
            return
        await SyncCounter.raw(
            "CREATE SEQUENCE sync_revision AS bigint MINVALUE 1 OWNED BY sync_counter.value"
        )
        await SyncCounter.raw(
            "SELECT setval('sync_revision', greatest(v, 1), v > 0)"
            " FROM (SELECT coalesce(max(value), 0) AS v FROM sync_counter) AS counter"
        )

    async def drop() -> None:
        if SyncCounter._meta.db.engine_type != "postgres":
            return
        await SyncCounter.raw(
            "UPDATE sync_counter SET value = coalesce(pg_sequence_last_value('sync_revision'), 0)"
        )
        await SyncCounter.raw("DROP SEQUENCE sync_revision")

    manager.add_raw(create)
    manager.add_raw_backwards(drop)

    return manager
