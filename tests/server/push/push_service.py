"""A push service stand-in on 127.0.0.1 (an HTTP server in a thread), and what a browser does
with what it receives: the subscription's key pair, aes128gcm decryption (RFC 8188/8291) and
the VAPID check (RFC 8292), written here with `cryptography` and PyJWT, apart from the server's
code."""

from __future__ import annotations

import base64
import os
import threading
import time
from collections import defaultdict, deque
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import jwt
import msgspec
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def unb64url(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _hkdf(salt: bytes, ikm: bytes, info: bytes, length: int) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=length, salt=salt, info=info).derive(ikm)


@dataclass
class Subscriber:
    """A browser's side of a subscription: a P-256 key pair and a 16-byte auth secret."""

    private_key: ec.EllipticCurvePrivateKey = field(
        default_factory=lambda: ec.generate_private_key(ec.SECP256R1())
    )
    auth_secret: bytes = field(default_factory=lambda: os.urandom(16))

    @property
    def public_bytes(self) -> bytes:
        return self.private_key.public_key().public_bytes(
            serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
        )

    def keys(self) -> dict[str, str]:
        return {"p256dh": b64url(self.public_bytes), "auth": b64url(self.auth_secret)}

    def decrypt(self, body: bytes) -> bytes:
        """RFC 8291: the aes128gcm body → the plaintext (one record)."""
        salt, rs, id_len = body[:16], int.from_bytes(body[16:20], "big"), body[20]
        server_public = body[21 : 21 + id_len]
        ciphertext = body[21 + id_len :]
        assert id_len == 65 and rs >= 18
        assert len(ciphertext) <= rs, "one record expected"
        peer = ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), server_public)
        shared = self.private_key.exchange(ec.ECDH(), peer)
        ikm = _hkdf(
            self.auth_secret,
            shared,
            b"WebPush: info\x00" + self.public_bytes + server_public,
            32,
        )
        cek = _hkdf(salt, ikm, b"Content-Encoding: aes128gcm\x00", 16)
        nonce = _hkdf(salt, ikm, b"Content-Encoding: nonce\x00", 12)
        padded = AESGCM(cek).decrypt(nonce, ciphertext, None)
        stripped = padded.rstrip(b"\x00")
        assert stripped.endswith(b"\x02"), "the last record ends with the 0x02 delimiter"
        return stripped[:-1]

    def payload(self, body: bytes) -> dict[str, Any]:
        decoded: dict[str, Any] = msgspec.json.decode(self.decrypt(body))
        return decoded


def verify_vapid(header: str, server_key: str, origin: str) -> dict[str, Any]:
    """Checks `vapid t=…, k=…` against the server's public key; returns the JWT claims."""
    scheme, _, params = header.partition(" ")
    assert scheme == "vapid", header
    parts = dict(p.strip().split("=", 1) for p in params.split(","))
    assert parts["k"] == server_key
    point = unb64url(parts["k"])
    public = ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), point)
    claims: dict[str, Any] = jwt.decode(
        parts["t"],
        public,
        algorithms=["ES256"],
        audience=origin,
        options={"require": ["aud", "exp", "sub"]},
    )
    assert 0 < claims["exp"] - time.time() <= 24 * 3600
    assert claims["sub"].startswith(("mailto:", "https://"))
    return claims


@dataclass
class Received:
    path: str
    headers: dict[str, str]
    body: bytes
    at: float  # time.monotonic()
    status: int  # what the stand-in answered


class PushServiceStandIn:
    """Answers POST /push/<name> with 201, or with the answers queued for that path by
    `answer(path, status, headers)` (consumed in order)."""

    def __init__(self) -> None:
        self.received: list[Received] = []
        self._script: dict[str, deque[tuple[int, dict[str, str]]]] = defaultdict(deque)
        self._default: tuple[int, dict[str, str]] | None = None
        self._lock = threading.Lock()
        stand_in = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length", "0"))
                body = self.rfile.read(length)
                status, headers = stand_in._next(self.path)
                with stand_in._lock:
                    stand_in.received.append(
                        Received(
                            self.path,
                            {k.lower(): v for k, v in self.headers.items()},
                            body,
                            time.monotonic(),
                            status,
                        )
                    )
                self.send_response(status)
                for name, value in headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.port = int(self.server.server_address[1])
        self.origin = f"http://127.0.0.1:{self.port}"
        self._thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def _next(self, path: str) -> tuple[int, dict[str, str]]:
        with self._lock:
            if self._script[path]:
                return self._script[path].popleft()
            return self._default or (201, {})

    def endpoint(self, name: str) -> str:
        return f"{self.origin}/push/{name}"

    def answer(self, name: str, status: int, headers: dict[str, str] | None = None) -> None:
        with self._lock:
            self._script[f"/push/{name}"].append((status, headers or {}))

    def answer_all(self, status: int | None, headers: dict[str, str] | None = None) -> None:
        """Every request not scripted gets this answer (None: back to 201)."""
        with self._lock:
            self._default = None if status is None else (status, headers or {})

    def to(self, name: str) -> list[Received]:
        with self._lock:
            return [r for r in self.received if r.path == f"/push/{name}"]

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()
