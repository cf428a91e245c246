"""The audit log (操作日志): who did what, when, from which device, for every privileged action.

Differs: middleware.py (the hook that audits every REST write, mounted by server/app.py); the
sync intents are audited by the sync store (server/syncing/store.py) from the table in
service.py; words.py says each action, source and outcome in zh-CN and English."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from litestar.types import ControllerRouterHandler

    from server.syncing.handler_kit import Services
    from sync import Handler


def routes() -> list[ControllerRouterHandler]:
    from server.audit.controller import ROUTES

    return [*ROUTES]


def sync_handlers(services: Services) -> list[Handler]:
    return []  # written by the sync store and the REST hook, never synced
