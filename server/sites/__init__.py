"""Sites (项目) → buildings (楼栋) → units (房号), and which users belong to which site.

Differs: units_csv.py reads and writes the units CSV.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from litestar.types import ControllerRouterHandler

    from server.syncing.handler_kit import Services
    from sync import Handler


def routes() -> list[ControllerRouterHandler]:
    from server.sites.controller import SitesController

    return [SitesController]


def sync_handlers(services: Services) -> list[Handler]:
    return []  # master data is edited over REST, not synced
