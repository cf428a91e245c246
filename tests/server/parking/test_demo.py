"""The demo's parking: 翠湖花园 东门 quotes the demo tariff to its cashier, with the master data."""

from __future__ import annotations

from server.demo import seed_demo
from tests.conftest import PASSWORD, ApiClient


async def test_the_demo_cashier_quotes_the_demo_tariff_at_the_east_gate(client: ApiClient) -> None:
    await seed_demo(PASSWORD)
    me = (await client.sign_in("chenjing")).json()["user"]
    (site,) = me["sites"]
    gates = (await client.get(f"/api/sites/{site['id']}/parking/gates")).json()
    assert [g["name"] for g in gates] == ["东门", "西门"]
    east = gates[0]["id"]
    for vehicle_class, exit, fee in (
        ("small", "2026-12-06T08:30:00+08:00", 0),
        ("small", "2026-12-06T10:00:01+08:00", 700),
        ("small", "2026-12-07T10:00:01+08:00", 2700),
        ("large", "2026-12-06T10:00:01+08:00", 1400),
    ):
        r = await client.get(
            "/api/parking/quote",
            params={
                "gate_id": east,
                "vehicle_class": vehicle_class,
                "entry": "2026-12-06T08:00:00+08:00",
                "exit": exit,
            },
        )
        assert r.json()["fee_fen"] == fee, (vehicle_class, exit, r.text)
    reasons = (await client.get(f"/api/sites/{site['id']}/parking/exemption-reasons")).json()
    assert [r["name_zh"] for r in reasons] == ["警车", "消防", "救护", "公务", "业主访客", "其他"]
    denominations = (await client.get(f"/api/sites/{site['id']}/parking/denominations")).json()
    assert [(d["kind"], d["fen"]) for d in denominations] == [
        ("note", 10000),
        ("note", 5000),
        ("note", 2000),
        ("note", 1000),
        ("note", 500),
        ("note", 100),
        ("coin", 100),
        ("coin", 50),
        ("coin", 10),
    ]
