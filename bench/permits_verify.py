"""Permits: 1,000 offline verifications of a signed QR (parse, ES256 check, validity) against a
bare SHA-256 of the same bytes in the same run, and 1,000 A6 permit PDFs."""

from __future__ import annotations

import hashlib
import time
import uuid
from zoneinfo import ZoneInfo

from server.permits.document import render_permit
from server.permits.schemas import PermitRead
from server.permits.signing import (
    Claims,
    PublicKey,
    SigningKey,
    kid_of,
    new_private_pem,
    public_jwk,
    sign,
    verify,
)

COUNT = 1000
NOW = 1_796_100_000


def sample_qr() -> tuple[str, dict[str, PublicKey]]:
    pem = new_private_pem()
    jwk = public_jwk(pem)
    kid = kid_of(jwk)
    claims = Claims(
        kind="monthly_parking",
        permit_id=uuid.uuid4().bytes,
        site_id=1,
        subject="浙A·D12345",
        not_before=NOW - 86_400,
        expires=NOW + 30 * 86_400,
        serial=123,
    )
    return sign(claims, SigningKey(kid, pem)), {kid: PublicKey(kid, 1, jwk)}


def main() -> None:
    qr, keys = sample_qr()
    data = qr.encode()
    start = time.perf_counter()
    for _ in range(COUNT):
        assert verify(qr, keys, NOW).valid
    ours = time.perf_counter() - start
    start = time.perf_counter()
    for _ in range(COUNT):
        hashlib.sha256(data).digest()
    bare = time.perf_counter() - start
    print(f"permit verify: {COUNT} verifications of a {len(qr)}-character QR")
    print(f"  ours:        {ours * 1000:8.1f} ms  ({ours / COUNT * 1e6:7.1f} µs each)")
    print(f"  bare SHA-256:{bare * 1000:8.1f} ms  ({bare / COUNT * 1e6:7.2f} µs each)")
    print(f"  ratio ours/SHA-256: {ours / bare:.0f}x")

    permit = PermitRead(
        id=str(uuid.uuid4()),
        site_id=1,
        kind="monthly_parking",
        subject="浙A·D12345",
        serial=123,
        status="issued",
        not_before=NOW - 86_400,
        expires=NOW + 30 * 86_400,
        qr=qr,
        details={"space": "B2-017", "vehicle_class": "small", "fee_fen": 30000},
    )
    zone = ZoneInfo("Asia/Shanghai")
    start = time.perf_counter()
    total = 0
    for _ in range(COUNT):
        total += len(render_permit(permit, "翠湖花园", zone))
    pdfs = time.perf_counter() - start
    print(f"permit PDFs: {COUNT} A6 pages")
    print(f"  {pdfs:6.2f} s  ({COUNT / pdfs:6.0f} PDFs/s, {total / COUNT / 1024:.1f} KB each)")
