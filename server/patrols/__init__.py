"""Vacant-unit patrols (空置房巡查): a checklist, meter readings and photos per visit to a
vacant unit; every failed item becomes a finding.

Differs: checklist.py holds the default checklist every new site gets (and upgrades older
versions at migrate); demo.py makes the demo patrols (approved, returned, waiting for review);
service.py gives the sync rules a unit's last accepted meter readings; projections.py keeps
the typed `patrol` table that reports count.
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
    from server.patrols.controller import due_list

    return [due_list]


def sync_handlers(services: Services) -> list[Handler]:
    from server.patrols.handlers import PatrolsHandler, PatrolTemplatesHandler

    return [PatrolTemplatesHandler(), PatrolsHandler(services)]


def push_notices() -> Notices:
    from server.patrols.notices import NOTICES

    return NOTICES


def sync_projections() -> list[Projection]:
    from server.patrols.projections import PATROLS

    return [PATROLS]
