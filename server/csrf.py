"""Double-submit CSRF protection: a JS-readable signed cookie that unsafe requests echo back.
The token is bound to the session cookie it was issued with (its MAC covers a hash of it), so a
token planted or read before a sign-in, or taken from another session, is refused."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from typing import Any

from litestar.datastructures import Cookie, MutableScopeHeaders
from litestar.enums import ScopeType
from litestar.types import ASGIApp, Message, Receive, Scope, Send

from server.errors import AppError

CSRF_COOKIE = "fieldkeep_csrf"
# The session cookie's name (server/auth/guards.py SESSION_COOKIE; not imported: auth imports us).
SESSION_COOKIE = "fieldkeep_session"
CSRF_HEADER = "x-csrf-token"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


class CSRFProtection:
    def __init__(self, secret: bytes, secure: bool) -> None:
        self._key = hmac.new(secret, b"csrf", hashlib.sha256).digest()
        self._secure = secure

    def _mac(self, nonce: str, session: str | None) -> str:
        bound = hashlib.sha256((session or "").encode()).hexdigest()
        return hmac.new(self._key, f"{nonce}|{bound}".encode(), hashlib.sha256).hexdigest()

    def new_token(self, session: str | None) -> str:
        """A token for requests that carry this session cookie (None: signed out)."""
        nonce = secrets.token_hex(16)
        return nonce + "." + self._mac(nonce, session)

    def is_valid(self, token: str, session: str | None) -> bool:
        nonce, _, mac = token.partition(".")
        return bool(nonce) and hmac.compare_digest(mac, self._mac(nonce, session))

    def cookie(self, token: str) -> Cookie:
        return Cookie(
            key=CSRF_COOKIE,
            value=token,
            path="/",
            secure=self._secure,
            httponly=False,  # the PWA reads it to echo it
            samesite="strict",
        )

    def middleware(self, app: ASGIApp) -> ASGIApp:
        async def csrf_middleware(scope: Scope, receive: Receive, send: Send) -> None:
            if scope["type"] != ScopeType.HTTP:
                await app(scope, receive, send)
                return
            cookie = _cookie(scope, CSRF_COOKIE)
            session = _cookie(scope, SESSION_COOKIE)
            if scope["method"] not in SAFE_METHODS:
                header = _header(scope, CSRF_HEADER)
                if not (
                    cookie
                    and header
                    and hmac.compare_digest(cookie, header)
                    and self.is_valid(cookie, session)
                ):
                    raise AppError("csrf_failed", 403)
                await app(scope, receive, send)
                return
            if cookie and self.is_valid(cookie, session):
                scope.setdefault("state", {})["csrf_token"] = cookie
                await app(scope, receive, send)
                return
            token = self.new_token(session)
            scope.setdefault("state", {})["csrf_token"] = token

            async def send_with_cookie(message: Message) -> None:
                if message["type"] == "http.response.start":
                    headers = MutableScopeHeaders.from_message(message)
                    headers.add("set-cookie", self.cookie(token).to_header(header=""))
                await send(message)

            await app(scope, receive, send_with_cookie)

        return csrf_middleware


def _header(scope: Scope, name: str) -> str | None:
    raw = name.encode()
    for key, value in scope.get("headers", []):
        if key.lower() == raw:
            return bytes(value).decode("latin-1")
    return None


def _cookie(scope: Scope, name: str) -> str | None:
    header = _header(scope, "cookie")
    if not header:
        return None
    for part in header.split(";"):
        key, _, value = part.strip().partition("=")
        if key == name:
            return value
    return None


def csrf_token_of(state: Any) -> str:
    return str(state.get("csrf_token", ""))
