"""Key custody (钥匙管理): keys of vacant units and owner-entrusted keys, their QR tags, and the
append-only ledger of who took which key, when, and why.

Differs: tags.py keeps the tags' tokens off the devices; labels.py draws the QR label sheets
(PDF); demo.py registers and moves the demo keys.
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
    from server.keys.controller import KeysController

    return [KeysController]


def sync_handlers(services: Services) -> list[Handler]:
    from server.keys.handlers import KeyEventsHandler, KeysHandler
    from server.keys.tags import KeyTagsHandler

    return [KeysHandler(services), KeyEventsHandler(), KeyTagsHandler()]


def push_notices() -> Notices:
    from server.keys.notices import NOTICES

    return NOTICES


def sync_projections() -> list[Projection]:
    from server.keys.projections import KEY_EVENTS

    return [KEY_EVENTS]
