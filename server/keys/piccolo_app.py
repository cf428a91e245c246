import os

from piccolo.conf.apps import AppConfig

from server.keys.tables import KeyEvent

APP_CONFIG = AppConfig(
    app_name="keys",
    migrations_folder_path=os.path.join(os.path.dirname(__file__), "piccolo_migrations"),
    table_classes=[KeyEvent],
)
