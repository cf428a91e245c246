"""Web push: subscriptions, a durable outbox fed by domain events and overdue checks, and a
sender that encrypts (RFC 8291) and signs (VAPID, RFC 8292) every message.

Differs: config.py, vapid.py, endpoints.py (where it may send), delivery.py (one request),
queue.py, events.py, overdue.py, sender.py (the loop), notice.py (what domains hand it), texts.py,
devices.py (ending one device's subscription, also on sign-out), lease.py (one worker at a
time sends, under a lease in the database).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from litestar.types import ControllerRouterHandler

    from server.syncing.handler_kit import Services
    from sync import Handler


def routes() -> list[ControllerRouterHandler]:
    from server.push.controller import ROUTES

    return [*ROUTES]


def sync_handlers(services: Services) -> list[Handler]:
    return []  # subscriptions are per device, over REST
