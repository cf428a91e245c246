"""Signed permit QR codes: `FK1:` + base45(COSE_Sign1, ES256) over a CBOR map of claims, and the
offline verdict on one (pure: keys, revocations and the clock are passed in).

ES256 (ECDSA P-256, SHA-256) rather than EdDSA: every WebCrypto verifies it, including the old
Android WebViews and Safari builds on gate phones that have no Ed25519 (Chrome only verifies
Ed25519 since 137). COSE carries the signature as raw r‖s (64 bytes, RFC 9053 §2.1), which is
what WebCrypto's ECDSA verify takes; `cwt` converts to and from OpenSSL's DER for us.

COSE comes from `cwt` (maintained, signs with `cryptography`/OpenSSL), not `pycose`: pycose 1.1
cannot decode anything with cbor2 6 (pycose issue #141) and signs with the pure-Python `ecdsa`
package, which is slow and not constant-time.
"""

from __future__ import annotations

import base64
import hashlib
import io
import json
import uuid
from collections.abc import Container, Mapping
from dataclasses import dataclass
from enum import StrEnum
from functools import lru_cache
from typing import Annotated, Any, Literal

import base45  # type: ignore[import-untyped]
import cbor2
import msgspec
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cwt import COSE, COSEKey
from cwt.cose_key_interface import COSEKeyInterface

PREFIX = "FK1:"
ALG = "ES256"
COSE_ALG_ES256 = -7  # RFC 9053
COSE_HEADER_ALG, COSE_HEADER_KID = 1, 4
COSE_SIGN1_TAG = 18
KID_BYTES = 8  # 64 bits of the key's thumbprint: unique among a deployment's keys, short in a QR
# A real permit's QR text is ~250 characters; anything far longer is not one of ours.
MAX_QR_CHARS = 1200

Kind = Literal["monthly_parking", "decoration", "release_pass", "access_card"]


class Reason(StrEnum):
    GENUINE = "genuine"
    FORGED = "forged"
    MALFORMED = "malformed"
    UNKNOWN_KEY = "unknown_key"
    EXPIRED = "expired"
    NOT_YET_VALID = "not_yet_valid"
    REVOKED = "revoked"
    USED = "used"


class Claims(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """What a permit's QR states. Short keys keep the QR small (version 9–10 at level Q); no
    personal names: whoever scans the paper can read them."""

    kind: Kind = msgspec.field(name="k")
    permit_id: Annotated[bytes, msgspec.Meta(min_length=16, max_length=16)] = msgspec.field(
        name="id"
    )
    site_id: Annotated[int, msgspec.Meta(ge=1)] = msgspec.field(name="site")
    subject: Annotated[str, msgspec.Meta(min_length=1, max_length=64)] = msgspec.field(name="sub")
    not_before: Annotated[int, msgspec.Meta(ge=0)] = msgspec.field(name="nbf")
    expires: Annotated[int, msgspec.Meta(ge=0)] = msgspec.field(name="exp")
    serial: Annotated[int, msgspec.Meta(ge=1)] = msgspec.field(name="n")

    @property
    def permit_uuid(self) -> str:
        return str(uuid.UUID(bytes=self.permit_id))


@dataclass(frozen=True)
class Verdict:
    reason: Reason
    claims: Claims | None = None  # when the payload could be read (also when forged)
    kid: str | None = None

    @property
    def valid(self) -> bool:
        return self.reason is Reason.GENUINE


@dataclass(frozen=True)
class SigningKey:
    kid: str  # base64url of KID_BYTES
    private_pem: bytes


@dataclass(frozen=True)
class PublicKey:
    """A verification key and the one site whose permits it may sign."""

    kid: str
    site_id: int
    jwk: Mapping[str, str]


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def b64url_decode(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def public_jwk(private_pem: bytes) -> dict[str, str]:
    """The public half as a JWK (kty, crv, x, y), as WebCrypto's importKey("jwk") takes it."""
    key = serialization.load_pem_private_key(private_pem, password=None)
    assert isinstance(key, ec.EllipticCurvePrivateKey)
    numbers = key.public_key().public_numbers()
    return {
        "kty": "EC",
        "crv": "P-256",
        "x": b64url(numbers.x.to_bytes(32, "big")),
        "y": b64url(numbers.y.to_bytes(32, "big")),
    }


def kid_of(jwk: Mapping[str, str]) -> str:
    """base64url of the first 8 bytes of the key's RFC 7638 thumbprint (SHA-256 of its required
    members in lexical order, no whitespace)."""
    required = {name: jwk[name] for name in ("crv", "kty", "x", "y")}
    digest = hashlib.sha256(json.dumps(required, separators=(",", ":")).encode()).digest()
    return b64url(digest[:KID_BYTES])


def new_private_pem() -> bytes:
    return ec.generate_private_key(ec.SECP256R1()).private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )


_COSE = COSE.new(deterministic_header=True)


@lru_cache(maxsize=64)
def _cose_private(kid: str, private_pem: bytes) -> COSEKeyInterface:
    return COSEKey.from_pem(private_pem, alg=ALG, kid=b64url_decode(kid))


@lru_cache(maxsize=256)
def _cose_public(kid: str, x: str, y: str) -> COSEKeyInterface:
    return COSEKey.new(
        {
            1: 2,
            2: b64url_decode(kid),
            3: COSE_ALG_ES256,
            -1: 1,
            -2: b64url_decode(x),
            -3: b64url_decode(y),
        }
    )


def sign(claims: Claims, key: SigningKey) -> str:
    """The QR text of a permit: `FK1:` + base45 of a tagged COSE_Sign1 with alg and kid in the
    protected header."""
    payload = cbor2.dumps(msgspec.to_builtins(claims, builtin_types=(bytes,)))
    message = _COSE.encode(
        payload,
        _cose_private(key.kid, key.private_pem),
        protected={COSE_HEADER_ALG: COSE_ALG_ES256, COSE_HEADER_KID: b64url_decode(key.kid)},
        unprotected={},
    )
    text: bytes = base45.b45encode(message)
    return PREFIX + text.decode("ascii")


class _Malformed(Exception):
    pass


def _strict_cbor(data: bytes) -> Any:
    """One CBOR item and nothing after it."""
    stream = io.BytesIO(data)
    try:
        item = cbor2.CBORDecoder(stream).decode()
    except (cbor2.CBORDecodeError, ValueError, TypeError, EOFError, RecursionError):
        raise _Malformed from None
    if stream.tell() != len(data):
        raise _Malformed
    return item


def _parse(qr_text: str) -> tuple[bytes, str, Claims]:
    """The COSE message, its kid and its claims, or _Malformed."""
    if len(qr_text) > MAX_QR_CHARS or not qr_text.startswith(PREFIX):
        raise _Malformed
    try:
        message = base45.b45decode(qr_text[len(PREFIX) :])
    except (ValueError, KeyError, UnicodeError):
        raise _Malformed from None
    outer = _strict_cbor(message)
    if not (isinstance(outer, cbor2.CBORTag) and outer.tag == COSE_SIGN1_TAG):
        raise _Malformed
    parts = outer.value
    if not (isinstance(parts, list) and len(parts) == 4):
        raise _Malformed
    protected, unprotected, payload, signature = parts
    if not (
        isinstance(protected, bytes)
        and unprotected == {}
        and isinstance(payload, bytes)
        and isinstance(signature, bytes)
        and len(signature) == 64
    ):
        raise _Malformed
    header = _strict_cbor(protected)
    if not isinstance(header, dict) or set(header) != {COSE_HEADER_ALG, COSE_HEADER_KID}:
        raise _Malformed
    kid = header[COSE_HEADER_KID]
    if header[COSE_HEADER_ALG] != COSE_ALG_ES256 or not isinstance(kid, bytes) or not kid:
        raise _Malformed
    fields = _strict_cbor(payload)
    # msgspec would also take base64 text for the id; our signer writes a byte string.
    if not isinstance(fields, dict) or not isinstance(fields.get("id"), bytes):
        raise _Malformed
    try:
        claims = msgspec.convert(fields, Claims)
    except msgspec.ValidationError:
        raise _Malformed from None
    return message, b64url(kid), claims


def read_claims(qr_text: str) -> Claims | None:
    """The claims a QR states, unverified (None when it is not a permit's QR)."""
    try:
        return _parse(qr_text)[2]
    except _Malformed:
        return None


def verify(
    qr_text: str,
    public_keys: Mapping[str, PublicKey],
    now: float,
    revoked_ids: Container[str] = (),
    used_ids: Container[str] = (),
) -> Verdict:
    """The verdict on a scanned QR text. `public_keys` by kid: a key vouches only for its own
    site's permits. Permit ids in `revoked_ids` / `used_ids` are uuid strings. Verifying never
    uses a pass up."""
    try:
        message, kid, claims = _parse(qr_text)
    except _Malformed:
        return Verdict(Reason.MALFORMED)
    key = public_keys.get(kid)
    if key is None:
        return Verdict(Reason.UNKNOWN_KEY, claims, kid)
    try:
        _COSE.decode(message, _cose_public(kid, key.jwk["x"], key.jwk["y"]))
    except Exception:  # cwt raises VerifyError, or ValueError for what it cannot check
        return Verdict(Reason.FORGED, claims, kid)
    if claims.site_id != key.site_id:
        # Signed, but by another site's key: that site cannot speak for this one.
        return Verdict(Reason.FORGED, claims, kid)
    permit_id = claims.permit_uuid
    if permit_id in revoked_ids:
        return Verdict(Reason.REVOKED, claims, kid)
    if permit_id in used_ids:
        return Verdict(Reason.USED, claims, kid)
    if now < claims.not_before:
        return Verdict(Reason.NOT_YET_VALID, claims, kid)
    if now >= claims.expires:
        return Verdict(Reason.EXPIRED, claims, kid)
    return Verdict(Reason.GENUINE, claims, kid)
