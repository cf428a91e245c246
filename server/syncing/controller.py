"""POST /api/sync/push and GET /api/sync/pull: the one sync endpoint pair (protocol v1)."""

from __future__ import annotations

from typing import Annotated, Any

from litestar import Request, get, post
from litestar.di import Provide
from litestar.params import QueryParameter

from server.access import reaches_every_site
from server.auth.guards import provide_current_user
from server.auth.service import CurrentUser
from server.errors import AppError
from server.openapi import refusals
from server.sites.service import all_site_ids
from server.syncing.serial import SerialPushes
from sync import (
    Actor,
    BadCursor,
    BadLimit,
    DeviceMismatch,
    PullResponse,
    PushRequest,
    PushResponse,
    SyncEngine,
    audiences_of,
)

MAX_MUTATIONS = 500
MAX_PUSH_BYTES = 2 * 1024 * 1024


async def actor_of(user: CurrentUser) -> Actor:
    # Admins reach every site over sync as over REST (server/access.py).
    sites = await all_site_ids() if reaches_every_site(user.roles) else user.site_ids
    site_ids = frozenset(str(s) for s in sites)
    return Actor(
        user_id=str(user.id),
        roles=user.roles,
        site_ids=site_ids,
        # Records meant for some people only (a conflict: its two authors, the site's
        # supervisors) carry these tokens in their sites.
        audiences=audiences_of(str(user.id), user.roles, site_ids),
    )


def engine_of(request: Request[Any, Any, Any]) -> SyncEngine:
    engine: SyncEngine = request.app.state.sync_engine
    return engine


@post(
    "/api/sync/push",
    status_code=200,
    dependencies={"user": Provide(provide_current_user)},
    request_max_body_size=MAX_PUSH_BYTES,
    responses=refusals(409),
)
async def push(
    request: Request[Any, Any, Any], user: CurrentUser, data: PushRequest
) -> PushResponse:
    if len(data.mutations) > MAX_MUTATIONS:
        raise AppError("payload_too_large", 413, limit=f"{MAX_MUTATIONS} mutations")
    engine, actor = engine_of(request), await actor_of(user)
    serial: SerialPushes | None = request.app.state.serial_pushes
    try:
        if serial is None:
            return await engine.push(actor, data.device_id, data.mutations)
        return await serial.run(lambda: engine.push(actor, data.device_id, data.mutations))
    except DeviceMismatch:
        raise AppError("device_mismatch", 409) from None


@get("/api/sync/pull", dependencies={"user": Provide(provide_current_user)})
async def pull(
    request: Request[Any, Any, Any],
    user: CurrentUser,
    cursor: Annotated[str | None, QueryParameter(max_length=2000)] = None,
    limit: int = 500,
) -> PullResponse:
    try:
        return await engine_of(request).pull(await actor_of(user), cursor or None, limit)
    except BadCursor:
        raise AppError("bad_cursor", 400, field="cursor") from None
    except BadLimit:
        raise AppError("validation_error", 400, field="limit", detail="1 … 1000") from None


ROUTES = [push, pull]
