"""Accounts: users, their roles, sessions, sign-in and the guards every endpoint uses.

Differs: admin.py is the users admin's REST, guards.py the checks every endpoint uses.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from litestar.types import ControllerRouterHandler

    from server.syncing.handler_kit import Services
    from sync import Handler


def routes() -> list[ControllerRouterHandler]:
    from server.auth.admin import UsersController, update_me
    from server.auth.controller import ROUTES

    return [*ROUTES, update_me, UsersController]


def sync_handlers(services: Services) -> list[Handler]:
    return []  # accounts are not synced
