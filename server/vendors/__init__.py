"""Vendor inspection (外委单位监管): vendors, contracts, zones, versioned templates, inspections
made offline and reviewed, and the monthly evaluation that drives the settlement.

Differs: settlement.py is the pure settlement rule (score tiers and deductions, as data);
scoring.py the pure total of one inspection; evaluation.py the month's evaluation (SQL over the
projected tables) and statement.py its PDF and XLSX; demo.py seeds the master data and
inspections.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from litestar.types import ControllerRouterHandler

    from server.push.notice import Notices
    from server.syncing.handler_kit import Services
    from server.syncing.projection import Projection
    from sync import Handler


def routes() -> list[ControllerRouterHandler]:
    from server.vendors.controller import VendorsController

    return [VendorsController]


def sync_handlers(services: Services) -> list[Handler]:
    from server.vendors.handlers import InspectionItemsHandler, InspectionsHandler

    return [InspectionsHandler(services), InspectionItemsHandler()]


def push_notices() -> Notices:
    from server.vendors.notices import NOTICES

    return NOTICES


def sync_projections() -> list[Projection]:
    from server.vendors.projections import INSPECTION_ITEMS, INSPECTIONS

    return [INSPECTIONS, INSPECTION_ITEMS]
