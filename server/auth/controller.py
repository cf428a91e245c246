"""HTTP endpoints for signing in and out and asking who is signed in."""

from __future__ import annotations

from typing import Any

from litestar import Request, Response, get, post
from litestar.datastructures import Cookie
from litestar.di import Provide
from litestar.status_codes import HTTP_204_NO_CONTENT

from server.auth import service
from server.auth.guards import SESSION_COOKIE, provide_current_user
from server.auth.schemas import (
    CsrfTokenRead,
    LoginRequest,
    LogoutRequest,
    UserEnvelope,
    UserRead,
    UserSiteRead,
)
from server.auth.service import CurrentUser
from server.client_address import client_address
from server.csrf import CSRFProtection, csrf_token_of
from server.errors import AppError
from server.openapi import refusals
from server.push.devices import forget_device
from server.settings import Settings
from server.sites.service import zone_named


async def user_read(user: CurrentUser) -> UserRead:
    sites = await service.sites_of(user.site_ids)
    return UserRead(
        id=user.id,
        username=user.username,
        display_name=user.display_name,
        language=user.language,
        roles=sorted(user.roles),
        sites=[
            UserSiteRead(
                id=s["id"],  # type: ignore[arg-type]
                name=s["name"],  # type: ignore[arg-type]
                code=s["code"],  # type: ignore[arg-type]
                timezone=zone_named(s["timezone"]).key,  # type: ignore[arg-type]
            )
            for s in sites
        ],
    )


def session_cookie(token: str, settings: Settings) -> Cookie:
    return Cookie(
        key=SESSION_COOKIE,
        value=token,
        path="/",
        httponly=True,
        secure=settings.server.secure_cookies,
        samesite="lax",
        max_age=service.SESSION_DAYS * 86400,
    )


@get("/api/auth/csrf", sync_to_thread=False)
def csrf(request: Request[Any, Any, Any]) -> CsrfTokenRead:
    """The CSRF token (also set as the `fieldkeep_csrf` cookie) to echo in `X-CSRF-Token`."""
    return CsrfTokenRead(csrf_token=csrf_token_of(request.scope.get("state", {})))


@post("/api/auth/login", status_code=200, responses=refusals(401, 429))
async def login(
    request: Request[Any, Any, Any], data: LoginRequest, settings: Settings
) -> Response[UserEnvelope]:
    address = client_address(request, settings.server.trusted_proxies)
    ticket = await service.begin_sign_in(data.username, address)
    if ticket.wait:
        wait = ticket.wait
        raise AppError("rate_limited", 429, headers={"Retry-After": str(wait)}, retry_after=wait)
    user_id = await service.authenticate(data.username, data.password)
    if user_id is None:
        raise AppError("invalid_credentials", 401)
    await service.sign_in_succeeded(ticket, data.username, address)
    token = await service.start_session(user_id, request.headers.get("user-agent", ""))
    user = await service.user_for_session(token)
    assert user is not None
    # The CSRF token is bound to the session: the new session gets its own.
    csrf: CSRFProtection = request.app.state.csrf
    return Response(
        UserEnvelope(user=await user_read(user)),
        cookies=[session_cookie(token, settings), csrf.cookie(csrf.new_token(token))],
    )


@post(
    "/api/auth/logout",
    status_code=HTTP_204_NO_CONTENT,
    dependencies={"user": Provide(provide_current_user)},
    response_cookies=[Cookie(key=SESSION_COOKIE, value="", path="/", max_age=0, httponly=True)],
)
async def logout(user: CurrentUser, data: LogoutRequest | None = None) -> None:
    """Ends this session; with `push_endpoint`, this browser's push subscription too (a
    shared phone must not keep showing the last user's notifications)."""
    await service.end_session(user.session_id)
    if data is not None and data.push_endpoint:
        await forget_device(user.id, data.push_endpoint)


@get(
    "/api/auth/me",
    dependencies={"user": Provide(provide_current_user)},
)
async def me(
    request: Request[Any, Any, Any], user: CurrentUser, settings: Settings
) -> Response[UserEnvelope]:
    """Who is signed in. The session cookie is sent again so the browser's copy slides with
    the server's 30 days (the PWA asks on every start)."""
    return Response(
        UserEnvelope(user=await user_read(user)),
        cookies=[session_cookie(request.cookies[SESSION_COOKIE], settings)],
    )


ROUTES = [csrf, login, logout, me]
