import os

from piccolo.conf.apps import AppConfig

from server.vendors.tables import (
    Contract,
    ContractSite,
    EvaluationSignoff,
    Inspection,
    InspectionItem,
    InspectionTemplate,
    TemplateItem,
    TemplateVersion,
    Vendor,
    Zone,
)

APP_CONFIG = AppConfig(
    app_name="vendors",
    migrations_folder_path=os.path.join(os.path.dirname(__file__), "piccolo_migrations"),
    table_classes=[
        Vendor,
        Contract,
        ContractSite,
        Zone,
        InspectionTemplate,
        TemplateVersion,
        TemplateItem,
        Inspection,
        InspectionItem,
        EvaluationSignoff,
    ],
    migration_dependencies=["server.auth.piccolo_app", "server.sites.piccolo_app"],
)
