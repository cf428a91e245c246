"""The signed QR on its own: round trip, and every way a scanned text is refused."""

from __future__ import annotations

import uuid

import base45
import cbor2
import pytest

from server.permits.signing import (
    PREFIX,
    Claims,
    PublicKey,
    Reason,
    SigningKey,
    kid_of,
    new_private_pem,
    public_jwk,
    read_claims,
    sign,
    verify,
)

KeyPair = tuple[SigningKey, PublicKey]
NBF, EXP = 1_790_000_000, 1_792_600_000
INSIDE = NBF + 1000


def make_key(site_id: int) -> KeyPair:
    pem = new_private_pem()
    jwk = public_jwk(pem)
    kid = kid_of(jwk)
    return SigningKey(kid, pem), PublicKey(kid, site_id, jwk)


@pytest.fixture(scope="module")
def site_key() -> KeyPair:
    return make_key(1)


def claims(site_id: int = 1, **changes: object) -> Claims:
    fields: dict[str, object] = {
        "kind": "monthly_parking",
        "permit_id": uuid.uuid4().bytes,
        "site_id": site_id,
        "subject": "浙A·D12345",
        "not_before": NBF,
        "expires": EXP,
        "serial": 7,
    }
    fields.update(changes)
    return Claims(**fields)  # type: ignore[arg-type]


def cose_of(qr: str) -> list[object]:
    tag = cbor2.loads(base45.b45decode(qr.removeprefix(PREFIX)))
    assert tag.tag == 18
    return list(tag.value)


def qr_of(parts: list[object]) -> str:
    return PREFIX + base45.b45encode(cbor2.dumps(cbor2.CBORTag(18, parts))).decode()


def test_round_trip_is_genuine_and_carries_the_claims(
    site_key: KeyPair,
) -> None:
    private, public = site_key
    stated = claims()
    qr = sign(stated, private)
    assert qr.startswith("FK1:")
    verdict = verify(qr, {public.kid: public}, INSIDE)
    assert verdict.reason is Reason.GENUINE and verdict.valid
    assert verdict.claims == stated
    assert verdict.kid == public.kid


def test_kid_is_in_the_protected_header_and_signature_is_raw_r_s(
    site_key: KeyPair,
) -> None:
    private, public = site_key
    protected, unprotected, _, signature = cose_of(sign(claims(), private))
    assert cbor2.loads(protected) == {1: -7, 4: base64url_bytes(public.kid)}
    assert unprotected == {}
    assert isinstance(signature, bytes) and len(signature) == 64  # r‖s, not DER


def base64url_bytes(text: str) -> bytes:
    import base64

    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def test_only_qr_alphanumerics_so_the_code_stays_small(
    site_key: KeyPair,
) -> None:
    qr = sign(claims(), site_key[0])
    alphabet = set("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:")
    assert set(qr) <= alphabet
    assert len(qr) < 300


def test_a_changed_payload_is_forged(site_key: KeyPair) -> None:
    private, public = site_key
    parts = cose_of(sign(claims(), private))
    payload = cbor2.loads(parts[2])  # type: ignore[arg-type]
    payload["sub"] = "浙A·D99999"
    parts[2] = cbor2.dumps(payload)
    verdict = verify(qr_of(parts), {public.kid: public}, INSIDE)
    assert verdict.reason is Reason.FORGED and not verdict.valid
    assert verdict.claims is not None and verdict.claims.subject == "浙A·D99999"


def test_a_flipped_signature_bit_is_forged(site_key: KeyPair) -> None:
    private, public = site_key
    parts = cose_of(sign(claims(), private))
    signature = bytearray(parts[3])  # type: ignore[arg-type]
    signature[10] ^= 1
    parts[3] = bytes(signature)
    assert verify(qr_of(parts), {public.kid: public}, INSIDE).reason is Reason.FORGED


def test_a_key_of_another_site_cannot_sign_for_this_one(
    site_key: KeyPair,
) -> None:
    _, ours = site_key
    theirs_private, theirs = make_key(2)
    # Site 2's genuine key signs a permit that claims to be site 1's.
    qr = sign(claims(site_id=1), theirs_private)
    both = {ours.kid: ours, theirs.kid: theirs}
    assert verify(qr, both, INSIDE).reason is Reason.FORGED
    # A phone that only knows site 1's key does not know the signer at all.
    assert verify(qr, {ours.kid: ours}, INSIDE).reason is Reason.UNKNOWN_KEY
    # The same key's own site's permits are genuine.
    assert verify(sign(claims(site_id=2), theirs_private), both, INSIDE).valid


def test_a_forger_reusing_our_kid_with_their_own_key_is_forged(
    site_key: KeyPair,
) -> None:
    _, ours = site_key
    forger_private, _ = make_key(1)
    qr = sign(claims(), SigningKey(ours.kid, forger_private.private_pem))
    assert verify(qr, {ours.kid: ours}, INSIDE).reason is Reason.FORGED


@pytest.mark.parametrize(
    "mangle",
    [
        lambda qr: qr[:-5],  # truncated
        lambda qr: qr[: len(qr) // 2],
        lambda qr: qr.removeprefix("FK1:"),  # no prefix
        lambda qr: "FK2:" + qr[4:],
        lambda qr: qr.lower(),  # re-encoded by a reader that lower-cases
        lambda qr: "FK1:" + __import__("base64").b64encode(base45.b45decode(qr[4:])).decode(),
        lambda qr: qr + "00",  # trailing bytes after the COSE message
        lambda qr: "",
        lambda qr: "FK1:" + "A" * 2000,
        lambda qr: "https://example.cn/k/abc",
    ],
)
def test_a_truncated_or_re_encoded_qr_is_malformed(site_key: KeyPair, mangle: object) -> None:
    private, public = site_key
    qr = sign(claims(), private)
    verdict = verify(mangle(qr), {public.kid: public}, INSIDE)  # type: ignore[operator]
    assert verdict.reason is Reason.MALFORMED
    assert verdict.claims is None


def test_not_a_permit_payload_is_malformed(site_key: KeyPair) -> None:
    private, public = site_key
    parts = cose_of(sign(claims(), private))
    for payload in (
        {"k": "monthly_parking"},  # fields missing
        {**cbor2.loads(parts[2]), "k": "parking"},  # type: ignore[arg-type]  unknown kind
        {**cbor2.loads(parts[2]), "id": "not bytes"},  # type: ignore[arg-type]
        [1, 2, 3],
    ):
        mangled = [parts[0], parts[1], cbor2.dumps(payload), parts[3]]
        assert verify(qr_of(mangled), {public.kid: public}, INSIDE).reason is Reason.MALFORMED
    other_alg = [cbor2.dumps({1: -8, 4: cbor2.loads(parts[0])[4]}), {}, parts[2], parts[3]]  # type: ignore[arg-type]
    assert verify(qr_of(other_alg), {public.kid: public}, INSIDE).reason is Reason.MALFORMED


def test_unknown_key(site_key: KeyPair) -> None:
    verdict = verify(sign(claims(), site_key[0]), {}, INSIDE)
    assert verdict.reason is Reason.UNKNOWN_KEY
    assert verdict.claims is not None  # the guard still sees what it claims


def test_validity_window_is_half_open(site_key: KeyPair) -> None:
    private, public = site_key
    qr = sign(claims(), private)
    keys = {public.kid: public}
    assert verify(qr, keys, NBF - 1).reason is Reason.NOT_YET_VALID
    assert verify(qr, keys, NBF).reason is Reason.GENUINE
    assert verify(qr, keys, EXP - 1).reason is Reason.GENUINE
    assert verify(qr, keys, EXP).reason is Reason.EXPIRED


def test_revoked_and_used(site_key: KeyPair) -> None:
    private, public = site_key
    stated = claims(kind="release_pass", subject="1栋1单元101")
    qr = sign(stated, private)
    keys = {public.kid: public}
    assert verify(qr, keys, INSIDE, revoked_ids={stated.permit_uuid}).reason is Reason.REVOKED
    assert verify(qr, keys, INSIDE, used_ids={stated.permit_uuid}).reason is Reason.USED
    # A revoked pass is revoked even when it is also out of date.
    assert verify(qr, keys, EXP + 5, revoked_ids={stated.permit_uuid}).reason is Reason.REVOKED
    assert verify(qr, keys, INSIDE, revoked_ids={str(uuid.uuid4())}).valid


def test_read_claims_without_keys(site_key: KeyPair) -> None:
    stated = claims()
    assert read_claims(sign(stated, site_key[0])) == stated
    assert read_claims("FK1:nonsense") is None
