"""Vendors, contracts and zones over REST: admins and managers write, a site's members read its
vendors, another site's are a 404, and bad input is a 4xx with a stable code."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from server.vendors.settlement import DEMO_RULE
from tests.conftest import ApiClient, site_today
from tests.server.vendors.helpers import two_sites

TODAY = site_today()


def contract(site_ids: list[int], **changes: Any) -> dict[str, Any]:
    body = {
        "site_ids": site_ids,
        "monthly_fee_fen": 8_600_000,
        "starts_on": str(TODAY - timedelta(days=100)),
        "ends_on": str(TODAY + timedelta(days=265)),
    }
    return body | changes


async def new_vendor(client: ApiClient, name: str = "杭州洁美物业保洁有限公司") -> int:
    r = await client.post(
        "/api/vendors", json={"name": name, "service": "cleaning", "contact": "周建华"}
    )
    assert r.status_code == 201, r.text
    return int(r.json()["id"])


async def test_manager_contracts_a_vendor_and_the_sites_members_see_it(
    client: ApiClient, another_client: ApiClient
) -> None:
    cuihu, _ = await two_sites()
    await client.sign_in("zhao")
    vendor_id = await new_vendor(client)
    r = await client.post(f"/api/vendors/{vendor_id}/contracts", json=contract([cuihu]))
    assert r.status_code == 201, r.text
    made = r.json()
    assert made["service"] == "cleaning" and made["site_ids"] == [cuihu]
    assert made["rule"]["tiers"][0] == {"min_score": "95.00", "deduction_bp": 0}  # the default
    zone = await client.post(
        "/api/vendors/zones", json={"site_id": cuihu, "kind": "garage", "name": "地下车库 A 区"}
    )
    assert zone.status_code == 201, zone.text

    await another_client.sign_in("wang")
    listed = (await another_client.get("/api/vendors", params={"site_id": cuihu})).json()
    assert [(v["name"], v["service"], v["contract"]["monthly_fee_fen"]) for v in listed] == [
        ("杭州洁美物业保洁有限公司", "cleaning", 8_600_000)
    ]
    assert (await another_client.get("/api/vendors")).json() == listed
    assert (await another_client.get(f"/api/vendors/{vendor_id}")).json() == listed[0]
    contracts = (await another_client.get(f"/api/vendors/{vendor_id}/contracts")).json()
    assert [c["id"] for c in contracts] == [made["id"]]
    zones = (await another_client.get("/api/vendors/zones", params={"site_id": cuihu})).json()
    assert [(z["kind"], z["name"]) for z in zones] == [("garage", "地下车库 A 区")]
    # Reading is not writing.
    refused = await another_client.post("/api/vendors", json={"name": "某公司", "service": "pest"})
    assert refused.status_code == 403
    refused = await another_client.post(
        f"/api/vendors/{vendor_id}/contracts",
        json=contract([cuihu], starts_on="2030-01-01", ends_on="2030-12-31"),
    )
    assert refused.status_code == 403


async def test_another_sites_vendors_contracts_and_zones_are_not_found(
    client: ApiClient, another_client: ApiClient
) -> None:
    cuihu, jinjiang = await two_sites()
    await client.sign_in("root")
    vendor_id = await new_vendor(client)
    assert (
        await client.post(f"/api/vendors/{vendor_id}/contracts", json=contract([cuihu]))
    ).status_code == 201

    await another_client.sign_in("li")  # a patrol on 锦江华府 only
    assert (await another_client.get("/api/vendors", params={"site_id": cuihu})).status_code == 404
    assert (await another_client.get("/api/vendors")).json() == []
    assert (await another_client.get(f"/api/vendors/{vendor_id}")).status_code == 404
    assert (await another_client.get(f"/api/vendors/{vendor_id}/contracts")).status_code == 404
    r = await another_client.get("/api/vendors/zones", params={"site_id": cuihu})
    assert r.status_code == 404
    assert (await another_client.get("/api/vendors", params={"site_id": jinjiang})).json() == []

    await another_client.sign_in("zhao")  # a manager of 翠湖花园 only
    r = await another_client.post(
        f"/api/vendors/{vendor_id}/contracts", json=contract([cuihu, jinjiang])
    )
    assert r.status_code == 404
    r = await another_client.post(
        "/api/vendors/zones", json={"site_id": jinjiang, "kind": "lobby", "name": "1栋大堂"}
    )
    assert r.status_code == 404
    # A manager sees every vendor (to choose whom to contract), but only their sites' contracts.
    other = await new_vendor(another_client, "杭州净源清洁服务有限公司")
    names = [v["name"] for v in (await another_client.get("/api/vendors")).json()]
    assert names == ["杭州洁美物业保洁有限公司", "杭州净源清洁服务有限公司"]
    assert (await another_client.get(f"/api/vendors/{other}")).json()["contract"] is None


async def test_the_contract_in_force_today_is_the_one_listed(client: ApiClient) -> None:
    cuihu, _ = await two_sites()
    await client.sign_in("root")
    vendor_id = await new_vendor(client)
    past = contract(
        [cuihu],
        monthly_fee_fen=7_000_000,
        starts_on=str(TODAY - timedelta(days=800)),
        ends_on=str(TODAY - timedelta(days=400)),
    )
    future = contract(
        [cuihu],
        monthly_fee_fen=9_000_000,
        starts_on=str(TODAY + timedelta(days=400)),
        ends_on=str(TODAY + timedelta(days=800)),
    )
    for body in (past, contract([cuihu]), future):
        assert (
            await client.post(f"/api/vendors/{vendor_id}/contracts", json=body)
        ).status_code == 201
    listed = (await client.get("/api/vendors", params={"site_id": cuihu})).json()
    assert listed[0]["contract"]["monthly_fee_fen"] == 8_600_000
    fees = [
        c["monthly_fee_fen"]
        for c in (await client.get(f"/api/vendors/{vendor_id}/contracts")).json()
    ]
    assert fees == [9_000_000, 8_600_000, 7_000_000]


async def test_bad_input_gets_a_stable_code_and_a_message_in_both_languages(
    client: ApiClient,
) -> None:
    cuihu, _ = await two_sites()
    await client.sign_in("root")
    vendor_id = await new_vendor(client)
    url = f"/api/vendors/{vendor_id}/contracts"

    async def refusal(r: Any, status: int, code: str, field: str | None = None) -> str:
        assert r.status_code == status, r.text
        error = r.json()["error"]
        assert error["code"] == code
        if field is not None:
            assert error["field"] == field
        return str(error["message"])

    r = await client.post(url, json=contract([cuihu], ends_on=str(TODAY - timedelta(days=200))))
    assert (
        await refusal(r, 400, "contract_period_invalid", "ends_on")
        == "合同结束日期不能早于开始日期。"
    )
    assert (await client.post(url, json=contract([cuihu]))).status_code == 201
    r = await client.post(url, json=contract([cuihu], ends_on=str(TODAY + timedelta(days=900))))
    await refusal(r, 409, "contract_overlap", "starts_on")
    bad_rule = {
        "tiers": [{"min_score": "95", "deduction_bp": 0}],
        "per_critical_failure_fen": 0,
        "per_late_rectification_fen": 0,
        "cap_bp": 1000,
    }
    r = await client.post(
        url,
        json=contract([cuihu], starts_on="2031-01-01", ends_on="2031-12-31", rule=bad_rule),
        headers={"Accept-Language": "en"},
    )
    assert "one tier must start at 0" in await refusal(r, 400, "settlement_rule_invalid", "rule")
    r = await client.post(url, json=contract([cuihu], monthly_fee_fen=0))
    await refusal(r, 400, "validation_error", "monthly_fee_fen")
    r = await client.post(url, json=contract([cuihu], monthly_fee_fen=86000.5))
    await refusal(r, 400, "validation_error", "monthly_fee_fen")
    r = await client.post(url, json=contract([cuihu], rule={**bad_rule, "cap_bp": 10_001}))
    await refusal(r, 400, "validation_error", "rule.cap_bp")
    r = await client.post(
        url, json=contract([999_999], starts_on="2032-01-01", ends_on="2032-02-01")
    )
    await refusal(r, 404, "unknown_site", "site_ids")
    r = await client.post("/api/vendors/999999/contracts", json=contract([cuihu]))
    await refusal(r, 404, "not_found")
    r = await client.post(
        "/api/vendors", json={"name": "杭州洁美物业保洁有限公司", "service": "cleaning"}
    )
    await refusal(r, 409, "conflict", "name")
    r = await client.post("/api/vendors", json={"name": "某公司", "service": "security"})
    await refusal(r, 400, "validation_error", "service")
    r = await client.post(
        "/api/vendors/zones", json={"site_id": cuihu, "kind": "rooftop", "name": "屋顶"}
    )
    await refusal(r, 400, "validation_error", "kind")
    zone = {"site_id": cuihu, "kind": "lobby", "name": "1栋大堂"}
    assert (await client.post("/api/vendors/zones", json=zone)).status_code == 201
    await refusal(await client.post("/api/vendors/zones", json=zone), 409, "conflict", "name")


async def test_a_vendor_is_renamed_or_retired_but_keeps_its_service(client: ApiClient) -> None:
    await two_sites()
    await client.sign_in("zhao")
    vendor_id = await new_vendor(client)
    r = await client.patch(f"/api/vendors/{vendor_id}", json={"active": False, "contact": "吴丽萍"})
    assert r.status_code == 200, r.text
    assert (r.json()["active"], r.json()["contact"], r.json()["service"]) == (
        False,
        "吴丽萍",
        "cleaning",
    )
    r = await client.patch(f"/api/vendors/{vendor_id}", json={"service": "pest"})
    assert r.status_code == 400 and r.json()["error"]["field"] == "service"


def test_the_default_rule_is_the_demo_rule() -> None:
    assert DEMO_RULE.cap_bp == 1_000
