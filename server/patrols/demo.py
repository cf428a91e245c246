"""The demo's patrols: one approved, one returned with the supervisor's comment, and one waiting
for 李娜's review whose failed item raised a finding, each saved and submitted by patrol staff's
phones and reviewed on the supervisor's."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from server.patrols.checklist import DEFAULT_ITEMS, default_template_id
from server.syncing.demo import DemoDevices, DemoSite, record_id

REVIEWER = "lina"


async def seed_patrols(devices: DemoDevices, site: DemoSite) -> None:
    """Three patrols of the site's vacant units."""
    units = site.vacant_units
    approved = await _patrol(
        devices, site, "zhangwei", units[3], site.day(4, 9, 10),
        water=12.6, electricity=356.2, note="室内整洁，门窗完好。",
    )  # fmt: skip
    await _review(
        devices, "review.approve", approved, site.day(4, 16, 30), "记录完整，照片清晰，通过。"
    )
    returned = await _patrol(
        devices, site, "liuyang", units[4], site.day(2, 14, 0),
        water=8.1, electricity=1.0, note="",
    )  # fmt: skip
    await _review(
        devices,
        "review.reject",
        returned,
        site.day(2, 17, 45),
        "电表读数 1.0 与现场不符，请核对后重新提交；卫生间地漏处请补拍一张照片。",
    )
    await _patrol(
        devices, site, "zhangwei", units[5], site.day(1, 15, 20),
        water=21.4, electricity=512.8, note="次卧北墙墙角渗水，已拍照，建议尽快维修。",
        failed={"seepage": "次卧北墙墙角渗水，面积约三十厘米见方，墙纸起泡发霉"},
    )  # fmt: skip


async def _patrol(
    devices: DemoDevices,
    site: DemoSite,
    username: str,
    unit_id: int,
    started: datetime,
    *,
    water: float,
    electricity: float,
    note: str,
    failed: dict[str, str] | None = None,
) -> tuple[str, int]:
    """A patrol saved and submitted by `username`; returns its id and the revision submitted."""
    failed = failed or {}
    patrol_id = record_id("patrol", site.site_id, unit_id, started.isoformat())
    items: dict[str, Any] = {
        key: {"result": "fail", "note": failed[key], "label": zh}
        if key in failed
        else {"result": "pass", "label": zh}
        for key, zh, _, _ in DEFAULT_ITEMS
    }
    ended = started + timedelta(minutes=25)
    await devices.push(
        username,
        started,
        "patrols.save",
        {
            "id": patrol_id,
            "site_id": site.site_id,
            "unit_id": unit_id,
            "template_id": default_template_id(site.site_id),
            "items": items,
            "water_reading": water,
            "electricity_reading": electricity,
            "started_at": started.isoformat(),
            "ended_at": ended.isoformat(),
            "note": note,
        },
    )
    submitted = await devices.push(
        username, ended + timedelta(minutes=1), "patrols.submit", {"id": patrol_id}
    )
    assert submitted.revision is not None  # applied writes always take one
    return patrol_id, submitted.revision


async def _review(
    devices: DemoDevices, intent: str, patrol: tuple[str, int], at: datetime, comment: str
) -> None:
    patrol_id, revision = patrol
    await devices.push(
        REVIEWER,
        at,
        intent,
        {
            "id": record_id("review", patrol_id, intent),
            "collection": "patrols",
            "record_id": patrol_id,
            "revision": revision,
            "comment": comment,
        },
    )
