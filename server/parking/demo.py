"""The demo parking master data: gates, the demo tariffs, exemption reasons, denominations."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import msgspec

from server.auth.service import now
from server.parking.tables import Denomination, ExemptionReason, Gate, Tariff
from server.parking.tariff import TariffRules

# The demo tariff of issue 16, small cars: a whole stay of at most 30 min is free; otherwise 24-h
# periods from entry, each at the 20-yuan cap, and a remainder at 5 yuan for its first 2 h and
# 2 yuan per started hour after, at most the cap.
DEMO_SMALL = TariffRules(
    free_minutes=30,
    first_period_minutes=120,
    first_period_fen=500,
    unit_minutes=60,
    unit_fen=200,
    cap_fen=2000,
    cap_per="24h",
    lost_ticket_fen=1000,
)
# Large vehicles: the issue names no free minutes for them, so none (taken literally).
DEMO_LARGE = TariffRules(
    free_minutes=0,
    first_period_minutes=120,
    first_period_fen=1000,
    unit_minutes=60,
    unit_fen=400,
    cap_fen=4000,
    cap_per="24h",
    lost_ticket_fen=1000,
)
DEMO_TARIFFS = {"small": DEMO_SMALL, "large": DEMO_LARGE}

# (site code, name, gate code)
GATES = (("cuihu", "东门", "east"), ("cuihu", "西门", "west"), ("jinjiang", "南门", "south"))
# Tariffs are per site (the master data: "tariffs per site and vehicle class"), so the
# demo tariff of 翠湖花园 is the one its 东门 (and 西门) quote with. 锦江华府 has none yet: its
# quotes answer tariff_missing until an admin sets one.
TARIFF_SITES = ("cuihu",)
TARIFFS_FROM = datetime(2020, 1, 1, tzinfo=ZoneInfo("Asia/Shanghai"))
# (code, zh, en, approver role): emergency vehicles are let through by the cashier on duty.
EXEMPTION_REASONS = (
    ("police", "警车", "Police", "cashier"),
    ("fire", "消防", "Fire engine", "cashier"),
    ("ambulance", "救护", "Ambulance", "cashier"),
    ("official", "公务", "Official business", "manager"),
    ("visitor", "业主访客", "Owner's visitor", "supervisor"),
    ("other", "其他", "Other", "supervisor"),
)
# Notes of 100, 50, 20, 10, 5 and 1 yuan; coins of 1 yuan, 5 jiao and 1 jiao.
DENOMINATIONS = (
    *(("note", fen) for fen in (10000, 5000, 2000, 1000, 500, 100)),
    *(("coin", fen) for fen in (100, 50, 10)),
)


async def seed_parking(site_ids: dict[str, int]) -> None:
    """The demo's parking master data for the demo sites (by code), on a fresh database."""
    at = now()
    await Gate.insert(
        *(
            Gate(site=site_ids[site], name=name, code=code, created_at=at)
            for site, name, code in GATES
        )
    )
    await Tariff.insert(
        *(
            Tariff(
                site=site_ids[site],
                vehicle_class=vehicle_class,
                version=1,
                effective_from=TARIFFS_FROM,
                rules=msgspec.json.encode(rules).decode(),
                created_at=at,
            )
            for site in TARIFF_SITES
            for vehicle_class, rules in DEMO_TARIFFS.items()
        )
    )
    for site_id in site_ids.values():
        await ExemptionReason.insert(
            *(
                ExemptionReason(site=site_id, code=c, name_zh=zh, name_en=en, approver_role=role)
                for c, zh, en, role in EXEMPTION_REASONS
            )
        )
        await Denomination.insert(
            *(Denomination(site=site_id, kind=kind, fen=fen) for kind, fen in DENOMINATIONS)
        )
