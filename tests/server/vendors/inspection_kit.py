"""A site with a contracted cleaning vendor, a small template and zones, an inspector and a
supervisor on phones, and a manager: what the inspection and evaluation tests start from."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date
from typing import Any

from server.syncing.records import record_by_id
from server.vendors import service
from server.vendors.schemas import (
    ContractCreate,
    TemplateItemCreate,
    TemplateVersionCreate,
    VendorCreate,
    ZoneCreate,
)
from server.vendors.settlement import DEMO_RULE
from tests.conftest import ApiClient, make_user
from tests.server.sync_device import Device
from tests.server.vendors.helpers import two_sites

PHOTO = "a" * 64
AFTER = "b" * 64
FEE_FEN = 420_000  # 4,200 yuan: the 10 % cap (420 yuan) is reached by two critical failures


def items(critical_hours: int = 24) -> list[TemplateItemCreate]:
    """c01: 10 points, lobby, critical, photo on deduction; c02 and c03: 45 points each."""
    return [
        TemplateItemCreate(
            code="c01",
            label_zh="大堂地面洁净",
            label_en="Lobby floor clean",
            max_points=10,
            zone_kind="lobby",
            critical=True,
            photo_required=True,
            rectification_hours=critical_hours,
        ),
        TemplateItemCreate(code="c02", label_zh="垃圾桶清理", label_en="Bins", max_points=45),
        TemplateItemCreate(code="c03", label_zh="保洁员着装", label_en="Uniform", max_points=45),
    ]


@dataclass
class World:
    site: int
    other_site: int
    vendor: int
    lobby: int
    garage: int
    version: int
    item: dict[str, int]  # code -> item id
    inspector: Device  # wang (environment)
    supervisor: Device  # lin (supervisor)

    def inspection(self, at: str = "2026-10-15T10:00:00+08:00", **changes: Any) -> dict[str, Any]:
        return {
            "id": str(uuid.uuid4()),
            "site_id": self.site,
            "vendor_id": self.vendor,
            "zone_id": self.lobby,
            "template_version_id": self.version,
            "at": at,
            "mode": "quick",
            "items": [],
            **changes,
        }

    def deduct(self, code: str, points: int, **more: Any) -> dict[str, Any]:
        photos = [PHOTO] if code == "c01" else []
        return {"item_id": self.item[code], "points_deducted": points, "photos": photos} | more

    async def submit(self, **changes: Any) -> dict[str, Any]:
        args = self.inspection(**changes)
        result = await self.inspector.push_one("inspections.submit", args)
        assert result["status"] == "applied", result
        return args

    async def review(self, record_id: str, intent: str = "approve", comment: str = "") -> Any:
        record = await record_by_id("inspections", record_id)
        assert record is not None
        args = {
            "id": str(uuid.uuid4()),
            "collection": "inspections",
            "record_id": record_id,
            "revision": record["revision"],
        }
        if comment:
            args["comment"] = comment
        return await self.supervisor.push_one(f"review.{intent}", args)

    async def approved(self, **changes: Any) -> dict[str, Any]:
        args = await self.submit(**changes)
        assert (await self.review(args["id"]))["status"] == "applied"
        return args


async def world(inspector: ApiClient, supervisor: ApiClient) -> World:
    site, other = await two_sites()
    await make_user("lin", ["supervisor"], [site])
    version = await service.create_template_version(
        TemplateVersionCreate(service="cleaning", name="保洁检查表", items=items()), None
    )
    lobby = await service.create_zone(ZoneCreate(site_id=site, kind="lobby", name="1栋大堂"))
    garage = await service.create_zone(ZoneCreate(site_id=site, kind="garage", name="地下车库"))
    vendor = await service.create_vendor(VendorCreate(name="杭州卫家保洁", service="cleaning"))
    await service.create_contract(
        vendor.id,
        ContractCreate(
            site_ids=[site],
            monthly_fee_fen=FEE_FEN,
            starts_on=date(2026, 1, 1),
            ends_on=date(2027, 12, 31),
            rule=DEMO_RULE,
        ),
    )
    await inspector.sign_in("wang")
    await supervisor.sign_in("lin")
    return World(
        site=site,
        other_site=other,
        vendor=vendor.id,
        lobby=lobby.id,
        garage=garage.id,
        version=version.id,
        item={i.code: i.id for i in version.items},
        inspector=Device(inspector),
        supervisor=Device(supervisor),
    )
