"""Photos: content-addressed upload (PUT /api/media/<sha256>), normalized storage, scoped reads.

Differs: processing.py (decoding, normalising), storage.py (the store interface, the disk store),
s3.py (the S3 store), config.py (which store), transfer.py (verified copies between stores:
migrate, backup, restore) and gc.py (unused photos).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from litestar.types import ControllerRouterHandler

    from server.syncing.handler_kit import Services
    from sync import Handler


def routes() -> list[ControllerRouterHandler]:
    from server.media.controller import ROUTES

    return [*ROUTES]


def sync_handlers(services: Services) -> list[Handler]:
    return []  # photos are files named in synced records, not records
