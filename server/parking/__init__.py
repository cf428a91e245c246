"""Parking (停车收费): gates, versioned tariffs and the fee engine, exemption reasons, the
denominations a cashier counts, and the cashier's shift at the booth (fees, exemptions, the
blind count, the remittance slip, the hand-over and the day report).

Differs: tariff.py is the pure fee engine (the PWA runs a port of it); demo.py seeds the demo
gates, tariffs and shifts; report.py is the day report's SQL; documents.py the slip and report
PDF and XLSX.
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
    from server.parking.controller import ParkingController

    return [ParkingController]


def sync_handlers(services: Services) -> list[Handler]:
    from server.parking.handlers import handlers as shift_handlers

    return shift_handlers(services)


def push_notices() -> Notices:
    from server.parking.notices import NOTICES

    return NOTICES


def sync_projections() -> list[Projection]:
    from server.parking.projections import SHIFTS, TRANSACTIONS

    return [SHIFTS, TRANSACTIONS]
