"""Vendor inspection (外委单位监管): vendors, contracts, zones, versioned templates, settlement."""

from __future__ import annotations

from typing import Any

from server.vendors.controller import VendorsController

ROUTES: list[Any] = [VendorsController]


def handlers(*_: Any) -> list[Any]:
    """The domain's sync collections and intents: none until inspections are built."""
    return []
