"""Supervisor review (审核) of what syncs in: approve locks a record, reject returns it."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from litestar.types import ControllerRouterHandler

    from server.push.notice import Notices
    from server.syncing.handler_kit import Services
    from sync import Handler


def routes() -> list[ControllerRouterHandler]:
    return []  # reviews are sync intents


def sync_handlers(services: Services) -> list[Handler]:
    from server.review.handlers import ReviewHandler

    return [ReviewHandler()]


def push_notices() -> Notices:
    from server.review.notices import NOTICES

    return NOTICES
