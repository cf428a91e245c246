"""The receipt prefix of a cashier's device (the same for the same device, never issued twice)
and the setup the app caches for offline fees."""

from __future__ import annotations

from server.parking.controller import prefix_of
from tests.conftest import ApiClient, make_user
from tests.server.parking.shift_kit import parking_site


def test_prefixes_are_distinct_and_short() -> None:
    prefixes = [prefix_of(n) for n in range(1, 30_000)]
    assert prefixes[:2] == ["A00", "A01"]
    assert prefixes[100] == "B00"
    assert prefixes[2600] == "AA00"
    assert len(set(prefixes)) == len(prefixes)
    assert max(len(p) for p in prefixes) <= 8


async def test_a_device_keeps_its_prefix_and_a_new_device_gets_a_new_one(
    client: ApiClient,
) -> None:
    park = await parking_site()
    await make_user("chen", ["cashier"], [park["site"]])
    await client.sign_in("chen")
    first = await client.post("/api/parking/receipt-prefix", json={"device_id": "phone-1"})
    assert first.status_code == 200, first.text
    again = await client.post("/api/parking/receipt-prefix", json={"device_id": "phone-1"})
    other = await client.post("/api/parking/receipt-prefix", json={"device_id": "phone-2"})
    assert again.json() == first.json()
    assert other.json()["prefix"] != first.json()["prefix"]
    bad = await client.post("/api/parking/receipt-prefix", json={"device_id": ""})
    assert bad.status_code == 400


async def test_only_cashiers_get_a_prefix(client: ApiClient) -> None:
    park = await parking_site()
    await make_user("zhang", ["patrol"], [park["site"]])
    await client.sign_in("zhang")
    r = await client.post("/api/parking/receipt-prefix", json={"device_id": "phone-1"})
    assert r.status_code == 403
    assert r.json()["error"]["code"] == "forbidden"


async def test_the_setup_holds_what_offline_fees_need(client: ApiClient) -> None:
    park = await parking_site()
    chen = await make_user("chen", ["cashier"], [park["site"]])
    await client.sign_in("chen")
    r = await client.get(f"/api/sites/{park['site']}/parking/setup")
    assert r.status_code == 200, r.text
    body = r.json()
    assert [g["name"] for g in body["gates"]] == ["东门"]
    assert sorted(t["vehicle_class"] for t in body["tariffs"]) == ["large", "small"]
    assert body["tariffs"][0]["rules"]["cap_fen"] > 0
    assert len(body["exemption_reasons"]) == 6
    assert body["denominations"][0] == {"kind": "note", "fen": 10000}
    assert body["cashiers"] == [{"id": chen, "name": "Chen"}]
    other = await parking_site("jinjiang")
    assert (await client.get(f"/api/sites/{other['site']}/parking/setup")).status_code == 404
