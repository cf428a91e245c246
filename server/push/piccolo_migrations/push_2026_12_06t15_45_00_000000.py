from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.table import Table

ID = "2026-12-06T15:45:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "push: worker_lease, so one process of many runs the sender"


class WorkerLease(Table, tablename="worker_lease", schema=None):
    pass


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="push", description=DESCRIPTION)

    async def create() -> None:
        await WorkerLease.raw(
            'CREATE TABLE "worker_lease" ("name" VARCHAR(100) PRIMARY KEY,'
            ' "holder" VARCHAR(200) NOT NULL DEFAULT \'\', "until_ms" BIGINT NOT NULL DEFAULT 0)'
        )

    async def drop() -> None:
        await WorkerLease.raw('DROP TABLE IF EXISTS "worker_lease"')

    manager.add_raw(create)
    manager.add_raw_backwards(drop)

    return manager
