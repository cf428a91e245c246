import os

from piccolo.conf.apps import AppConfig

from server.findings.tables import Finding

APP_CONFIG = AppConfig(
    app_name="findings",
    migrations_folder_path=os.path.join(os.path.dirname(__file__), "piccolo_migrations"),
    table_classes=[Finding],
)
