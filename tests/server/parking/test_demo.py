"""The demo's parking: 翠湖花园 东门 quotes the demo tariff to its cashier, with the master data."""

from __future__ import annotations

from server.demo import seed_demo, seed_synced
from server.settings import Settings
from tests.conftest import PASSWORD, ApiClient
from tests.server.sync_device import Device


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


async def test_the_demo_cashier_has_shifts_to_show(client: ApiClient, settings: Settings) -> None:
    await seed_synced(settings, await seed_demo(PASSWORD))
    await client.sign_in("chenjing")
    chen = Device(client)
    changes = await chen.pull_all()
    shifts = sorted(
        ({**c["fields"], "id": c["id"]} for c in changes if c["collection"] == "parking_shifts"),
        key=lambda f: f["opened_at"],
    )
    assert [s["status"] for s in shifts] == ["approved", "closed", "open"]
    older, yesterday, today = shifts
    assert older["variance_fen"] == -100 and older["review_comment"]
    assert yesterday["variance_fen"] == 500 and yesterday["slip_no"]
    assert today["expected_cash_fen"] is None  # the count is blind until submitted
    entries = [c["fields"] for c in changes if c["collection"] == "parking_transactions"]
    assert {e["kind"] for e in entries if e["shift_id"] == today["id"]} == {"fee", "void"}
    assert len({e["receipt_no"] for e in entries}) == len(entries)
    assert not [c for c in changes if c["collection"] == "parking_books"]
    slip = await client.get(f"/api/parking/shifts/{yesterday['id']}/slip.pdf")
    assert slip.status_code == 200

    # 李娜 finds yesterday's shift waiting, and its day in the report.
    await client.sign_in("lina")
    day = yesterday["opened_at"][:10]
    r = await client.get(
        "/api/parking/reports/day", params={"site_id": yesterday["site_id"], "date": day}
    )
    assert r.status_code == 200, r.text
    report = r.json()
    assert report["cash_variance_fen"] == 500
    assert report["total_fen"] == sum(m["amount_fen"] for m in report["methods"]) > 0
