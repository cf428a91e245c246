from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.table import Table

ID = "2026-12-07T01:30:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "two indexes no query reads: a second one on sync_record.revision, sync_result.device_id"


class SyncRecord(Table, tablename="sync_record", schema=None):
    pass


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="syncing", description=DESCRIPTION)

    # Every write of a record or a result paid for them: sync_record.revision is unique (that
    # index answers every lookup by revision) and results are read by mutation id only.
    async def drop() -> None:
        await SyncRecord.raw("DROP INDEX IF EXISTS sync_record_revision")
        await SyncRecord.raw("DROP INDEX IF EXISTS sync_result_device_id")

    async def create() -> None:
        await SyncRecord.raw("CREATE INDEX sync_record_revision ON sync_record (revision)")
        await SyncRecord.raw("CREATE INDEX sync_result_device_id ON sync_result (device_id)")

    manager.add_raw(drop)
    manager.add_raw_backwards(create)

    return manager
