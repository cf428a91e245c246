import os

from piccolo.conf.apps import AppConfig

from server.push.tables import (
    PushAttempt,
    PushMessage,
    PushOnce,
    PushPreference,
    PushSubscription,
    WorkerLease,
)

APP_CONFIG = AppConfig(
    app_name="push",
    migrations_folder_path=os.path.join(os.path.dirname(__file__), "piccolo_migrations"),
    table_classes=[
        PushSubscription,
        PushPreference,
        PushMessage,
        PushAttempt,
        PushOnce,
        WorkerLease,
    ],
    migration_dependencies=["server.auth.piccolo_app"],
)
