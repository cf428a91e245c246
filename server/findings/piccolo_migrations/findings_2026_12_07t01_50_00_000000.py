from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.table import Table

ID = "2026-12-07T01:50:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "finding: one index on (site_id, due_date) in place of the one on site_id"


class Finding(Table, tablename="finding", schema=None):
    pass


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="findings", description=DESCRIPTION)

    # The overdue check asks for a site's findings due in the last days; what asks by site
    # alone reads the same index by its first column.
    async def create() -> None:
        await Finding.raw("CREATE INDEX finding_site_due ON finding (site_id, due_date)")
        await Finding.raw("DROP INDEX IF EXISTS finding_site_id")

    async def drop() -> None:
        await Finding.raw("CREATE INDEX finding_site_id ON finding (site_id)")
        await Finding.raw("DROP INDEX IF EXISTS finding_site_due")

    manager.add_raw(create)
    manager.add_raw_backwards(drop)

    return manager
