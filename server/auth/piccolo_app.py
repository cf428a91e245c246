import os

from piccolo.conf.apps import AppConfig

from server.auth.tables import AppUser, LoginAttempt, UserRole, UserSession

APP_CONFIG = AppConfig(
    app_name="auth",
    migrations_folder_path=os.path.join(os.path.dirname(__file__), "piccolo_migrations"),
    table_classes=[AppUser, UserRole, UserSession, LoginAttempt],
)
