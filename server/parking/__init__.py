"""Parking (停车收费): gates, versioned tariffs and the fee engine, exemption reasons, the
denominations a cashier counts; the shifts at the booth come next."""

from __future__ import annotations

from typing import Any

from server.parking.controller import ParkingController

ROUTES: list[Any] = [ParkingController]


def handlers(*_: Any) -> list[Any]:
    """The domain's sync handlers: none until the shift intents land."""
    return []
