from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.table import Table

ID = "2026-12-06T09:23:00:373377"
VERSION = "1.38.0"
DESCRIPTION = "parking: unique indexes over several columns"

# server.parking.tables.UNIQUE_INDEXES as it was when this migration was written.
UNIQUE_INDEXES = (
    ("parking_gate_site_code", "parking_gate", ("site", "code")),
    ("parking_tariff_site_class_version", "parking_tariff", ("site", "vehicle_class", "version")),
    ("parking_exemption_reason_site_code", "parking_exemption_reason", ("site", "code")),
    ("parking_denomination_site_kind_fen", "parking_denomination", ("site", "kind", "fen")),
)


class Gate(Table, tablename="parking_gate", schema=None):
    pass


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="parking", description=DESCRIPTION)

    async def create() -> None:
        # CREATE UNIQUE INDEX is the same in SQLite and PostgreSQL (ALTER TABLE … ADD CONSTRAINT
        # is not in SQLite); Table.raw runs inside the migration's transaction.
        for name, table, columns in UNIQUE_INDEXES:
            quoted = ", ".join(f'"{c}"' for c in columns)
            await Gate.raw(f'CREATE UNIQUE INDEX "{name}" ON "{table}" ({quoted})')

    async def drop() -> None:
        for name, _, _ in UNIQUE_INDEXES:
            await Gate.raw(f'DROP INDEX IF EXISTS "{name}"')

    manager.add_raw(create)
    manager.add_raw_backwards(drop)

    return manager
