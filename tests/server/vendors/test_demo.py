"""The demo seed gives the vendors domain something real to show on first start."""

from __future__ import annotations

from collections import Counter
from datetime import date

from server.demo import seed_demo
from server.settings import Settings
from server.sites.tables import Site
from server.vendors import service
from server.vendors.settlement import DEMO_RULE


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
