"""Permits through the sync engine: issue, renew, revoke and use as intents, with role and site
checks and their refusals; what a phone pulls (the QR text and status); a revocation reaching a
phone on its next pull; a pass used a second time from another phone becoming a finding."""

from __future__ import annotations

import uuid
from datetime import date, timedelta
from typing import Any

import pytest

from server.auth.service import now as utc_now
from server.sites.tables import Building, Unit
from tests.conftest import ApiClient, make_user, site_today
from tests.server.sync_device import Device, make_site

TODAY = site_today()


async def make_unit(site_id: int) -> int:
    rows = await Building.insert(
        Building(site=site_id, name="3栋", created_at=utc_now())
    ).returning(Building.id)
    rows = await Unit.insert(
        Unit(building=rows[0]["id"], entrance="2单元", number="1202", created_at=utc_now())
    ).returning(Unit.id)
    return int(rows[0]["id"])


def monthly(site_id: int, first: date, last: date, **details: Any) -> dict[str, Any]:
    return {
        "id": str(uuid.uuid4()),
        "site_id": site_id,
        "valid_from": first.isoformat(),
        "valid_to": last.isoformat(),
        "details": {
            "kind": "monthly_parking",
            "plate": "浙a d12345",
            "space": "B2-017",
            "vehicle_class": "small",
            "fee_fen": 30000,
            **details,
        },
    }


def release_pass(site_id: int, unit_id: int, day: date = TODAY) -> dict[str, Any]:
    return {
        "id": str(uuid.uuid4()),
        "site_id": site_id,
        "valid_from": day.isoformat(),
        "valid_to": day.isoformat(),
        "details": {"kind": "release_pass", "unit_id": unit_id, "items": ["旧沙发一张"]},
    }


@pytest.fixture
async def site(client: ApiClient) -> dict[str, int]:
    site_id = await make_site("cuihu")
    return {"id": site_id, "unit": await make_unit(site_id)}


@pytest.fixture
async def desk(client: ApiClient, site: dict[str, int]) -> Device:
    await make_user("desk", ["patrol"], [site["id"]])
    await client.sign_in("desk")
    return Device(client)


@pytest.fixture
async def gate(another_client: ApiClient, site: dict[str, int]) -> Device:
    await make_user("gate", ["cashier"], [site["id"]])
    await another_client.sign_in("gate")
    return Device(another_client)


async def permit_of(device: Device, permit_id: str) -> dict[str, Any]:
    """The permit as the device holds it after pulling what is new."""
    changes = [c for c in await device.pull_all() if c["id"] == permit_id]
    assert changes, f"{permit_id} not pulled"
    return dict(changes[-1]["fields"])


async def test_the_desk_issues_a_monthly_permit_that_phones_pull_with_its_qr(
    desk: Device, gate: Device, site: dict[str, int]
) -> None:
    args = monthly(site["id"], TODAY, TODAY + timedelta(days=29))
    result = await desk.push_one("permits.issue", args)
    assert result["status"] == "applied", result
    pulled = await permit_of(gate, args["id"])
    assert pulled["status"] == "issued"
    assert pulled["subject"] == "浙A·D12345"
    assert pulled["serial"] == 1 and pulled["fee_fen"] == 30000
    assert pulled["qr"].startswith("FK1:")
    verdict = (await desk.client.post("/api/permits/verify", json={"qr": pulled["qr"]})).json()
    assert verdict["reason"] == "genuine" and verdict["permit"]["id"] == args["id"]
    listed = (await desk.client.get("/api/permits", params={"site_id": site["id"]})).json()
    assert [p["id"] for p in listed] == [args["id"]]
    pdf = await desk.client.get(f"/api/permits/{args['id']}.pdf")
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")


async def test_only_the_desk_of_the_site_issues_renews_and_revokes(
    client: ApiClient, gate: Device, site: dict[str, int]
) -> None:
    args = monthly(site["id"], TODAY, TODAY + timedelta(days=29))
    assert (await gate.push_one("permits.issue", args))["error"]["code"] == "forbidden"
    other = await make_site("jinjiang")
    await make_user("outsider", ["patrol"], [other])
    await client.sign_in("outsider")
    outsider = Device(client)
    refused = await outsider.push_one("permits.issue", args)
    assert refused["error"]["code"] == "forbidden" and refused["error"]["field"] == "site_id"
    # A device never writes a permit record itself.
    upsert = await outsider.push_one("permits.upsert", {"id": args["id"], "site_id": other})
    assert upsert["error"]["code"] == "forbidden"


async def test_a_space_has_one_monthly_permit_per_period(
    desk: Device, site: dict[str, int]
) -> None:
    first = monthly(site["id"], TODAY, TODAY + timedelta(days=29))
    assert (await desk.push_one("permits.issue", first))["status"] == "applied"
    clash = monthly(site["id"], TODAY + timedelta(days=29), TODAY + timedelta(days=59))
    refused = await desk.push_one("permits.issue", clash)
    assert refused["status"] == "rejected"
    assert refused["error"]["code"] == "permit_overlaps"
    assert refused["error"]["args"] == {"space": "B2-017", "serial": 1, "plate": "浙A·D12345"}
    # The next period, or another space: issued.
    after = monthly(site["id"], TODAY + timedelta(days=30), TODAY + timedelta(days=59))
    assert (await desk.push_one("permits.issue", after))["status"] == "applied"
    other = monthly(site["id"], TODAY, TODAY + timedelta(days=29), space="B2-018")
    assert (await desk.push_one("permits.issue", other))["status"] == "applied"


async def test_renewal_is_a_new_period_for_the_same_holder(
    desk: Device, site: dict[str, int]
) -> None:
    old = monthly(site["id"], TODAY - timedelta(days=26), TODAY + timedelta(days=3))
    assert (await desk.push_one("permits.issue", old))["status"] == "applied"
    renewal = {
        "id": str(uuid.uuid4()),
        "permit_id": old["id"],
        "valid_to": (TODAY + timedelta(days=34)).isoformat(),
        "fee_fen": 32000,
    }
    assert (await desk.push_one("permits.renew", renewal))["status"] == "applied"
    pulled = {c["id"]: c["fields"] for c in await desk.pull_all()}
    new, before = pulled[renewal["id"]], pulled[old["id"]]
    assert new["subject"] == before["subject"] == "浙A·D12345"
    assert new["not_before"] == before["expires"]  # from the day after the old one's last
    assert new["fee_fen"] == 32000 and new["renews"] == old["id"] and new["serial"] == 2
    assert before["renewed_by"] == renewal["id"]


async def test_revoked_permits_are_not_renewed_or_revoked_again_and_the_phone_learns_on_pull(
    desk: Device, gate: Device, site: dict[str, int]
) -> None:
    args = monthly(site["id"], TODAY, TODAY + timedelta(days=29))
    await desk.push_one("permits.issue", args)
    assert (await permit_of(gate, args["id"]))["status"] == "issued"  # the phone holds it

    revoke = {"permit_id": args["id"], "reason": "车辆已转让"}
    assert (await desk.push_one("permits.revoke", revoke))["status"] == "applied"
    # The gate's next pull (from its cursor) brings the revocation.
    pulled = await permit_of(gate, args["id"])
    assert pulled["status"] == "revoked" and pulled["revoked_reason"] == "车辆已转让"

    again = await desk.push_one("permits.revoke", revoke)
    assert again["error"]["code"] == "permit_revoked"
    renew = {"id": str(uuid.uuid4()), "permit_id": args["id"], "valid_to": "2099-01-01"}
    assert (await desk.push_one("permits.renew", renew))["error"]["code"] == "permit_revoked"
    verdict = (await desk.client.post("/api/permits/verify", json={"qr": pulled["qr"]})).json()
    assert verdict["reason"] == "revoked"


async def test_a_period_already_over_is_refused_expired(desk: Device, site: dict[str, int]) -> None:
    args = monthly(site["id"], TODAY - timedelta(days=40), TODAY - timedelta(days=10))
    refused = await desk.push_one("permits.issue", args)
    assert refused["error"]["code"] == "permit_expired"
    assert refused["error"]["field"] == "valid_to"


async def test_a_release_pass_is_used_once_and_a_later_use_elsewhere_is_a_finding(
    client: ApiClient, desk: Device, gate: Device, site: dict[str, int]
) -> None:
    args = release_pass(site["id"], site["unit"])
    assert (await desk.push_one("permits.issue", args))["status"] == "applied"
    use = {"permit_id": args["id"]}
    assert (await gate.push_one("permits.use", use))["status"] == "applied"
    pulled = await permit_of(gate, args["id"])
    assert pulled["used_at"] is not None
    # The same phone again (a new mutation): refused.
    assert (await gate.push_one("permits.use", use))["error"]["code"] == "pass_already_used"
    verdict = (await desk.client.post("/api/permits/verify", json={"qr": pulled["qr"]})).json()
    assert verdict["reason"] == "used"

    # Another phone had let the goods out too: its use is kept, as a finding for the supervisor.
    second_phone = Device(desk.client)
    assert (await second_phone.push_one("permits.use", use))["status"] == "applied"
    await make_user("boss", ["supervisor"], [site["id"]])
    await client.sign_in("boss")
    boss = Device(client)
    findings = [c for c in await boss.pull_all() if c["collection"] == "findings"]
    assert len(findings) == 1
    assert findings[0]["fields"]["permit_id"] == args["id"]
    assert "重复使用" in findings[0]["fields"]["description"]
    assert findings[0]["fields"]["status"] == "open"


async def test_a_revoked_or_expired_pass_is_not_used(
    desk: Device, gate: Device, site: dict[str, int]
) -> None:
    revoked = release_pass(site["id"], site["unit"])
    await desk.push_one("permits.issue", revoked)
    await desk.push_one("permits.revoke", {"permit_id": revoked["id"], "reason": "业主取消"})
    refused = await gate.push_one("permits.use", {"permit_id": revoked["id"]})
    assert refused["error"]["code"] == "permit_revoked"

    tomorrow = release_pass(site["id"], site["unit"], TODAY + timedelta(days=1))
    await desk.push_one("permits.issue", tomorrow)
    refused = await gate.push_one("permits.use", {"permit_id": tomorrow["id"]})
    assert refused["error"]["code"] == "permit_expired"

    monthly_permit = monthly(site["id"], TODAY, TODAY + timedelta(days=29))
    await desk.push_one("permits.issue", monthly_permit)
    refused = await gate.push_one("permits.use", {"permit_id": monthly_permit["id"]})
    assert refused["error"]["code"] == "invalid_args"


@pytest.mark.parametrize(
    ("change", "field"),
    [
        (lambda a: {**a, "id": "not-a-uuid"}, "id"),
        (lambda a: {k: v for k, v in a.items() if k != "details"}, "details"),
        (lambda a: {**a, "details": {**a["details"], "plate": "ABC1234"}}, "details"),
        (lambda a: {**a, "details": {**a["details"], "fee_fen": -1}}, "details"),
        (lambda a: {**a, "valid_from": "tomorrow"}, "valid_from"),
        (lambda a: {**a, "valid_to": "2000-01-01"}, "valid_to"),
        (lambda a: {**a, "site_id": "1; DROP TABLE permit"}, "site_id"),
        (lambda a: {**a, "extra": 1}, "extra"),
    ],
)
async def test_bad_arguments_are_refused_naming_the_field(
    desk: Device, site: dict[str, int], change: Any, field: str
) -> None:
    args = change(monthly(site["id"], TODAY, TODAY + timedelta(days=29)))
    refused = await desk.push_one("permits.issue", args)
    assert refused["error"]["code"] == "invalid_args", refused
    assert refused["error"]["field"] == field


async def test_a_unit_of_another_site_is_refused(desk: Device, site: dict[str, int]) -> None:
    other_unit = await make_unit(await make_site("jinjiang"))
    refused = await desk.push_one("permits.issue", release_pass(site["id"], other_unit))
    assert refused["error"]["code"] == "invalid_args"
    assert refused["error"]["field"] == "details"


async def test_one_push_issuing_clashing_permits_keeps_each_mutations_fate(
    desk: Device, gate: Device, site: dict[str, int]
) -> None:
    """The overlap check reads the permits table in the middle of a push: it sees the permits
    issued earlier in the same batch, and a permit refused after that read leaves nothing
    behind (no record, no serial taken)."""
    first = monthly(site["id"], TODAY, TODAY + timedelta(days=29))
    clash = monthly(site["id"], TODAY + timedelta(days=29), TODAY + timedelta(days=59))
    other = monthly(site["id"], TODAY, TODAY + timedelta(days=29), space="B2-018")
    response = await desk.push(
        desk.mutation("permits.issue", first),
        desk.mutation("permits.issue", clash),
        desk.mutation("permits.issue", other),
    )
    answer = response.json()
    statuses = [(r["status"], (r["error"] or {}).get("code")) for r in answer["results"]]
    assert statuses == [("applied", None), ("rejected", "permit_overlaps"), ("applied", None)]
    pulled = {c["id"]: c["fields"] for c in await gate.pull_all()}
    assert clash["id"] not in pulled
    assert [pulled[first["id"]]["serial"], pulled[other["id"]]["serial"]] == [1, 2]
