import os

from piccolo.conf.apps import AppConfig

from server.syncing.tables import (
    MediaRef,
    SyncConflict,
    SyncCounter,
    SyncDevice,
    SyncEvent,
    SyncMeta,
    SyncRecord,
    SyncRecordSite,
    SyncResult,
)

APP_CONFIG = AppConfig(
    app_name="syncing",
    migrations_folder_path=os.path.join(os.path.dirname(__file__), "piccolo_migrations"),
    table_classes=[
        SyncCounter,
        SyncMeta,
        SyncDevice,
        SyncResult,
        SyncRecord,
        SyncRecordSite,
        SyncConflict,
        MediaRef,
        SyncEvent,
    ],
)
