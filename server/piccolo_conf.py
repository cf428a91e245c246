"""Piccolo's configuration module: the app registry, and the engine that `server.db.configure` sets.

The engine defaults to FIELDKEEP_DATABASE_URL (or the embedded SQLite file) so that Piccolo's own
command line (`piccolo migrations new <app> --auto`) works from the repository root.
"""

import os

from piccolo.conf.apps import AppRegistry

from server.db import engine_from_url

DB = engine_from_url(os.environ.get("FIELDKEEP_DATABASE_URL", "sqlite:///data/fieldkeep.sqlite3"))

APP_REGISTRY = AppRegistry(
    apps=[
        "server.auth.piccolo_app",
        "server.sites.piccolo_app",
        "server.syncing.piccolo_app",
        "server.media.piccolo_app",
        "server.push.piccolo_app",
        "server.permits.piccolo_app",
    ]
)
