"""VAPID (RFC 8292): the application server key the browser subscribes with, and the signed
token that goes with every request to a push service."""

from __future__ import annotations

import base64
import time
from functools import lru_cache
from urllib.parse import urlsplit

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec

# RFC 8292 allows at most 24 hours; push services reject tokens that live longer.
TOKEN_SECONDS = 12 * 60 * 60


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


@lru_cache(maxsize=4)
def _private_key(pem: bytes) -> ec.EllipticCurvePrivateKey:
    key = serialization.load_pem_private_key(pem, password=None)
    assert isinstance(key, ec.EllipticCurvePrivateKey)
    return key


def public_key_pem(private_pem: bytes) -> bytes:
    return (
        _private_key(private_pem)
        .public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
    )


@lru_cache(maxsize=4)
def application_server_key(private_pem: bytes) -> str:
    """The public key as the browser's `applicationServerKey`: the uncompressed P-256 point
    (65 bytes, 0x04 ‖ x ‖ y) in base64url without padding."""
    point = (
        _private_key(private_pem)
        .public_key()
        .public_bytes(serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint)
    )
    return b64url(point)


def origin_of(endpoint: str) -> str:
    """The endpoint's origin (RFC 6454): scheme, host and any non-default port."""
    parts = urlsplit(endpoint)
    host = parts.hostname or ""
    if ":" in host:
        host = f"[{host}]"
    default = 443 if parts.scheme == "https" else 80
    port = f":{parts.port}" if parts.port and parts.port != default else ""
    return f"{parts.scheme}://{host}{port}"


def authorization(private_pem: bytes, endpoint: str, subject: str, now: float | None = None) -> str:
    """`vapid t=<JWT>, k=<public key>` for a request to `endpoint`.

    Signed here rather than by `webpush.VAPID`: that one leaves a non-default port out of the
    audience and always prefixes the subject with mailto:."""
    issued = int(time.time() if now is None else now)
    token = jwt.encode(
        {"aud": origin_of(endpoint), "exp": issued + TOKEN_SECONDS, "sub": subject},
        _private_key(private_pem),
        algorithm="ES256",
    )
    return f"vapid t={token}, k={application_server_key(private_pem)}"
