"""The sync engine's home in the server: its SQL store, its HTTP routes and the registry of
collection handlers that the domains contribute.

Differs: store.py, records.py, engine.py, collections.py, handler_kit.py, projection.py and
conflicts.py are the sync engine's server side, not a domain's; serial.py runs the pushes to a
one-writer store (SQLite) one after another in one task; demo.py is the demo users' phones,
through which the domains' demo records are pushed.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from litestar.types import ControllerRouterHandler

    from server.syncing.handler_kit import Services
    from sync import Handler


def routes() -> list[ControllerRouterHandler]:
    from server.syncing.controller import ROUTES

    return [*ROUTES]


def sync_handlers(services: Services) -> list[Handler]:
    # The domains bring their handlers; the engine's home brings the conflict log's.
    from server.syncing.conflicts import SiteConflictsHandler

    return [SiteConflictsHandler(services.name_of)]
