"""Push settings from FIELDKEEP_* variables, and the VAPID key pair (made on first start).

FIELDKEEP_VAPID_PRIVATE_KEY   the VAPID private key: PEM, or the raw 32-byte P-256 scalar in
                              base64url (what `web-push generate-vapid-keys` prints); else one
                              is generated into data/secrets/vapid_private_key.pem (mode 0600)
FIELDKEEP_VAPID_SUBJECT       the contact in every VAPID token (mailto: or https:); default the
                              public base URL when it is https
FIELDKEEP_PUSH_ALLOW_HOSTS    extra push-service hosts, comma-separated host[:port]; a listed
                              host may also be a private address (tests: 127.0.0.1:PORT)
FIELDKEEP_PUSH_ALLOW_HTTP     1: plain http is accepted, for listed hosts only
FIELDKEEP_PUSH_SENDER         0: this server process sends nothing (run `fieldkeep push run`)
FIELDKEEP_PUSH_POLL_SECONDS   how often the sender looks for events and due messages (2)
FIELDKEEP_PUSH_CHECK_SECONDS  how often overdue keys and findings are checked (60)
FIELDKEEP_PUSH_RETRY_SECONDS  the first retry's delay; doubled per attempt, up to an hour (10)
FIELDKEEP_PUSH_MAX_ATTEMPTS   attempts before a message is given up (8)
FIELDKEEP_PUSH_TIMEOUT_SECONDS  one request to a push service, connect and answer (10)
FIELDKEEP_PUSH_LEASE_SECONDS  the sender lease: with several processes one sends, and another
                              takes over this long after it stops renewing (30)
"""

from __future__ import annotations

import base64
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec

from server.secret_files import load_or_create_secret

VAPID_FILE = "vapid_private_key.pem"


def _b64url_decode(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _pem(key: ec.EllipticCurvePrivateKey) -> bytes:
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )


def parse_vapid_private_key(text: str) -> bytes:
    """The key as PKCS8 PEM, from PEM or a base64url raw scalar; ValueError when unusable."""
    text = text.strip()
    try:
        if text.startswith("-----BEGIN"):
            key = serialization.load_pem_private_key(text.encode(), password=None)
        else:
            raw = _b64url_decode(text)
            if len(raw) != 32:
                raise ValueError("not 32 bytes")
            key = ec.derive_private_key(int.from_bytes(raw, "big"), ec.SECP256R1())
    except (ValueError, TypeError) as exc:
        raise ValueError(
            "FIELDKEEP_VAPID_PRIVATE_KEY must be a P-256 private key"
            " (PEM, or 32 bytes in base64url)"
        ) from exc
    if not isinstance(key, ec.EllipticCurvePrivateKey) or not isinstance(key.curve, ec.SECP256R1):
        raise ValueError("FIELDKEEP_VAPID_PRIVATE_KEY must be a P-256 (prime256v1) key")
    return _pem(key)


def load_or_create_vapid_key(data_dir: Path) -> bytes:
    """The key kept in data_dir/secrets, else a new one written there (0600, atomically)."""
    pem = load_or_create_secret(
        data_dir, VAPID_FILE, None, make=lambda: _pem(ec.generate_private_key(ec.SECP256R1()))
    )
    return parse_vapid_private_key(pem.decode())


def _float(env: Mapping[str, str], name: str, default: float) -> float:
    text = env.get(name, "")
    if not text:
        return default
    try:
        value = float(text)
    except ValueError:
        value = -1
    if not 0 < value <= 86_400:
        raise ValueError(f"{name} must be a number of seconds, not {text!r}")
    return value


def _hosts(text: str) -> frozenset[str]:
    hosts = set()
    for item in text.split(","):
        item = item.strip().lower()
        if not item:
            continue
        parts = urlsplit(f"//{item}")
        try:
            port = parts.port
        except ValueError:
            port = -1
        if not parts.hostname or port == -1 or parts.path or "@" in item:
            raise ValueError(f"FIELDKEEP_PUSH_ALLOW_HOSTS: not a host[:port]: {item!r}")
        hosts.add(item)
    return frozenset(hosts)


def _ephemeral_key() -> bytes:
    return _pem(ec.generate_private_key(ec.SECP256R1()))


@dataclass(frozen=True)
class PushSettings:
    vapid_private_key: bytes = field(default_factory=_ephemeral_key, repr=False)  # PKCS8 PEM
    vapid_subject: str = "mailto:fieldkeep@example.com"
    allow_hosts: frozenset[str] = frozenset()
    allow_http: bool = False
    sender: bool = True
    poll_seconds: float = 2.0
    check_seconds: float = 60.0
    retry_seconds: float = 10.0
    max_attempts: int = 8
    timeout_seconds: float = 10.0
    lease_seconds: float = 30.0

    @classmethod
    def from_env(cls, env: Mapping[str, str], data_dir: Path, public_base_url: str) -> PushSettings:
        given = env.get("FIELDKEEP_VAPID_PRIVATE_KEY")
        key = parse_vapid_private_key(given) if given else load_or_create_vapid_key(data_dir)
        subject = env.get("FIELDKEEP_VAPID_SUBJECT", "")
        if not subject:
            subject = (
                public_base_url
                if public_base_url.startswith("https://")
                else "mailto:fieldkeep@example.com"
            )
        if not subject.startswith(("mailto:", "https://")):
            raise ValueError("FIELDKEEP_VAPID_SUBJECT must start with mailto: or https://")
        attempts = env.get("FIELDKEEP_PUSH_MAX_ATTEMPTS", "8")
        if not attempts.isdigit() or not 0 < int(attempts) <= 50:
            raise ValueError(f"FIELDKEEP_PUSH_MAX_ATTEMPTS must be 1 … 50, not {attempts!r}")
        return cls(
            vapid_private_key=key,
            vapid_subject=subject,
            allow_hosts=_hosts(env.get("FIELDKEEP_PUSH_ALLOW_HOSTS", "")),
            allow_http=env.get("FIELDKEEP_PUSH_ALLOW_HTTP", "0") in ("1", "true"),
            sender=env.get("FIELDKEEP_PUSH_SENDER", "1") not in ("0", "false"),
            poll_seconds=_float(env, "FIELDKEEP_PUSH_POLL_SECONDS", 2.0),
            check_seconds=_float(env, "FIELDKEEP_PUSH_CHECK_SECONDS", 60.0),
            retry_seconds=_float(env, "FIELDKEEP_PUSH_RETRY_SECONDS", 10.0),
            max_attempts=int(attempts),
            timeout_seconds=_float(env, "FIELDKEEP_PUSH_TIMEOUT_SECONDS", 10.0),
            lease_seconds=_float(env, "FIELDKEEP_PUSH_LEASE_SECONDS", 30.0),
        )
