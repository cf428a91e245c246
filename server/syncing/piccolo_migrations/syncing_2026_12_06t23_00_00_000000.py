from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.table import Table

ID = "2026-12-06T23:00:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "site rows carry the record's collection and revision, indexed by site and revision"


class SyncRecordSite(Table, tablename="sync_record_site", schema=None):
    pass


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="syncing", description=DESCRIPTION)

    # The same SQL on SQLite and PostgreSQL; Table.raw runs inside the migration's transaction.
    async def create() -> None:
        for sql in (
            "ALTER TABLE sync_record_site ADD COLUMN collection VARCHAR(64) NOT NULL DEFAULT ''",
            "ALTER TABLE sync_record_site ADD COLUMN revision BIGINT NOT NULL DEFAULT 0",
            "UPDATE sync_record_site SET"
            " collection = (SELECT r.collection FROM sync_record r"
            " WHERE r.key = sync_record_site.record_key),"
            " revision = (SELECT r.revision FROM sync_record r"
            " WHERE r.key = sync_record_site.record_key)"
            " WHERE EXISTS (SELECT 1 FROM sync_record r WHERE r.key = sync_record_site.record_key)",
            "DROP INDEX IF EXISTS sync_record_site_site",
            "CREATE INDEX sync_record_site_site_revision ON sync_record_site (site, revision)",
        ):
            await SyncRecordSite.raw(sql)

    async def drop() -> None:
        for sql in (
            "DROP INDEX IF EXISTS sync_record_site_site_revision",
            "CREATE INDEX sync_record_site_site ON sync_record_site (site)",
            "ALTER TABLE sync_record_site DROP COLUMN revision",
            "ALTER TABLE sync_record_site DROP COLUMN collection",
        ):
            await SyncRecordSite.raw(sql)

    manager.add_raw(create)
    manager.add_raw_backwards(drop)

    return manager
