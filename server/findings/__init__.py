"""Findings (问题/整改单): what a patrol or inspection found wrong, who fixes it, by when.

Differs: demo.py makes the demo findings, one at each step.
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
    from server.findings.controller import ROUTES

    return [*ROUTES]


def sync_handlers(services: Services) -> list[Handler]:
    from server.findings.handlers import FindingCommentsHandler, FindingsHandler

    return [FindingsHandler(services), FindingCommentsHandler()]


def push_notices() -> Notices:
    from server.findings.notices import NOTICES

    return NOTICES


def sync_projections() -> list[Projection]:
    from server.findings.projections import FINDINGS

    return [FINDINGS]
