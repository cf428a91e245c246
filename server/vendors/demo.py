"""Vendors' part of the demo data: the three services' templates, zones on the demo site, two
vendors per service there, their contracts with the demo settlement rule, and (through the sync
engine) last month's approved inspections and one of this month waiting for review."""

from __future__ import annotations

import hashlib
import io
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from PIL import Image, ImageDraw

from server.media.service import MediaService, media_storage
from server.printing import font
from server.settings import Settings
from server.syncing.demo import DemoDevices, DemoSite, record_id
from server.syncing.records import record_by_id
from server.vendors import service
from server.vendors.schemas import (
    ContractCreate,
    ItemZone,
    Service,
    TemplateItemCreate,
    TemplateVersionCreate,
    VendorCreate,
    ZoneCreate,
    ZoneKind,
)
from server.vendors.settlement import DEMO_RULE

Item = tuple[str, str, str, int, ItemZone, bool, bool]

# (code, label zh-CN, label en, max points, zone kind ("" = any), critical, photo on deduction)
TEMPLATES: dict[Service, tuple[str, int, tuple[Item, ...]]] = {
    "cleaning": (
        "保洁服务质量检查表",
        60,
        (
            (
                "c01",
                "楼栋周边地面无垃圾、烟头、杂物",
                "No litter or cigarette ends around the buildings",
                12,
                "building_surrounds",
                False,
                True,
            ),
            (
                "c02",
                "大堂地面、墙面、玻璃门洁净无污渍",
                "Lobby floor, walls and glass doors clean",
                12,
                "lobby",
                False,
                True,
            ),
            (
                "c03",
                "楼道、扶手及电梯轿厢洁净无异味",
                "Corridors, handrails and lift cars clean and odour-free",
                12,
                "corridor",
                False,
                True,
            ),
            (
                "c04",
                "地下车库地面无积水、油污、垃圾",
                "Garage floor free of water, oil and litter",
                10,
                "garage",
                False,
                True,
            ),
            (
                "c05",
                "垃圾桶日产日清，无满溢、桶身洁净",
                "Bins emptied daily, never overflowing, kept clean",
                12,
                "refuse_station",
                True,
                True,
            ),
            (
                "c06",
                "垃圾站每日冲洗消毒，无异味、无蚊蝇",
                "Refuse station washed and disinfected daily, no odour or flies",
                10,
                "refuse_station",
                False,
                True,
            ),
            (
                "c07",
                "小区道路、广场及健身区洁净",
                "Roads, squares and fitness area clean",
                10,
                "roads",
                False,
                False,
            ),
            (
                "c08",
                "标识牌、信报箱、消防栓箱无积尘",
                "Signs, mailboxes and hydrant boxes free of dust",
                8,
                "lobby",
                False,
                False,
            ),
            (
                "c09",
                "保洁员统一着装、按时到岗",
                "Cleaners in uniform and on duty on time",
                6,
                "",
                False,
                False,
            ),
            (
                "c10",
                "湿滑作业设置警示牌，作业安全规范",
                "Wet-floor signs set out; work done safely",
                8,
                "",
                True,
                True,
            ),
        ),
    ),
    "greening": (
        "绿化养护质量检查表",
        60,
        (
            (
                "g01",
                "草坪修剪平整，高度不超过 8 厘米，无斑秃",
                "Lawns mown level, under 8 cm, no bare patches",
                14,
                "green_belt",
                False,
                True,
            ),
            (
                "g02",
                "绿篱、灌木造型整齐，无枯枝",
                "Hedges and shrubs trimmed, no dead branches",
                12,
                "green_belt",
                False,
                True,
            ),
            (
                "g03",
                "乔木无枯死、断枝、倒伏隐患",
                "Trees without dead wood, broken limbs or risk of falling",
                12,
                "green_belt",
                True,
                True,
            ),
            (
                "g04",
                "绿地无杂草、无垃圾、无积水",
                "Green areas free of weeds, litter and standing water",
                12,
                "green_belt",
                False,
                True,
            ),
            (
                "g05",
                "病虫害防治及时，叶面无明显虫害",
                "Pests and diseases treated; no visible leaf damage",
                10,
                "green_belt",
                False,
                True,
            ),
            (
                "g06",
                "按计划浇灌、施肥，有作业记录",
                "Watering and feeding to plan, with records",
                10,
                "",
                False,
                False,
            ),
            (
                "g07",
                "楼栋周边花坛、盆栽完好，无缺株",
                "Flower beds and pots around the buildings complete",
                10,
                "building_surrounds",
                False,
                True,
            ),
            (
                "g08",
                "绿化垃圾当日清运，不占用道路",
                "Green waste removed the same day, roads kept clear",
                10,
                "roads",
                False,
                True,
            ),
            (
                "g09",
                "作业人员统一着装，机械操作安全规范",
                "Gardeners in uniform; machines used safely",
                10,
                "",
                False,
                False,
            ),
        ),
    ),
    "pest": (
        "消杀服务质量检查表",
        60,
        (
            (
                "p01",
                "无鼠迹，蟑螂密度未超标",
                "No rodent traces; cockroach density within limits",
                20,
                "",
                True,
                True,
            ),
            (
                "p02",
                "毒饵站、粘鼠板按点位布放，完好无缺失",
                "Bait stations and glue boards in place and intact",
                12,
                "building_surrounds",
                False,
                True,
            ),
            (
                "p03",
                "垃圾站、化粪池周边定期喷洒",
                "Refuse station and septic tank surroundings sprayed on schedule",
                12,
                "refuse_station",
                False,
                True,
            ),
            (
                "p04",
                "地下车库、设备房消杀到位，无蚊蝇孳生",
                "Garage and plant rooms treated, no breeding flies or mosquitoes",
                10,
                "garage",
                False,
                True,
            ),
            (
                "p05",
                "绿化带无积水，灭蚊处理到位",
                "No standing water in green belts; mosquito treatment done",
                10,
                "green_belt",
                False,
                True,
            ),
            (
                "p06",
                "蚊蝇密度控制达标",
                "Mosquito and fly density within limits",
                10,
                "",
                False,
                False,
            ),
            (
                "p07",
                "药剂合规使用、安全存放，无违禁药物",
                "Approved chemicals only, stored safely",
                10,
                "",
                True,
                True,
            ),
            (
                "p08",
                "作业前公示，作业区设警示标识",
                "Work announced beforehand; warning signs at the work area",
                8,
                "",
                False,
                False,
            ),
            (
                "p09",
                "消杀记录完整（时间、地点、药剂、用量）",
                "Complete records: time, place, chemical, dose",
                8,
                "",
                False,
                False,
            ),
        ),
    ),
}

# On the demo site 翠湖花园: (kind, name)
ZONES: tuple[tuple[ZoneKind, str], ...] = (
    ("building_surrounds", "1栋周边"),
    ("building_surrounds", "2栋周边"),
    ("building_surrounds", "3栋周边"),
    ("lobby", "1栋大堂"),
    ("lobby", "2栋大堂"),
    ("lobby", "3栋大堂"),
    ("corridor", "各栋楼道及电梯"),
    ("garage", "地下车库 A 区"),
    ("garage", "地下车库 B 区"),
    ("green_belt", "中心绿化带"),
    ("green_belt", "北侧绿化带"),
    ("refuse_station", "东门垃圾站"),
    ("roads", "主干道及中心广场"),
)

# (name, service, contact, monthly fee in yuan)
VENDORS: tuple[tuple[str, Service, str, int], ...] = (
    ("杭州洁美物业保洁有限公司", "cleaning", "周建华 138 0571 2233", 86_000),
    ("杭州净源清洁服务有限公司", "cleaning", "吴丽萍 139 5716 0481", 32_000),
    ("杭州青禾园林绿化工程有限公司", "greening", "郑国强 137 5810 6672", 28_000),
    ("浙江四季景观养护有限公司", "greening", "孙海燕 135 8875 1290", 12_500),
    ("杭州安康有害生物防治有限公司", "pest", "钱志明 136 5717 3308", 6_800),
    ("杭州卫家消杀服务有限公司", "pest", "冯晓东 158 6812 4457", 4_200),
)


async def seed_vendors(site_id: int, today: date) -> None:
    """Templates, zones, vendors and contracts (on an empty database, after the sites)."""
    for template_service, (name, cap, items) in TEMPLATES.items():
        await service.create_template_version(
            TemplateVersionCreate(
                service=template_service,
                name=name,
                critical_cap_score=cap,
                items=[
                    TemplateItemCreate(
                        code=code,
                        label_zh=zh,
                        label_en=en,
                        max_points=points,
                        zone_kind=zone_kind,
                        critical=critical,
                        photo_required=photo,
                    )
                    for code, zh, en, points, zone_kind, critical, photo in items
                ],
            ),
            created_by=None,
        )
    for kind, zone_name in ZONES:
        await service.create_zone(ZoneCreate(site_id=site_id, kind=kind, name=zone_name))
    # Two-year contracts from last January: last month is always inside one.
    starts_on, ends_on = date(today.year - 1, 1, 1), date(today.year, 12, 31)
    for vendor_name, vendor_service, contact, fee_yuan in VENDORS:
        vendor = await service.create_vendor(
            VendorCreate(name=vendor_name, service=vendor_service, contact=contact)
        )
        await service.create_contract(
            vendor.id,
            ContractCreate(
                site_ids=[site_id],
                monthly_fee_fen=fee_yuan * 100,
                starts_on=starts_on,
                ends_on=ends_on,
                rule=DEMO_RULE,
            ),
        )


# ---- inspections (pushed through the sync engine by the demo users' phones) ---------------

INSPECTOR = "wangfang"
SUPERVISOR = "lina"
# Per vendor (in VENDORS order), last month's inspections: (day of the month, hour, zone kind,
# deductions as (item code, points, reason)). Their averages show every tier: 99.25 and 98.75
# and 97.50 pay in full, 94.00 loses 2 %, 89.75 loses 5 %, and 安康 has a critical failure.
Deduction = tuple[str, int, str]
LAST_MONTH: tuple[tuple[tuple[int, int, ZoneKind, tuple[Deduction, ...]], ...], ...] = (
    (
        (3, 9, "roads", (("c07", 1, "中心广场有落叶未清"),)),
        (10, 10, "lobby", ()),
        (17, 14, "lobby", (("c08", 2, "信报箱顶部积尘"),)),
        (24, 9, "garage", ()),
    ),
    (
        (4, 10, "building_surrounds", (("c01", 5, "2栋北侧草地烟头较多"),)),
        (
            11,
            15,
            "refuse_station",
            (("c06", 5, "垃圾站地面污水未冲洗"), ("c09", 2, "一人未着工装")),
        ),
        (18, 9, "garage", (("c04", 5, "B 区积水未清理"),)),
        (25, 11, "corridor", (("c03", 5, "3栋电梯轿厢有异味"), ("c09", 2, "迟到 20 分钟"))),
    ),
    (
        (5, 10, "green_belt", (("g01", 2, "局部草坪超高"),)),
        (12, 9, "green_belt", ()),
        (19, 14, "building_surrounds", (("g07", 1, "1栋花坛缺株 2 棵"),)),
        (26, 10, "roads", (("g08", 2, "修剪枝叶堆放路边过夜"),)),
    ),
    (
        (
            5,
            14,
            "green_belt",
            (("g01", 5, "草坪斑秃"), ("g02", 5, "绿篱枯枝未剪"), ("g09", 2, "割草未设警示")),
        ),
        (
            12,
            15,
            "green_belt",
            (("g04", 5, "杂草丛生"), ("g05", 5, "叶面虫害明显"), ("g06", 2, "无浇灌记录")),
        ),
        (19, 10, "building_surrounds", (("g07", 5, "花坛大面积缺株"), ("g06", 2, "施肥记录缺失"))),
        (26, 15, "green_belt", (("g02", 5, "绿篱造型杂乱"), ("g04", 5, "绿地积水"))),
    ),
    (
        (6, 10, "garage", (("p01", 2, "车库 A 区发现鼠迹"),)),
        (13, 10, "refuse_station", ()),
        (20, 14, "building_surrounds", (("p02", 2, "3栋东侧毒饵站缺失"),)),
        (27, 9, "garage", ()),
    ),
    (
        (7, 9, "building_surrounds", ()),
        (14, 10, "building_surrounds", (("p09", 2, "记录未写用量"),)),
        (21, 15, "refuse_station", (("p06", 5, "垃圾站蝇密度偏高"),)),
        (28, 11, "green_belt", (("p08", 1, "未提前公示"), ("p06", 2, "蚊虫较多"))),
    ),
)
# (vendor index, inspection index, item code): verified on time (same day) or 2 days later,
# after the 24-hour deadline: one late rectification.
VERIFIED_ON_TIME = ((1, 2, "c04"), (3, 0, "g02"))
VERIFIED_LATE = ((1, 0, "c01"),)


@dataclass(frozen=True)
class _Step:
    at: datetime
    user: str
    name: str
    args: Callable[[], Awaitable[dict[str, Any]]]


async def seed_inspections(devices: DemoDevices, site: DemoSite, settings: Settings) -> None:
    """Last month's inspections of the demo vendors, approved, two deductions verified in time
    and one late; this month one approved inspection of each vendor, and one waiting for
    review."""
    inspector_id = await devices.user_id(INSPECTOR)
    media = MediaService(media_storage(settings))
    before = await _demo_photo(media, inspector_id, "整改前", (150, 120, 90))
    after = await _demo_photo(media, inspector_id, "整改后", (90, 150, 110))
    vendors = {v.name: v for v in await service.list_vendors([site.site_id], contracted_only=True)}
    zones: dict[str, int] = {}
    for zone in await service.list_zones(site.site_id):
        zones.setdefault(zone.kind, zone.id)
    first = (site.today.replace(day=1) - timedelta(days=1)).replace(day=1)
    # Each service's checklist now, and its items by code: last month's and this month's
    # inspections both fill it in.
    templates = {}
    for _, vendor_service, _, _ in VENDORS:
        version = await service.current_template_version(vendor_service)
        assert version is not None
        templates[vendor_service] = (version, {i.code: i.id for i in version.items})
    steps: list[_Step] = []
    for index, ((name, vendor_service, _, _), plan) in enumerate(
        zip(VENDORS, LAST_MONTH, strict=True)
    ):
        version, item_ids = templates[vendor_service]
        for number, (day, hour, kind, deductions) in enumerate(plan):
            at = datetime.combine(first.replace(day=day), time(hour, 10), site.clock.zone)
            inspection_id = record_id("inspection", site.site_id, index, number)
            args = _inspection(
                inspection_id,
                site.site_id,
                vendors[name].id,
                zones[kind],
                version.id,
                at,
                [(item_ids[code], points, reason) for code, points, reason in deductions],
                before,
            )
            steps.append(
                _Step(at + timedelta(minutes=25), INSPECTOR, "inspections.submit", _const(args))
            )
            steps.append(
                _Step(
                    at + timedelta(hours=2),
                    SUPERVISOR,
                    "review.approve",
                    _review(inspection_id),
                )
            )
            for (v, n, code), later in [(k, False) for k in VERIFIED_ON_TIME] + [
                (k, True) for k in VERIFIED_LATE
            ]:
                if (v, n) == (index, number):
                    verified = at + (timedelta(days=2) if later else timedelta(hours=5))
                    verify = {
                        "id": inspection_id,
                        "item_id": item_ids[code],
                        "at": verified.isoformat(),
                        "photos": [after],
                        "note": "复查已整改",
                    }
                    steps.append(_Step(verified, INSPECTOR, "inspections.verify", _const(verify)))
    # This month so far: each vendor inspected once and approved (the dashboards' scores and
    # this month's evaluations), as its first inspection of last month was.
    month_start = datetime.combine(site.today.replace(day=1), time(0, 1), site.clock.zone)
    for index, ((name, vendor_service, _, _), plan) in enumerate(
        zip(VENDORS, LAST_MONTH, strict=True)
    ):
        version, item_ids = templates[vendor_service]
        _, _, kind, deductions = plan[0]
        on = site.today.replace(day=1 + index * (site.today.day - 1) // len(VENDORS))
        at = min(datetime.combine(on, time(9 + index, 10), site.clock.zone), site.hours_ago(3))
        at = max(at, min(month_start, site.now))
        inspection_id = record_id("inspection", site.site_id, index, "this month")
        args = _inspection(
            inspection_id,
            site.site_id,
            vendors[name].id,
            zones[kind],
            version.id,
            at,
            [(item_ids[code], points, reason) for code, points, reason in deductions],
            before,
        )
        steps.append(
            _Step(at + timedelta(minutes=25), INSPECTOR, "inspections.submit", _const(args))
        )
        review_at = min(at + timedelta(hours=1), site.now)
        steps.append(_Step(review_at, SUPERVISOR, "review.approve", _review(inspection_id)))
    # This month: one inspection waiting for lina's review.
    version, item_ids = templates["cleaning"]
    # Two hours ago, but within this month (the 1st just after midnight: a minute into it).
    waiting_at = max(site.hours_ago(2), min(month_start, site.now))
    steps.append(
        _Step(
            waiting_at,
            INSPECTOR,
            "inspections.submit",
            _const(
                _inspection(
                    record_id("inspection", site.site_id, "waiting"),
                    site.site_id,
                    vendors[VENDORS[0][0]].id,
                    zones["lobby"],
                    version.id,
                    waiting_at,
                    [(item_ids["c02"], 2, "1栋大堂玻璃门有指印")],
                    before,
                )
            ),
        )
    )
    for step in sorted(steps, key=lambda s: s.at):
        await devices.push(step.user, step.at, step.name, await step.args())


def _inspection(
    inspection_id: str,
    site_id: int,
    vendor_id: int,
    zone_id: int,
    version_id: int,
    at: datetime,
    deductions: list[tuple[int, int, str]],
    photo: str,
) -> dict[str, Any]:
    """`inspections.submit` of a quick inspection: (item id, points, reason) per deduction,
    each with the photo."""
    return {
        "id": inspection_id,
        "site_id": site_id,
        "vendor_id": vendor_id,
        "zone_id": zone_id,
        "template_version_id": version_id,
        "at": at.isoformat(),
        "mode": "quick",
        "items": [
            {"item_id": item, "points_deducted": points, "reason": reason, "photos": [photo]}
            for item, points, reason in deductions
        ],
    }


def _const(args: dict[str, Any]) -> Callable[[], Awaitable[dict[str, Any]]]:
    async def get() -> dict[str, Any]:
        return args

    return get


def _review(inspection_id: str) -> Callable[[], Awaitable[dict[str, Any]]]:
    """The approval, naming the revision the supervisor sees when she approves."""

    async def get() -> dict[str, Any]:
        record = await record_by_id("inspections", inspection_id)
        assert record is not None
        return {
            "id": record_id("review", inspection_id),
            "collection": "inspections",
            "record_id": inspection_id,
            "revision": record["revision"],
        }

    return get


async def _demo_photo(
    media: MediaService, uploader_id: int, caption: str, colour: tuple[int, int, int]
) -> str:
    """A small photo-like JPEG with a caption, stored as an upload would be; its hash."""
    image = Image.new("RGB", (640, 480), colour)
    draw = ImageDraw.Draw(image)
    draw.rectangle((60, 300, 580, 440), fill=(70, 70, 70))
    draw.text((80, 80), caption, font=font(72), fill=(255, 255, 255))
    out = io.BytesIO()
    image.save(out, format="JPEG", quality=80)
    data = out.getvalue()
    sha256 = hashlib.sha256(data).hexdigest()
    await media.store(sha256, data, uploader_id)
    return sha256
