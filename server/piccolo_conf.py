"""Piccolo's configuration module: the app registry, and the engine that `server.db.configure` sets.

The engine defaults to FIELDKEEP_DATABASE_URL (or the embedded SQLite file) so that Piccolo's own
command line (`piccolo migrations new <app> --auto`) works from the repository root.
"""

import os

from piccolo.conf.apps import AppRegistry

from server.db import engine_from_url
from server.domains import piccolo_apps

DB = engine_from_url(os.environ.get("FIELDKEEP_DATABASE_URL", "sqlite:///data/fieldkeep.sqlite3"))

# Every domain with tables (server/domains.py) is a Piccolo app.
APP_REGISTRY = AppRegistry(apps=piccolo_apps())
