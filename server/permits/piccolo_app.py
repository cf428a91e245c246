import os

from piccolo.conf.apps import AppConfig

from server.permits.tables import Permit, PermitSigningKey

APP_CONFIG = AppConfig(
    app_name="permits",
    migrations_folder_path=os.path.join(os.path.dirname(__file__), "piccolo_migrations"),
    table_classes=[PermitSigningKey, Permit],
    migration_dependencies=["server.sites.piccolo_app"],
)
