"""One request to a push service: encrypt (RFC 8291 aes128gcm, by the `webpush` package), sign
(VAPID), check where it goes, send it to the checked address, and say what became of it."""

from __future__ import annotations

import email.utils
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import lru_cache
from urllib.parse import urlsplit, urlunsplit

import httpx
from webpush import WebPush, WebPushSubscription  # type: ignore[import-untyped]
from webpush.types import WebPushKeys  # type: ignore[import-untyped]

from server.push.config import PushSettings
from server.push.endpoints import EndpointRefused, check_url, resolve
from server.push.vapid import authorization, public_key_pem

MAX_BODY = 4096  # bytes of encrypted body every push service accepts
READ_LIMIT = 1024  # of a push service's answer, for the attempt log
MAX_RETRY_AFTER_S = 6 * 3600


@dataclass(frozen=True)
class Outcome:
    """sent | retry (5xx, 429, no answer) | gone (404/410: the subscription ended) | failed."""

    outcome: str
    status: int | None = None
    detail: str = ""
    retry_after_s: float | None = None
    duration_ms: int = 0


@lru_cache(maxsize=4)
def _encrypter(private_pem: bytes) -> WebPush:
    return WebPush(private_key=private_pem, public_key=public_key_pem(private_pem))


def encrypt(
    settings: PushSettings, endpoint: str, p256dh: str, auth: str, payload: bytes, ttl: int
) -> bytes:
    """The aes128gcm body for this subscription (a fresh key pair and salt every time)."""
    message = _encrypter(settings.vapid_private_key).get(
        message=payload,
        subscription=WebPushSubscription(
            endpoint=endpoint,
            keys=WebPushKeys(auth=auth, p256dh=p256dh),
        ),
        subscriber="fieldkeep@example.com",  # only for webpush's own token, which we replace
        ttl=ttl,
    )
    encrypted: bytes = message.encrypted
    return encrypted


def parse_retry_after(value: str | None, now: float | None = None) -> float | None:
    """Retry-After as seconds from now: delta-seconds or an HTTP date (RFC 9110)."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return min(float(value), MAX_RETRY_AFTER_S)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    current = datetime.now(UTC).timestamp() if now is None else now
    return min(max(0.0, when.timestamp() - current), MAX_RETRY_AFTER_S)


def _url_at(endpoint: str, address: str) -> str:
    parts = urlsplit(endpoint)
    host = f"[{address}]" if ":" in address else address
    port = f":{parts.port}" if parts.port else ""
    return urlunsplit((parts.scheme, f"{host}{port}", parts.path or "/", parts.query, ""))


def classify(status: int, retry_after: str | None) -> Outcome:
    if status in (200, 201, 202):
        return Outcome("sent", status)
    if status in (404, 410):
        return Outcome("gone", status, "the subscription has expired or was removed")
    if status == 429 or status >= 500:
        return Outcome("retry", status, "push service busy", parse_retry_after(retry_after))
    if 300 <= status < 400:
        return Outcome("failed", status, "redirect not followed")
    if status == 413:
        return Outcome("failed", status, "payload too large")
    return Outcome("failed", status, "refused by the push service")


async def send(
    client: httpx.AsyncClient,
    settings: PushSettings,
    *,
    endpoint: str,
    p256dh: str,
    auth: str,
    payload: bytes,
    ttl: int,
    urgency: str,
    topic: str,
) -> Outcome:
    started = time.monotonic()

    def done(outcome: Outcome) -> Outcome:
        ms = int((time.monotonic() - started) * 1000)
        return Outcome(
            outcome.outcome, outcome.status, outcome.detail[:300], outcome.retry_after_s, ms
        )

    try:
        target = check_url(endpoint, settings)
        addresses = await resolve(target)
    except EndpointRefused as exc:
        if exc.code == "push_endpoint_unresolved":
            return done(Outcome("retry", None, exc.detail))
        return done(Outcome("failed", None, f"{exc.code}: {exc.detail}"))
    try:
        body = encrypt(settings, endpoint, p256dh, auth, payload, ttl)
    except Exception as exc:  # bad keys stored by an older version, say
        return done(Outcome("failed", None, f"encryption failed: {exc}"))
    if len(body) > MAX_BODY:
        return done(Outcome("failed", None, f"payload too large ({len(body)} bytes)"))
    headers = {
        "Host": target.host_header,
        "TTL": str(ttl),
        "Urgency": urgency,
        "Topic": topic,
        "Content-Encoding": "aes128gcm",
        "Content-Type": "application/octet-stream",
        "Authorization": authorization(
            settings.vapid_private_key, endpoint, settings.vapid_subject
        ),
    }
    # To the address just checked, never one a second lookup might give; the certificate is
    # still checked against the name (SNI).
    extensions = {"sni_hostname": target.host} if target.scheme == "https" else {}
    last = Outcome("retry", None, "no address answered")
    for address in addresses[:3]:
        request = client.build_request(
            "POST",
            _url_at(endpoint, str(address)),
            content=body,
            headers=headers,
            extensions=extensions,
        )
        try:
            response = await client.send(request, stream=True, follow_redirects=False)
        except httpx.ConnectError as exc:
            last = Outcome("retry", None, f"connect to {address}: {exc}")
            continue
        except httpx.TimeoutException:
            return done(Outcome("retry", None, "timed out"))
        except httpx.HTTPError as exc:
            return done(Outcome("retry", None, f"{type(exc).__name__}: {exc}"))
        try:
            answer = b""
            async for chunk in response.aiter_bytes():
                answer += chunk
                if len(answer) >= READ_LIMIT:
                    break
        except httpx.HTTPError:
            answer = b""
        finally:
            await response.aclose()
        outcome = classify(response.status_code, response.headers.get("retry-after"))
        if outcome.outcome != "sent" and answer:
            text = answer[:200].decode("utf-8", "replace").strip()
            outcome = Outcome(
                outcome.outcome, outcome.status, f"{outcome.detail}: {text}", outcome.retry_after_s
            )
        return done(outcome)
    return done(last)


def new_client(settings: PushSettings) -> httpx.AsyncClient:
    """No redirects, no proxies from the environment (the address check must see the real
    destination), short timeouts."""
    return httpx.AsyncClient(
        follow_redirects=False,
        trust_env=False,
        timeout=httpx.Timeout(settings.timeout_seconds, connect=min(5.0, settings.timeout_seconds)),
        limits=httpx.Limits(max_connections=20, max_keepalive_connections=10),
    )
