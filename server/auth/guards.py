"""Guards as plain functions of the connection, and the dependency that hands handlers the user."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from litestar.connection import ASGIConnection
from litestar.handlers.base import BaseRouteHandler

from server.auth.service import SESSION_DAYS, CurrentUser, user_for_session
from server.errors import AppError

SESSION_COOKIE = "fieldkeep_session"

Guard = Callable[[ASGIConnection[Any, Any, Any, Any], BaseRouteHandler], Any]


async def requires_user(
    connection: ASGIConnection[Any, Any, Any, Any], _: BaseRouteHandler
) -> None:
    """Loads the signed-in user into the connection's state, or refuses with 401."""
    token = connection.cookies.get(SESSION_COOKIE)
    if not token:
        raise AppError("not_authenticated", 401)
    max_days = connection.app.state.get("session_max_days", SESSION_DAYS)
    user = await user_for_session(token, max_days)
    if user is None:
        raise AppError("session_expired", 401)
    connection.state.user = user


def requires_role(*roles: str) -> Guard:
    """Lets through users holding at least one of the roles (after requires_user)."""

    def guard(connection: ASGIConnection[Any, Any, Any, Any], _: BaseRouteHandler) -> None:
        if not current_user_of(connection).has_any_role(*roles):
            raise AppError("forbidden", 403)

    return guard


def current_user_of(connection: ASGIConnection[Any, Any, Any, Any]) -> CurrentUser:
    user = connection.state.get("user")
    if not isinstance(user, CurrentUser):
        raise AppError("not_authenticated", 401)
    return user


def check_site_access(user: CurrentUser, site_id: int) -> None:
    """Another site's data is answered as if it did not exist (404), never shown."""
    if site_id not in user.site_ids and "admin" not in user.roles:
        raise AppError("not_found", 404)


async def provide_current_user(request: ASGIConnection[Any, Any, Any, Any]) -> CurrentUser:
    return current_user_of(request)
