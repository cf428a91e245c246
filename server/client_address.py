"""The address a request came from, believing X-Forwarded-For only from configured proxies."""

from __future__ import annotations

import functools
import ipaddress
from typing import Any

from litestar import Request

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


def parse_trusted_proxies(text: str) -> tuple[str, ...]:
    """`FIELDKEEP_TRUSTED_PROXIES`: addresses or networks (CIDR), separated by commas; kept as
    normalised text (settings are plain data)."""
    networks = []
    for part in text.split(","):
        if part.strip():
            try:
                networks.append(str(ipaddress.ip_network(part.strip(), strict=False)))
            except ValueError as exc:
                raise ValueError(
                    f"FIELDKEEP_TRUSTED_PROXIES: {part.strip()!r} is not an address or network"
                ) from exc
    return tuple(networks)


@functools.cache
def _networks(trusted: tuple[str, ...]) -> tuple[Network, ...]:
    return tuple(ipaddress.ip_network(n) for n in trusted)


def _is_trusted(address: str, trusted: tuple[str, ...]) -> bool:
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    return any(ip in network for network in _networks(trusted))


def client_address(request: Request[Any, Any, Any], trusted: tuple[str, ...]) -> str:
    """The peer's address; when the peer is a trusted proxy, the nearest address in
    X-Forwarded-For that is not one (anything further left could be written by the client)."""
    peer = request.client.host if request.client else "unknown"
    if not _is_trusted(peer, trusted):
        return peer
    hops = [h.strip() for h in request.headers.get("x-forwarded-for", "").split(",") if h.strip()]
    for hop in reversed(hops):
        if not _is_trusted(hop, trusted):
            return hop
    return hops[0] if hops else peer
