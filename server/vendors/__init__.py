"""Vendor inspection (外委单位监管): vendors, contracts, zones, versioned templates, settlement.

Differs: settlement.py is the pure settlement rule (score tiers and deductions, as data);
demo.py seeds the demo templates, zones, vendors and contracts.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from litestar.types import ControllerRouterHandler

    from server.syncing.handler_kit import Services
    from sync import Handler


def routes() -> list[ControllerRouterHandler]:
    from server.vendors.controller import VendorsController

    return [VendorsController]


def sync_handlers(services: Services) -> list[Handler]:
    return []  # inspections come next
