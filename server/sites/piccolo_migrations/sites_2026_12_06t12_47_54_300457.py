from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.columns.column_types import Integer
from piccolo.columns.indexes import IndexMethod

ID = "2026-12-06T12:47:54:300457"
VERSION = "1.38.0"
DESCRIPTION = "site setting: days before a monthly permit ends that it is listed and pushed"


async def forwards():
    manager = MigrationManager(
        migration_id=ID, app_name="sites", description=DESCRIPTION
    )

    manager.add_column(
        table_class_name="Site",
        tablename="site",
        column_name="permit_reminder_days",
        db_column_name="permit_reminder_days",
        column_class_name="Integer",
        column_class=Integer,
        params={
            "default": 7,
            "null": False,
            "primary_key": False,
            "unique": False,
            "index": False,
            "index_method": IndexMethod.btree,
            "choices": None,
            "db_column_name": None,
            "secret": False,
        },
        schema=None,
    )

    return manager
