"""Loading the signed-in user for the app's one guard (`server.access.enforce`, which decides
who may call what), and the dependency that hands handlers the user."""

from __future__ import annotations

from typing import Any

from litestar.connection import ASGIConnection

from server.access import check_site_access
from server.auth.service import SESSION_DAYS, CurrentUser, user_for_session
from server.errors import AppError

__all__ = [
    "SESSION_COOKIE",
    "check_site_access",
    "current_user_of",
    "load_user",
    "provide_current_user",
]

SESSION_COOKIE = "fieldkeep_session"


async def load_user(connection: ASGIConnection[Any, Any, Any, Any]) -> CurrentUser:
    """Loads the signed-in user into the connection's state, or refuses with 401."""
    token = connection.cookies.get(SESSION_COOKIE)
    if not token:
        raise AppError("not_authenticated", 401)
    max_days = connection.app.state.get("session_max_days", SESSION_DAYS)
    user = await user_for_session(token, max_days)
    if user is None:
        raise AppError("session_expired", 401)
    connection.state.user = user
    return user


def current_user_of(connection: ASGIConnection[Any, Any, Any, Any]) -> CurrentUser:
    user = connection.state.get("user")
    if not isinstance(user, CurrentUser):
        raise AppError("not_authenticated", 401)
    return user


async def provide_current_user(request: ASGIConnection[Any, Any, Any, Any]) -> CurrentUser:
    return current_user_of(request)
