import os

from piccolo.conf.apps import AppConfig

from server.parking.tables import (
    Denomination,
    ExemptionReason,
    Gate,
    ParkingShift,
    ParkingTransaction,
    ReceiptPrefix,
    Tariff,
)

APP_CONFIG = AppConfig(
    app_name="parking",
    migrations_folder_path=os.path.join(os.path.dirname(__file__), "piccolo_migrations"),
    table_classes=[
        Gate,
        Tariff,
        ExemptionReason,
        Denomination,
        ReceiptPrefix,
        ParkingShift,
        ParkingTransaction,
    ],
    migration_dependencies=["server.auth.piccolo_app", "server.sites.piccolo_app"],
)
