"""Permits through the service and the REST API on a real database: issue, list, print, verify
(genuine, revoked, expired, not yet valid, used, another site's), overlap, key rotation."""

from __future__ import annotations

import os
import stat
from datetime import date, timedelta
from typing import Any

import pypdfium2 as pdfium
import pytest
import zxingcpp

from server.auth.service import now as utc_now
from server.errors import AppError
from server.permits import keys, service
from server.permits.schemas import (
    AccessCard,
    Decoration,
    MonthlyParking,
    PermitCreate,
    ReleasePass,
)
from server.settings import Settings
from server.sites.tables import Building, Site, Unit
from tests.conftest import ApiClient, make_user, site_today
from tests.qr import qr_codes
from tests.server.sync_device import make_site

TODAY = site_today()


async def make_unit(site_id: int, building: str = "3栋", number: str = "1202") -> int:
    rows = await Building.insert(
        Building(site=site_id, name=building, created_at=utc_now())
    ).returning(Building.id)
    rows = await Unit.insert(
        Unit(building=rows[0]["id"], entrance="2单元", number=number, created_at=utc_now())
    ).returning(Unit.id)
    return int(rows[0]["id"])


def monthly(
    site_id: int, first: date, last: date, space: str = "B2-017", plate: str = "浙a d12345"
) -> PermitCreate:
    return PermitCreate(
        site_id=site_id,
        valid_from=first,
        valid_to=last,
        details=MonthlyParking(plate=plate, space=space, vehicle_class="small", fee_fen=30000),
    )


@pytest.fixture
async def site(client: ApiClient) -> dict[str, Any]:
    site_id = await make_site("cuihu")
    unit_id = await make_unit(site_id)
    await make_user("desk", ["patrol"], [site_id])
    await make_user("gate", ["cashier"], [site_id])
    await client.sign_in("desk")
    return {"id": site_id, "unit": unit_id}


def scanned(pdf: bytes) -> zxingcpp.Barcode:
    """The one QR code on the one page, rendered at 200 dpi as a phone's camera would see it."""
    (page,) = pdfium.PdfDocument(pdf)
    (code,) = qr_codes(page.render(scale=200 / 72).to_pil().convert("L"))
    return code


async def verify(client: ApiClient, qr: str) -> dict[str, Any]:
    r = await client.post("/api/permits/verify", json={"qr": qr})
    assert r.status_code == 200, r.text
    return dict(r.json())


async def test_issue_list_and_verify_genuine(
    client: ApiClient, settings: Settings, site: dict[str, Any]
) -> None:
    permit = await service.issue_permit(
        settings, monthly(site["id"], TODAY, TODAY + timedelta(days=30))
    )
    assert permit.subject == "浙A·D12345"  # normalised as printed
    assert permit.serial == 1 and permit.status == "issued"
    r = await client.get("/api/permits", params={"site_id": site["id"]})
    assert r.status_code == 200, r.text
    (listed,) = r.json()
    assert listed["qr"] == permit.qr and listed["status"] == "issued"
    assert listed["details"]["fee_fen"] == 30000
    answer = await verify(client, permit.qr)
    assert answer["valid"] is True and answer["reason"] == "genuine"
    assert answer["permit"]["id"] == permit.id
    assert answer["permit"]["subject"] == "浙A·D12345"
    assert answer["permit"]["kind"] == "monthly_parking"
    assert answer["permit"]["site_id"] == site["id"]


async def test_validity_is_whole_days_in_the_sites_zone(
    settings: Settings, site: dict[str, Any]
) -> None:
    permit = await service.issue_permit(
        settings, monthly(site["id"], date(2026, 12, 1), date(2026, 12, 31))
    )
    # Asia/Shanghai: 2026-12-01 00:00 +08:00 to 2027-01-01 00:00 +08:00.
    assert permit.not_before == 1_796_054_400
    assert permit.expires == 1_798_732_800


async def test_validity_follows_a_site_in_another_zone(
    settings: Settings, site: dict[str, Any]
) -> None:
    await Site.update({Site.timezone: "Europe/Paris"}).where(Site.id == site["id"])
    permit = await service.issue_permit(
        settings, monthly(site["id"], date(2026, 12, 1), date(2026, 12, 31))
    )
    # Paris in winter is UTC+1: 2026-12-01 00:00 +01:00 is 2026-11-30 23:00 UTC.
    assert permit.not_before == 1_796_079_600
    assert permit.expires == 1_798_758_000


async def test_the_printed_a6_pdf_decodes_to_a_genuine_qr(
    client: ApiClient, settings: Settings, site: dict[str, Any]
) -> None:
    permit = await service.issue_permit(
        settings, monthly(site["id"], TODAY, TODAY + timedelta(days=30))
    )
    r = await client.get(f"/api/permits/{permit.id}.pdf")
    assert r.status_code == 200, r.text
    assert r.headers["content-type"] == "application/pdf"
    (page,) = pdfium.PdfDocument(r.content)
    width_mm, height_mm = (v / 72 * 25.4 for v in page.get_size())
    assert round(width_mm) == 105 and round(height_mm) == 148  # A6
    code = scanned(r.content)
    assert code.text == permit.qr
    assert code.ec_level == "Q"
    assert (await verify(client, code.text))["reason"] == "genuine"


async def test_every_kind_prints(
    client: ApiClient, settings: Settings, site: dict[str, Any]
) -> None:
    unit = site["unit"]
    for details in (
        Decoration(unit_id=unit, contractor="杭州美家装饰", workers=["王师傅", "李师傅"]),
        ReleasePass(unit_id=unit, items=["旧沙发一张", "纸箱 3 个"]),
        AccessCard(unit_id=unit, holder="周敏", card_number="CH-0007731"),
    ):
        permit = await service.issue_permit(
            settings,
            PermitCreate(site_id=site["id"], valid_from=TODAY, valid_to=TODAY, details=details),
        )
        assert permit.subject == "3栋2单元1202"
        r = await client.get(f"/api/permits/{permit.id}.pdf")
        assert r.status_code == 200, r.text
        assert (await verify(client, scanned(r.content).text))["reason"] == "genuine"


async def test_revoked_expired_and_not_yet_valid(
    client: ApiClient, settings: Settings, site: dict[str, Any]
) -> None:
    current = await service.issue_permit(
        settings, monthly(site["id"], TODAY, TODAY + timedelta(days=5))
    )
    await service.revoke_permit(settings, current.id, "车辆已出售")
    answer = await verify(client, current.qr)
    assert answer == {**answer, "valid": False, "reason": "revoked"}
    assert answer["permit"]["id"] == current.id
    with pytest.raises(AppError) as refused:
        await service.revoke_permit(settings, current.id, "again")
    assert refused.value.code == "permit_revoked"

    past = await service.issue_permit(
        settings,
        monthly(site["id"], TODAY - timedelta(days=60), TODAY - timedelta(days=31), "B2-001"),
    )
    assert (await verify(client, past.qr))["reason"] == "expired"
    future = await service.issue_permit(
        settings,
        monthly(site["id"], TODAY + timedelta(days=2), TODAY + timedelta(days=32), "B2-002"),
    )
    assert (await verify(client, future.qr))["reason"] == "not_yet_valid"


async def test_a_release_pass_is_used_once_and_verifying_does_not_use_it(
    client: ApiClient, settings: Settings, site: dict[str, Any]
) -> None:
    pass_ = await service.issue_permit(
        settings,
        PermitCreate(
            site_id=site["id"],
            valid_from=TODAY,
            valid_to=TODAY,
            details=ReleasePass(unit_id=site["unit"], items=["冰箱"]),
        ),
    )
    for _ in range(3):
        assert (await verify(client, pass_.qr))["reason"] == "genuine"
    used = await service.use_pass(settings, pass_.id)
    assert used.used_at is not None
    answer = await verify(client, pass_.qr)
    assert answer["valid"] is False and answer["reason"] == "used"
    with pytest.raises(AppError) as refused:
        await service.use_pass(settings, pass_.id)
    assert refused.value.code == "pass_already_used"


async def test_only_a_release_pass_is_used_up(settings: Settings, site: dict[str, Any]) -> None:
    permit = await service.issue_permit(settings, monthly(site["id"], TODAY, TODAY))
    with pytest.raises(AppError) as refused:
        await service.use_pass(settings, permit.id)
    assert refused.value.code == "not_single_use"


async def test_a_space_has_one_monthly_permit_per_period(
    client: ApiClient, settings: Settings, site: dict[str, Any]
) -> None:
    first = await service.issue_permit(
        settings, monthly(site["id"], TODAY, TODAY + timedelta(days=30))
    )
    with pytest.raises(AppError) as refused:
        await service.issue_permit(
            settings,
            monthly(
                site["id"], TODAY + timedelta(days=30), TODAY + timedelta(days=60), plate="浙A12345"
            ),
        )
    assert refused.value.code == "permit_overlaps" and refused.value.status == 409
    # The next period, another space, or after a revocation: issued.
    await service.issue_permit(
        settings, monthly(site["id"], TODAY + timedelta(days=31), TODAY + timedelta(days=60))
    )
    await service.issue_permit(
        settings, monthly(site["id"], TODAY, TODAY + timedelta(days=30), space="B2-018")
    )
    await service.revoke_permit(settings, first.id, "退租")
    again = await service.issue_permit(
        settings, monthly(site["id"], TODAY, TODAY + timedelta(days=30))
    )
    assert again.serial == 4


@pytest.mark.parametrize(
    ("create", "code"),
    [
        (lambda s: monthly(s["id"], TODAY, TODAY, plate="ABC123"), "plate_invalid"),
        (lambda s: monthly(s["id"], TODAY, TODAY - timedelta(days=1)), "validation_error"),
        (lambda s: monthly(9999, TODAY, TODAY), "unknown_site"),
        (
            lambda s: PermitCreate(
                site_id=s["id"],
                valid_from=TODAY,
                valid_to=TODAY + timedelta(days=1),
                details=ReleasePass(unit_id=s["unit"], items=["床"]),
            ),
            "validation_error",
        ),
        (
            lambda s: PermitCreate(
                site_id=s["id"],
                valid_from=TODAY,
                valid_to=TODAY,
                details=AccessCard(unit_id=987654, holder="x", card_number="1"),
            ),
            "unknown_unit",
        ),
    ],
)
async def test_bad_permits_are_refused_with_a_code(
    settings: Settings, site: dict[str, Any], create: Any, code: str
) -> None:
    with pytest.raises(AppError) as refused:
        await service.issue_permit(settings, create(site))
    assert refused.value.code == code and 400 <= refused.value.status < 500


async def test_a_unit_of_another_site_is_unknown(settings: Settings, site: dict[str, Any]) -> None:
    other_unit = await make_unit(await make_site("jinjiang"))
    with pytest.raises(AppError) as refused:
        await service.issue_permit(
            settings,
            PermitCreate(
                site_id=site["id"],
                valid_from=TODAY,
                valid_to=TODAY,
                details=ReleasePass(unit_id=other_unit, items=["床"]),
            ),
        )
    assert refused.value.code == "unknown_unit"


async def test_rotation_keeps_old_permits_genuine_and_signs_new_ones_with_the_new_key(
    client: ApiClient, settings: Settings, site: dict[str, Any]
) -> None:
    old = await service.issue_permit(
        settings, monthly(site["id"], TODAY, TODAY + timedelta(days=30))
    )
    new_key = await keys.rotate_key(settings, site["id"])
    new = await service.issue_permit(
        settings, monthly(site["id"], TODAY, TODAY + timedelta(days=30), space="B2-099")
    )
    old_kid = (await verify(client, old.qr))["permit"]["kid"]
    assert (await verify(client, old.qr))["reason"] == "genuine"
    answer = await verify(client, new.qr)
    assert answer["reason"] == "genuine" and answer["permit"]["kid"] == new_key.kid != old_kid
    r = await client.get("/api/permits/keys")
    assert r.status_code == 200
    listed = r.json()["keys"]
    assert {k["kid"] for k in listed} == {old_kid, new_key.kid}
    for k in listed:
        assert k["alg"] == "ES256" and set(k["jwk"]) == {"kty", "crv", "x", "y"}
    # The retired key's private half is gone; the new one is readable by its owner alone.
    folder = keys.key_folder(settings)
    assert not (folder / f"{old_kid}.pem").exists()
    mode = stat.S_IMODE(os.stat(folder / f"{new_key.kid}.pem").st_mode)
    assert mode == 0o600


async def test_a_retired_key_is_dropped_once_its_permits_are_long_expired(
    settings: Settings, site: dict[str, Any]
) -> None:
    await service.issue_permit(
        settings, monthly(site["id"], TODAY - timedelta(days=200), TODAY - timedelta(days=100))
    )
    (first,) = await keys.verification_keys([site["id"]])
    await keys.rotate_key(settings, site["id"])
    kids = [k.kid for k in await keys.verification_keys([site["id"]])]
    assert first.kid not in kids and len(kids) == 1


async def test_a_lost_private_key_is_replaced_not_fatal(
    settings: Settings, site: dict[str, Any]
) -> None:
    first = await keys.signing_key(settings, site["id"])
    (keys.key_folder(settings) / f"{first.kid}.pem").unlink()
    second = await keys.signing_key(settings, site["id"])
    assert second.kid != first.kid
    assert (await keys.signing_key(settings, site["id"])).kid == second.kid


async def test_another_sites_permit_is_unknown_to_this_sites_staff(
    client: ApiClient, settings: Settings, site: dict[str, Any]
) -> None:
    other = await make_site("jinjiang")
    theirs = await service.issue_permit(settings, monthly(other, TODAY, TODAY + timedelta(days=3)))
    answer = await verify(client, theirs.qr)
    assert answer["valid"] is False and answer["reason"] == "unknown_key"
    kids = {k["kid"] for k in (await client.get("/api/permits/keys")).json()["keys"]}
    assert answer["permit"]["kid"] not in kids
    r = await client.get("/api/permits", params={"site_id": other})
    assert r.status_code == 404
    r = await client.get(f"/api/permits/{theirs.id}.pdf")
    assert r.status_code == 404


async def test_a_cashier_verifies_but_cannot_list_or_print(
    another_client: ApiClient, settings: Settings, site: dict[str, Any]
) -> None:
    permit = await service.issue_permit(
        settings, monthly(site["id"], TODAY, TODAY + timedelta(days=3))
    )
    await another_client.sign_in("gate")
    assert (await verify(another_client, permit.qr))["reason"] == "genuine"
    assert (await another_client.get("/api/permits/keys")).status_code == 200
    r = await another_client.get("/api/permits", params={"site_id": site["id"]})
    assert r.status_code == 403
    assert (await another_client.get(f"/api/permits/{permit.id}.pdf")).status_code == 403


async def test_bad_requests_get_4xx_with_codes(
    client: ApiClient, another_client: ApiClient, site: dict[str, Any]
) -> None:
    answer = await verify(client, "FK1:THIS IS NOT A PERMIT")
    assert answer == {"valid": False, "reason": "malformed", "permit": None}
    r = await client.post("/api/permits/verify", json={"qr": "A" * 5000})
    assert r.status_code == 400 and r.json()["error"]["field"] == "qr"
    r = await client.post("/api/permits/verify", json={"text": "x"})
    assert r.status_code == 400
    assert (await client.get("/api/permits/no-such-permit.pdf")).status_code == 404
    assert (await client.get("/api/permits/no-such-permit")).status_code == 404
    r = await client.get("/api/permits")
    assert r.status_code == 400
    await another_client.prepare_csrf()
    r = await another_client.post("/api/permits/verify", json={"qr": "FK1:"})
    assert r.status_code == 401
    assert (await another_client.get("/api/permits/keys")).status_code == 401


async def test_refusal_codes_have_texts_in_both_languages() -> None:
    from server.i18n import MESSAGES

    for code in (
        "permit_revoked",
        "permit_expired",
        "permit_not_yet_valid",
        "permit_overlaps",
        "pass_already_used",
        "not_single_use",
        "plate_invalid",
        "unknown_unit",
    ):
        zh, en = MESSAGES[code]
        assert zh and en and zh != en
