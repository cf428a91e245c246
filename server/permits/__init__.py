"""Permits and cards (卡证): signed QR permits that a phone verifies offline, the sites' signing
keys, and the desk's REST endpoints.

Differs: signing.py is the QR format (COSE_Sign1 over CBOR, base45), keys.py the sites' signing
keys, issuing.py the rules the intents and the desk's calls share, document.py the printed A6
permit, demo.py the demo permits.
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
    from server.permits.controller import ROUTES

    return [*ROUTES]


def sync_handlers(services: Services) -> list[Handler]:
    from server.permits.handlers import PermitsHandler

    return [PermitsHandler(services)]


def push_notices() -> Notices:
    from server.permits.notices import NOTICES

    return NOTICES


def sync_projections() -> list[Projection]:
    from server.permits.projections import PERMITS

    return [PERMITS]
