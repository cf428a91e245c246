"""The demo seed gives the vendors domain something real to show on first start."""

from __future__ import annotations

from collections import Counter
from datetime import date, datetime, timedelta

from server.demo import seed_demo, seed_synced
from server.settings import Settings
from server.sites.service import site_clock
from server.sites.tables import Site
from server.vendors import service
from server.vendors.settlement import DEMO_RULE
from tests.conftest import PASSWORD, ApiClient
from tests.server.sync_device import Device


async def test_demo_seeds_templates_vendors_contracts_and_zones(settings: Settings) -> None:
    today = date(2026, 1, 15)  # in January, last month is in the previous year
    await seed_demo("demo-password", today)
    for kind in ("cleaning", "greening", "pest"):
        template = await service.current_template_version(kind)
        assert template is not None and template.version == 1
        assert 8 <= len(template.items) <= 12
        assert sum(i.max_points for i in template.items) == 100
        assert 1 <= sum(i.critical for i in template.items) <= 2
        assert all(i.label_zh and i.label_en for i in template.items)
    site = await Site.select(Site.id).where(Site.code == "cuihu").first()
    assert site is not None
    zones = await service.list_zones(site["id"])
    assert {"garage", "green_belt", "refuse_station", "lobby"} <= {z.kind for z in zones}
    vendors = await service.list_vendors([site["id"]], contracted_only=True)
    assert Counter(v.service for v in vendors) == {"cleaning": 2, "greening": 2, "pest": 2}
    assert "杭州洁美物业保洁有限公司" in {v.name for v in vendors}
    for vendor in vendors:
        (contract,) = await service.list_contracts(vendor.id)
        assert contract.rule == DEMO_RULE
        assert contract.starts_on <= date(2025, 12, 1) and contract.ends_on >= today
    fees = {v.name: v.contract.monthly_fee_fen for v in vendors if v.contract}
    assert fees["杭州洁美物业保洁有限公司"] == 8_600_000


async def test_the_demo_evaluates_last_month_with_every_tier_and_waits_for_a_review(
    client: ApiClient, settings: Settings
) -> None:
    await seed_synced(settings, await seed_demo(PASSWORD))
    site = await Site.select(Site.id, Site.timezone).where(Site.code == "cuihu").first()
    assert site is not None
    clock = await site_clock(site["id"])
    this_month = clock.today().replace(day=1)
    last_month = (this_month - timedelta(days=1)).strftime("%Y-%m")
    await client.sign_in("zhaolei")
    vendors = (await client.get("/api/vendors", params={"site_id": site["id"]})).json()
    evaluations = {}
    for vendor in vendors:
        r = await client.get(f"/api/vendors/{vendor['id']}/evaluations/{last_month}")
        assert r.status_code == 200, r.text
        evaluations[vendor["name"]] = r.json()
    assert all(e["inspections"] == 4 and e["waiting_review"] == 0 for e in evaluations.values())
    tiers = {
        name: e["lines"][0]["fen"] * 10_000 // e["monthly_fee_fen"]
        for name, e in evaluations.items()
    }
    assert sorted(set(tiers.values())) == [0, 200, 500]  # full, −2 %, −5 %
    assert sum(e["critical_failures"] for e in evaluations.values()) == 1
    assert sum(e["late_rectifications"] for e in evaluations.values()) == 1
    assert sum(e["rectifications"]["on_time"] for e in evaluations.values()) == 2
    # This month: one approved inspection of each vendor, and one waiting for 李娜's review.
    await client.post("/api/auth/logout")
    await client.sign_in("lina")
    pulled = [c for c in await Device(client).pull_all() if c["collection"] == "inspections"]
    waiting = [c for c in pulled if c["fields"]["status"] == "submitted"]
    assert len(waiting) == 1 and len(pulled) == 4 * 6 + 6 + 1
    assert clock.month(datetime.fromisoformat(waiting[0]["fields"]["at"])) == clock.month()
    this = [
        c for c in pulled if clock.month(datetime.fromisoformat(c["fields"]["at"])) == clock.month()
    ]
    assert sorted(c["fields"]["status"] for c in this) == ["approved"] * 6 + ["submitted"]
