"""Which collections the sync engine serves: every domain's handlers, given the lookups into
master data (members, names, site settings) that their rules need, cached briefly (all but
membership, which decides access)."""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import TypeVar

from server.auth.service import display_name
from server.domains import all_handlers, all_notices, all_projections
from server.patrols.service import last_readings
from server.sites.service import active_members, site_of_unit, site_settings
from server.syncing.handler_kit import Services
from server.syncing.projection import Projection
from sync import Handler

# Master data changes rarely and the rules read it on every mutation: cache it briefly.
CACHE_TTL_S = 30.0

K = TypeVar("K")
V = TypeVar("V")


def cached(load: Callable[[K], Awaitable[V]]) -> Callable[[K], Awaitable[V]]:
    entries: dict[K, tuple[float, V]] = {}

    async def get(key: K) -> V:
        hit = entries.get(key)
        if hit and time.monotonic() - hit[0] < CACHE_TTL_S:
            return hit[1]
        value = await load(key)
        entries[key] = (time.monotonic(), value)
        return value

    return get


def services(data_dir: Path | None = None) -> Services:
    """Fresh caches: one set per engine (per app), so a new app never sees another's data."""
    return Services(
        # Not cached: who belongs to a site is an access decision, and a member removed a
        # moment ago must not still be handed keys or assigned findings.
        members_of=active_members,
        name_of=cached(display_name),
        site_settings=cached(site_settings),
        site_of_unit=cached(site_of_unit),
        last_readings=last_readings,
        data_dir=data_dir,
    )


def handlers(data_dir: Path | None = None) -> list[Handler]:
    """Every domain's handlers (server/domains.py), sharing one set of caches."""
    return all_handlers(services(data_dir))


def projections() -> list[Projection]:
    """The typed tables the store keeps beside the records of these collections."""
    return all_projections()


def announced_events() -> frozenset[str]:
    """The event kinds some domain's push notices are made from (server/push/events.py)."""
    return frozenset(kind for notices in all_notices() for kind in notices.events)


def photo_fields(handlers: list[Handler]) -> dict[str, frozenset[str]]:
    """Collection -> fields holding photo hashes."""
    return {h.collection: h.photo_fields for h in handlers if h.photo_fields}
