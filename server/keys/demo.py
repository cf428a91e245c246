"""The demo's keys: a supervisor registers the keys of the site's vacant units and one owner's
entrusted key; patrol staff check some out (one long past the site's overdue limit) and bring
some back, so the keys-out report and each key's ledger have something to show."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path

from server.keys.tags import derived_token
from server.syncing.demo import DemoDevices, DemoSite, record_id

VACANT_KEYS = 10
SUPERVISOR = "lina"


async def seed_keys(devices: DemoDevices, site: DemoSite, data_dir: Path) -> list[str]:
    """Registers the keys and moves them; returns the vacant units' key ids, in unit order."""
    registered = site.day(20, 9, 30)
    key_ids = []
    # The last vacant unit keeps no key, for a newcomer to register one and patrol it.
    for n, unit_id in enumerate(site.vacant_units[:-1][:VACANT_KEYS], start=1):
        key_id = record_id("key", site.site_id, unit_id)
        await devices.push(
            SUPERVISOR,
            registered + timedelta(minutes=2 * n),
            "keys.upsert",
            {
                "id": key_id,
                "site_id": site.site_id,
                "unit_id": unit_id,
                "code": f"{n:03d}",
                "kind": "vacant",
                "label": f"{site.unit_label[unit_id]} 入户门",
                "storage_place": f"物业服务中心钥匙柜 第{(n - 1) // 5 + 1}排{(n - 1) % 5 + 1}号",
                "note": "开发商移交，共两把，另一把封存于档案室",
            },
        )
        key_ids.append(key_id)
    entrusted = record_id("key", site.site_id, "entrusted")
    await devices.push(
        SUPERVISOR,
        site.day(12, 15, 10),
        "keys.upsert",
        {
            "id": entrusted,
            "site_id": site.site_id,
            "code": "托-001",
            "kind": "entrusted",
            "label": "业主委托钥匙（出国期间代管）",
            "storage_place": "物业服务中心保险柜",
            "owner_name": "周建国",
            "owner_phone": "13906718842",
            "authorized_people": "周建国（业主）、周晓梅（女儿）",
            "authorization_until": (site.today + timedelta(days=75)).isoformat(),
            "note": "业主出国期间委托代管，每两周开窗通风一次",
        },
    )

    # Earlier custody, now done: the ledger shows a full round trip.
    await _checkout(
        devices, site, data_dir, "liuyang", key_ids[3], site.day(5, 9, 0), "patrol", hours=2
    )
    await _custody(devices, "liuyang", "keys.checkin", key_ids[3], site.day(5, 10, 20))
    await _checkout(
        devices, site, data_dir, "zhangwei", entrusted, site.day(3, 14, 0), "patrol", hours=2
    )
    await _custody(devices, "zhangwei", "keys.checkin", entrusted, site.day(3, 15, 5))
    # Out now: one with 刘洋 since two days ago (past the overdue limit), two out this morning.
    await _checkout(
        devices, site, data_dir, "liuyang", key_ids[2], site.day(2, 10, 0), "repair", hours=6
    )
    await _checkout(
        devices, site, data_dir, "zhangwei", key_ids[0], site.hours_ago(2), "patrol", hours=3
    )
    await _checkout(
        devices, site, data_dir, "liuyang", key_ids[1], site.hours_ago(1), "viewing", hours=2
    )
    return key_ids


async def _checkout(
    devices: DemoDevices,
    site: DemoSite,
    data_dir: Path,
    username: str,
    key_id: str,
    at: datetime,
    purpose: str,
    hours: int,
) -> None:
    await devices.push(
        username,
        at,
        "keys.checkout",
        {
            "id": record_id("key-event", key_id, at.isoformat()),
            "key_id": key_id,
            "purpose": purpose,
            "tag": derived_token(data_dir, key_id),  # scanned from its label
            "expected_return": (at + timedelta(hours=hours)).isoformat(),
        },
    )


async def _custody(
    devices: DemoDevices, username: str, intent: str, key_id: str, at: datetime
) -> None:
    await devices.push(
        username,
        at,
        intent,
        {"id": record_id("key-event", key_id, at.isoformat()), "key_id": key_id},
    )
