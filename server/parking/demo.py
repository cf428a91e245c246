"""The demo parking: master data (gates, the demo tariffs, exemption reasons, denominations), and
陈静's shifts at 翠湖花园 东门 pushed through the sync engine from her phone: an older shift
approved after review, yesterday's closed with a variance waiting for review, and today's open
with some fees, an exemption, a void and an abnormal event."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import msgspec

from server.auth.service import now
from server.parking.controller import prefix_of
from server.parking.tables import Denomination, ExemptionReason, Gate, ReceiptPrefix, Tariff
from server.parking.tariff import TariffRules, quote
from server.syncing.demo import DEMO_NAMESPACE, DemoDevices, DemoSite, record_id
from server.syncing.tables import SyncRecord

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


# ---- 陈静's shifts ---------------------------------------------------------------------------

CASHIER = "chenjing"
REVIEWER = "lina"
# The float of every demo shift: 2 × 100, 6 × 10, 20 × 1 yuan (notes), 10 × 5 jiao = 285 yuan.
FLOAT = {"10000": 2, "1000": 6, "100": 20, "50": 10}
PLATES = ("浙A·D12345", "浙A·7K2M9", "浙B·52X31", "沪C·Q8866", "浙A·F3317", "苏E·9L205")


class _Till:
    """One shift on the cashier's phone: receipts from the phone's prefix and the cash taken."""

    def __init__(self, devices: DemoDevices, site: DemoSite, gate_id: int, prefix: str) -> None:
        self.devices, self.site, self.gate_id, self.prefix = devices, site, gate_id, prefix
        self.seq = 0
        self.cash = 0
        self.shift_id = ""

    def receipt(self) -> str:
        self.seq += 1
        return f"{self.prefix}-{self.seq:06d}"

    async def open(self, at: datetime) -> None:
        self.shift_id = record_id("parking_shift", self.site.site_id, at.isoformat())
        self.cash = 0
        args = {
            "id": self.shift_id,
            "site_id": self.site.site_id,
            "gate_id": self.gate_id,
            "opened_at": at.isoformat(),
            "float_counts": FLOAT,
            "cards_received": 60,
        }
        await self.devices.push(CASHIER, at, "parking_shifts.open", args)

    async def fee(
        self, exit_at: datetime, minutes: int, plate: str, method: str = "cash", **more: Any
    ) -> str:
        entry_at = exit_at - timedelta(minutes=minutes)
        vehicle_class = more.pop("vehicle_class", "small")
        rules = DEMO_TARIFFS[vehicle_class]
        fee = quote(rules, entry_at, exit_at, zone=self.site.clock.zone).fee_fen
        amount = more.pop("amount_fen", fee)
        entry_id = record_id("parking_entry", self.shift_id, self.seq + 1)
        args = {
            "id": entry_id,
            "shift_id": self.shift_id,
            "receipt_no": self.receipt(),
            "kind": "fee",
            "plate": plate,
            "vehicle_class": vehicle_class,
            "entry_at": entry_at.isoformat(),
            "exit_at": exit_at.isoformat(),
            "fee_fen": fee,
            "amount_fen": amount,
            "method": method,
            **more,
        }
        await self.devices.push(CASHIER, exit_at, "parking_transactions.record", args)
        if method == "cash":
            self.cash += amount
        return entry_id

    async def day(self, start: datetime, count: int) -> None:
        """`count` fees, one every 20 minutes from `start`, mostly cash, some by phone."""
        methods = ("cash", "wechat", "cash", "alipay", "cash", "wechat")
        for n in range(count):
            at = start + timedelta(minutes=20 * n)
            await self.fee(at, 35 + 47 * (n % 5), PLATES[n % len(PLATES)], methods[n % 6])

    async def close(self, at: datetime, over_fen: int, bag_no: str) -> None:
        """Counted: the float and the cash taken, `over_fen` more (negative: short)."""
        counts = _counted(FLOAT, self.cash + over_fen)
        args = {
            "id": self.shift_id,
            "closed_at": at.isoformat(),
            "count_counts": counts,
            "cards_on_hand": 58,
            "bag_no": bag_no,
        }
        await self.devices.push(CASHIER, at, "parking_shifts.close", args)


def _counted(float_counts: dict[str, int], cash_fen: int) -> dict[str, int]:
    """A count of the float plus `cash_fen` in notes of 100, 10 and 1 yuan and 1-jiao coins."""
    total = sum(int(f) * n for f, n in float_counts.items()) + cash_fen
    counts: dict[str, int] = {}
    for fen in (10000, 1000, 100, 10):
        counts[str(fen)], total = divmod(total, fen)
    return counts


async def _revision(shift_id: str) -> int:
    row = (
        await SyncRecord.select(SyncRecord.revision)
        .where(SyncRecord.key == f"parking_shifts/{shift_id}")
        .first()
    )
    return int(row["revision"]) if row else 0


async def _prefix(device_key: str) -> str:
    """The demo phone's receipt prefix, issued as the app's first connection would."""
    device_id = str(uuid.uuid5(DEMO_NAMESPACE, device_key))
    rows = await ReceiptPrefix.insert(
        ReceiptPrefix(device_id=device_id, created_at=now())
    ).returning(ReceiptPrefix.id)
    prefix = prefix_of(int(rows[0]["id"]))
    await ReceiptPrefix.update({ReceiptPrefix.prefix: prefix}).where(
        ReceiptPrefix.id == rows[0]["id"]
    )
    return prefix


async def seed_shifts(devices: DemoDevices, site: DemoSite) -> None:
    """陈静 at 东门: three days ago a shift one yuan short, approved; yesterday one five yuan
    over, waiting for 李娜's review; today a shift open since this morning."""
    gate = (
        await Gate.select(Gate.id)
        .where((Gate.site == site.site_id) & (Gate.code == "east"))
        .first()
    )
    if gate is None:
        return
    prefix = await _prefix(f"device/{CASHIER}/{devices.feature}")
    till = _Till(devices, site, int(gate["id"]), prefix)

    await till.open(site.day(3, 7, 55))
    await till.day(site.day(3, 8, 30), 18)
    await till.close(site.day(3, 16, 5), -100, "TB-2026-0101")
    older = till.shift_id
    await devices.push(
        REVIEWER,
        site.day(3, 17, 20),
        "review.approve",
        {
            "id": record_id("review", older),
            "collection": "parking_shifts",
            "record_id": older,
            "revision": await _revision(older),
            "comment": "短款 1 元，系找零差错，已由收费员补齐。",
        },
    )

    await till.open(site.day(1, 7, 58))
    await till.day(site.day(1, 8, 20), 20)
    await till.fee(
        site.day(1, 15, 10),
        190,
        "浙A·M6021",
        amount_fen=500,
        variance_reason="车主称只停了两小时，经主管同意按 5 元收取",
    )
    police = {
        "id": record_id("parking_entry", till.shift_id, "police"),
        "shift_id": till.shift_id,
        "receipt_no": till.receipt(),
        "kind": "exemption",
        "plate": "浙A·1234警",
        "vehicle_class": "small",
        "entry_at": site.day(1, 14, 0).isoformat(),
        "exit_at": site.day(1, 15, 30).isoformat(),
        "fee_fen": 500,
        "amount_fen": 0,
        "method": None,
        "exemption_reason": "police",
    }
    await devices.push(CASHIER, site.day(1, 15, 30), "parking_transactions.record", police)
    await till.close(site.day(1, 16, 2), 500, "TB-2026-0102")

    # Today: open for three hours now (every step of it lies in the past).
    start = site.hours_ago(3)
    await till.open(start - timedelta(minutes=5))
    first = await till.fee(start + timedelta(minutes=20), 95, "浙A·D12345")
    await till.fee(start + timedelta(minutes=50), 40, "浙B·52X31", "wechat")
    await till.fee(start + timedelta(minutes=80), 300, "浙A·7K2M9", vehicle_class="large")
    void = {
        "id": record_id("parking_entry", till.shift_id, "void"),
        "shift_id": till.shift_id,
        "receipt_no": till.receipt(),
        "voids": first,
        "reason": "重复收费，已退还车主",
    }
    await devices.push(CASHIER, start + timedelta(minutes=85), "parking_transactions.void", void)
    event = {
        "id": record_id("parking_event", till.shift_id, "barrier"),
        "shift_id": till.shift_id,
        "kind": "barrier_fault",
        "at": (start + timedelta(minutes=100)).isoformat(),
        "note": "道闸抬杆后不落，已手动放下并报修",
    }
    await devices.push(CASHIER, start + timedelta(minutes=100), "parking_events.record", event)
