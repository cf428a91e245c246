"""Security headers on every response: a Content-Security-Policy fit for the PWA, no framing,
no referrer to other sites, no MIME sniffing, and HSTS when the public address is https."""

from __future__ import annotations

from litestar.datastructures import MutableScopeHeaders
from litestar.types import BeforeMessageSendHookHandler, Message, Scope

# What the built PWA needs: its own scripts, plus WebAssembly for the ZXing QR reader
# ('wasm-unsafe-eval'); photo previews are blob: URLs; Vite inlines small assets as data:
# URIs; the photo worker and the service worker come from our origin; the camera is a
# MediaStream (no URL). Inline style only through the CSSOM, which CSP does not govern.
APP_POLICY = "; ".join(
    (
        "default-src 'self'",
        "script-src 'self' 'wasm-unsafe-eval'",
        "style-src 'self'",
        "img-src 'self' blob: data:",
        "font-src 'self' data:",
        "media-src 'self' blob:",
        "connect-src 'self'",
        "worker-src 'self'",
        "manifest-src 'self'",
        "object-src 'none'",
        "base-uri 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    )
)
# The API explorer (Swagger UI) is an inline script loading its bundle from jsDelivr.
SCHEMA_PREFIX = "/schema"
SCHEMA_CDN = "https://cdn.jsdelivr.net"
SCHEMA_POLICY = "; ".join(
    (
        "default-src 'self'",
        f"script-src 'self' 'unsafe-inline' {SCHEMA_CDN}",
        f"style-src 'self' 'unsafe-inline' {SCHEMA_CDN}",
        f"img-src 'self' data: {SCHEMA_CDN}",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'self'",
        "frame-ancestors 'none'",
    )
)
HSTS = "max-age=31536000; includeSubDomains"


def security_headers(*, https: bool) -> BeforeMessageSendHookHandler:
    """A before-send hook (it sees every response, 404s and errors too) adding the headers."""

    async def add_headers(message: Message, scope: Scope) -> None:
        if message["type"] != "http.response.start":
            return
        path = scope["path"]
        is_schema = path == SCHEMA_PREFIX or path.startswith(SCHEMA_PREFIX + "/")
        headers = MutableScopeHeaders.from_message(message)
        headers["Content-Security-Policy"] = SCHEMA_POLICY if is_schema else APP_POLICY
        headers["X-Frame-Options"] = "DENY"
        headers["Referrer-Policy"] = "same-origin"
        headers["X-Content-Type-Options"] = "nosniff"
        if https:
            headers["Strict-Transport-Security"] = HSTS

    return add_headers
