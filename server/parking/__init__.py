"""Parking (停车收费): gates, versioned tariffs and the fee engine, exemption reasons, the
denominations a cashier counts; the shifts at the booth come next.

Differs: tariff.py is the pure fee engine (the PWA runs a port of it); demo.py seeds the demo
gates and tariffs.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from litestar.types import ControllerRouterHandler

    from server.syncing.handler_kit import Services
    from sync import Handler


def routes() -> list[ControllerRouterHandler]:
    from server.parking.controller import ParkingController

    return [ParkingController]


def sync_handlers(services: Services) -> list[Handler]:
    from server.parking.handlers import handlers as shift_handlers

    return shift_handlers(services)
