from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.table import Table

ID = "2026-12-06T09:25:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "unique serial per site"


class Permit(Table, tablename="permit"):
    pass


async def unique_serial_per_site():
    # Written by hand (Piccolo has no composite unique constraint): a site's running numbers
    # stay unique even if two desks issue at the same moment.
    await Permit.raw("CREATE UNIQUE INDEX permit_site_serial ON permit (site, serial)")


async def drop_unique_serial_per_site():
    await Permit.raw("DROP INDEX IF EXISTS permit_site_serial")


async def forwards():
    manager = MigrationManager(
        migration_id=ID, app_name="permits", description=DESCRIPTION
    )
    manager.add_raw(unique_serial_per_site)
    manager.add_raw_backwards(drop_unique_serial_per_site)
    return manager
