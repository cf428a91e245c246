"""Which push endpoints the server will ever send to (it makes requests to URLs that browsers
hand it, so this is SSRF territory).

An endpoint is accepted when it is https, names no credentials, and its host is one of the big
browsers' push services (on the default port) or is listed in FIELDKEEP_PUSH_ALLOW_HOSTS. An
address that is not globally routable (private, loopback, link-local, shared, reserved …) is
refused unless the endpoint's host is listed. The check runs when a device subscribes and again
before every request, on the addresses the name resolves to then; the request goes to the
checked address (so a DNS answer that changes in between is never used unchecked).
"""

from __future__ import annotations

import asyncio
import ipaddress
import socket
from dataclasses import dataclass
from urllib.parse import urlsplit

from server.push.config import PushSettings

MAX_ENDPOINT = 2048
# Chrome, Edge (FCM), Firefox, Edge legacy/Windows (WNS), Safari (APNs web push).
KNOWN_HOSTS = frozenset({"fcm.googleapis.com", "updates.push.services.mozilla.com"})
KNOWN_SUFFIXES = (".notify.windows.com", ".push.apple.com")
KNOWN_EXACT_APPLE = "web.push.apple.com"
RESOLVE_TIMEOUT_S = 3.0

IpAddress = ipaddress.IPv4Address | ipaddress.IPv6Address


class EndpointRefused(Exception):
    """`code` is the API error code (push_endpoint_…)."""

    def __init__(self, code: str, detail: str) -> None:
        super().__init__(detail)
        self.code = code
        self.detail = detail


@dataclass(frozen=True)
class Target:
    """A checked endpoint: where to connect, and what to say in Host and SNI."""

    scheme: str
    host: str  # the name (or literal address) from the URL, lower case
    port: int
    allowed: bool  # listed in FIELDKEEP_PUSH_ALLOW_HOSTS

    @property
    def host_header(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        default = 443 if self.scheme == "https" else 80
        return host if self.port == default else f"{host}:{self.port}"


def is_known_push_service(host: str) -> bool:
    return (
        host in KNOWN_HOSTS
        or host == KNOWN_EXACT_APPLE
        or any(host.endswith(s) and len(host) > len(s) for s in KNOWN_SUFFIXES)
    )


def is_public(address: IpAddress) -> bool:
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped:
        address = address.ipv4_mapped
    return address.is_global and not address.is_multicast


def _literal(host: str) -> IpAddress | None:
    try:
        return ipaddress.ip_address(host)
    except ValueError:
        return None


def check_url(endpoint: str, settings: PushSettings) -> Target:
    """What can be said without DNS; raises EndpointRefused."""
    if len(endpoint) > MAX_ENDPOINT or any(c.isspace() for c in endpoint):
        raise EndpointRefused("push_endpoint_invalid", "too long or holds spaces")
    parts = urlsplit(endpoint)
    try:
        port = parts.port
    except ValueError:
        raise EndpointRefused("push_endpoint_invalid", "bad port") from None
    host = (parts.hostname or "").rstrip(".")
    if parts.scheme not in ("https", "http") or not host:
        raise EndpointRefused("push_endpoint_invalid", "not an http(s) URL")
    if parts.username is not None or parts.password is not None or "@" in parts.netloc:
        raise EndpointRefused("push_endpoint_invalid", "credentials in the URL")
    port = port or (443 if parts.scheme == "https" else 80)
    bracketed = f"[{host}]" if ":" in host else host
    # A listed "host" means its default https port; "host:port" that port.
    names = {f"{bracketed}:{port}"} | ({bracketed} if port == 443 else set())
    target = Target(parts.scheme, host, port, allowed=bool(names & settings.allow_hosts))
    if parts.scheme != "https" and not (target.allowed and settings.allow_http):
        raise EndpointRefused("push_endpoint_not_https", "only https endpoints")
    literal = _literal(host)
    if literal is not None and not is_public(literal) and not target.allowed:
        raise EndpointRefused("push_endpoint_private_address", f"{literal} is not public")
    if not target.allowed and not (is_known_push_service(host) and port == 443):
        raise EndpointRefused("push_endpoint_refused", f"{host}:{port} is not a push service")
    return target


async def lookup(host: str, port: int) -> list[str]:
    """The addresses DNS gives for `host` (a seam for tests)."""
    loop = asyncio.get_running_loop()
    infos = await asyncio.wait_for(
        loop.getaddrinfo(host, port, type=socket.SOCK_STREAM), RESOLVE_TIMEOUT_S
    )
    return [str(info[4][0]) for info in infos]


async def resolve(target: Target) -> list[IpAddress]:
    """The addresses to connect to, every one checked; raises EndpointRefused (also when the
    name does not resolve: the caller decides whether that is final)."""
    literal = _literal(target.host)
    if literal is not None:
        addresses = [literal]
    else:
        try:
            found = await lookup(target.host, target.port)
        except (OSError, TimeoutError) as exc:
            raise EndpointRefused("push_endpoint_unresolved", f"{target.host}: {exc}") from None
        addresses = []
        for text in found:
            address = ipaddress.ip_address(text.split("%")[0])
            if address not in addresses:
                addresses.append(address)
    if not addresses:
        raise EndpointRefused("push_endpoint_unresolved", f"{target.host}: no address")
    bad = [a for a in addresses if not is_public(a)]
    if bad and not target.allowed:
        raise EndpointRefused(
            "push_endpoint_private_address", f"{target.host} resolves to {bad[0]}"
        )
    return addresses


async def check_subscription_endpoint(endpoint: str, settings: PushSettings) -> Target:
    """At subscription: the URL rules, and the addresses when the name resolves now (a name
    that does not resolve is accepted here and checked again before every send)."""
    target = check_url(endpoint, settings)
    try:
        await resolve(target)
    except EndpointRefused as exc:
        if exc.code != "push_endpoint_unresolved":
            raise
    return target
