"""The app factory: `create_app(settings)` wires settings, storage, domains and error handling."""

from __future__ import annotations

import gc
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from litestar import Litestar
from litestar.config.response_cache import ResponseCacheConfig
from litestar.datastructures import State
from litestar.di import Provide
from litestar.openapi import OpenAPIConfig
from litestar.openapi.plugins import SwaggerRenderPlugin

from server import __version__, db
from server.access import enforce
from server.audit.middleware import audit_writes
from server.csrf import CSRFProtection
from server.domains import all_routes
from server.errors import EXCEPTION_HANDLERS
from server.health import health
from server.openapi import ErrorResponses
from server.push.sender import running_sender
from server.security_headers import security_headers
from server.settings import Settings
from server.static import pwa_files
from server.syncing.engine import open_engine
from server.syncing.serial import SerialPushes


def create_app(settings: Settings) -> Litestar:
    engine = db.engine_from_url(settings.database.url)
    db.configure(engine)

    @asynccontextmanager
    async def storage(app: Litestar) -> AsyncIterator[None]:
        db.configure(engine)
        pooled = settings.database.pool and not settings.database.is_sqlite
        if pooled:
            await db.start_pool(engine)
        try:
            async with open_engine(settings) as sync_engine:
                app.state.sync_engine = sync_engine
                # SQLite has one writer: its pushes go through one queue (server/syncing/serial.py).
                app.state.serial_pushes = SerialPushes() if settings.database.is_sqlite else None
                async with running_sender(settings):
                    # What start-up built lives as long as the process: out of the cyclic
                    # collector's sweeps, which otherwise walked it on every full collection.
                    gc.freeze()
                    yield
        finally:
            db.close_hot_readers()
            if pooled:
                await engine.close_connection_pool()  # type: ignore[no-untyped-call]

    csrf = CSRFProtection(settings.secrets.session_key, secure=settings.server.secure_cookies)
    return Litestar(
        route_handlers=[health, *all_routes(), pwa_files],
        # Who may call which route: one table (server/access.py), asked before every handler.
        guards=[enforce],
        dependencies={"settings": Provide(lambda: settings, use_cache=True, sync_to_thread=False)},
        # Read by the session guard and the sign-in (server/auth/).
        state=State({"session_max_days": settings.server.session_max_days, "csrf": csrf}),
        middleware=[csrf.middleware],
        before_send=[
            security_headers(https=settings.server.secure_cookies),
            audit_writes(settings.server.trusted_proxies),
        ],
        exception_handlers=EXCEPTION_HANDLERS,  # type: ignore[arg-type]
        lifespan=[storage],
        request_max_body_size=settings.server.max_body_bytes,
        openapi_config=OpenAPIConfig(
            title="Fieldkeep",
            version=__version__,
            path="/schema",
            render_plugins=[SwaggerRenderPlugin()],
        ),
        # Logging is set up by whoever runs the app (the CLI, uvicorn, tests), not here.
        logging_config=None,
        response_cache_config=ResponseCacheConfig(),
        plugins=[ErrorResponses()],
        debug=False,
    )


def app_from_env() -> Litestar:
    """For uvicorn's --factory with several workers: each worker reads the same environment."""
    settings = Settings.from_env()
    logging.basicConfig(level=settings.server.log_level.upper())
    return create_app(settings)
