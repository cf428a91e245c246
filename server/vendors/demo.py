"""Vendors' part of the demo data: the three services' templates, zones on the demo site, two
vendors per service there, and their contracts with the demo settlement rule."""

from __future__ import annotations

from datetime import date

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
