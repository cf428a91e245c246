"""Permits and cards (卡证): signed QR permits that a phone verifies offline, the sites' signing
keys, and the desk's REST endpoints."""

from __future__ import annotations

from typing import Any

from server.permits.controller import ROUTES

__all__ = ["ROUTES", "handlers"]


def handlers(*_: Any) -> list[Any]:
    """The domain's sync handlers (issue, renew, revoke and use come with the house layout)."""
    return []
