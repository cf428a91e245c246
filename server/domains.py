"""The server's domains, in one list: the app serves their routes, the sync engine runs their
handlers, the push sender asks their notices, and Piccolo migrates their tables. Adding a domain
is one line in `DOMAINS` (docs/ARCHITECTURE.md says what its package holds)."""

from __future__ import annotations

from importlib.util import find_spec
from typing import Protocol

from litestar.types import ControllerRouterHandler

from server import (
    audit,
    auth,
    findings,
    keys,
    media,
    parking,
    patrols,
    permits,
    push,
    reports,
    review,
    sites,
    syncing,
    vendors,
)
from server.push.notice import Notices
from server.syncing.handler_kit import Services
from server.syncing.projection import Projection
from sync import Handler


class Domain(Protocol):
    """What a domain's package exports from its `__init__.py`: functions that import the
    domain's modules when called (domains import each other's tables and services: accounts and
    sites need each other, so a package that imported its controller on load would go round in
    a circle). Optionally also `push_notices() -> server.push.notice.Notices` and
    `sync_projections() -> list[server.syncing.projection.Projection]`.

    The names differ from the modules' (handlers.py, notices.py): importing a submodule sets the
    package attribute of its name, which would replace a function so named."""

    __name__: str

    def routes(self) -> list[ControllerRouterHandler]:
        """Its Litestar route handlers and controllers."""
        ...

    def sync_handlers(self, services: Services) -> list[Handler]:
        """Its sync collections' handlers, given the master-data lookups."""
        ...


DOMAINS: tuple[Domain, ...] = (
    auth,
    sites,
    findings,
    keys,
    patrols,
    review,
    media,
    push,
    syncing,
    parking,
    vendors,
    permits,
    audit,
    reports,
)


def all_routes() -> list[ControllerRouterHandler]:
    return [route for domain in DOMAINS for route in domain.routes()]


def all_handlers(services: Services) -> list[Handler]:
    return [handler for domain in DOMAINS for handler in domain.sync_handlers(services)]


def all_notices() -> list[Notices]:
    """The `push_notices()` of every domain that has them."""
    found = (getattr(domain, "push_notices", None) for domain in DOMAINS)
    return [make() for make in found if callable(make)]


def all_projections() -> list[Projection]:
    """The `sync_projections()` of every domain that has them: typed tables the store keeps beside
    the records (server/syncing/projection.py)."""
    found = (getattr(domain, "sync_projections", None) for domain in DOMAINS)
    return [projection for make in found if callable(make) for projection in make()]


def piccolo_apps() -> list[str]:
    """The Piccolo apps (a domain with tables has `piccolo_app.py`), for piccolo_conf.py."""
    apps = (f"{domain.__name__}.piccolo_app" for domain in DOMAINS)
    return [app for app in apps if find_spec(app) is not None]
