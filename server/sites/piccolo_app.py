import os

from piccolo.conf.apps import AppConfig

from server.sites.tables import Building, Site, SiteMember, Unit

APP_CONFIG = AppConfig(
    app_name="sites",
    migrations_folder_path=os.path.join(os.path.dirname(__file__), "piccolo_migrations"),
    table_classes=[Site, Building, Unit, SiteMember],
    migration_dependencies=["server.auth.piccolo_app"],
)
