"""The demo's findings: reported from the field, assigned by the supervisor, fixed by the assignee,
verified and closed, so that the list holds one at each step (a failed patrol item adds an open
one of its own), each step its intent (`findings.assign`, `.accept`, `.fix`, `.verify`, `.close`)
from the phone of the person who took it."""

from __future__ import annotations

import hashlib
import io
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from server.findings.schemas import FIX_PHOTO_CATEGORIES
from server.media.service import MediaService, media_storage
from server.settings import Settings
from server.syncing.demo import DemoDevices, DemoSite, record_id

SUPERVISOR = "lina"


@dataclass(frozen=True)
class DemoFinding:
    reporter: str
    days_ago: int  # reported at 09:40 that many days ago
    category: str
    location: str
    description: str
    # How far it got: None (open), then assignee, fixer's note, verifier, closer.
    assignee: str | None = None
    fix_note: str = ""
    verifier: str | None = None
    closed: bool = False
    comment: str = ""
    dispatch_minutes: int = 60  # from the report to the supervisor's assignment (standard: 5)
    accept_minutes: int | None = 2  # from the assignment to the assignee's 接单 (standard: 5)


# Oldest first: each phone's moments go forward (server/syncing/demo.py).
FINDINGS = (
    DemoFinding(
        "liuyang",
        8,
        "cleaning",
        "小区东门垃圾分类亭",
        "东门垃圾桶满溢，周边有异味，影响业主出入",
        assignee="wangfang",
        fix_note="已清运并冲洗垃圾桶，与保洁班组调整为每日两次清运。",
        verifier=SUPERVISOR,
        closed=True,
    ),
    DemoFinding(
        "zhangwei",
        6,
        "greening",
        "1栋西侧绿化带",
        "绿化带内三株红叶石楠枯死，周边杂草较多",
        assignee="wangfang",
        fix_note="已补种红叶石楠三株，清除杂草并浇透水。",
        verifier=SUPERVISOR,
    ),
    DemoFinding(
        "liuyang",
        4,
        "other",
        "3栋2单元五楼楼道",
        "楼道感应灯不亮，夜间照明不足",
        assignee="zhangwei",
        fix_note="已更换感应灯泡并测试，声控灵敏，照明正常。",
        dispatch_minutes=3,
        accept_minutes=25,  # the one accepted late
    ),
    DemoFinding(
        "zhangwei",
        2,
        "parking",
        "地下车库负二层",
        "地下车库负二层三十六号车位上方顶板漏水，地面积水约一平方米",
        assignee="liuyang",
        dispatch_minutes=4,
        accept_minutes=None,  # not yet accepted: liuyang's home screen says so
    ),
    DemoFinding(
        "wangfang",
        1,
        "other",
        "2栋1单元一楼大堂",
        "大堂地砖松动，入口处约三块翘起，老人小孩容易绊倒",
        comment="已在松动处摆放警示牌，等待派单维修。",
    ),
)


async def seed_findings(devices: DemoDevices, site: DemoSite, settings: Settings) -> None:
    media = MediaService(media_storage(settings))
    for n, finding in enumerate(FINDINGS):
        await _seed_one(devices, site, media, finding, record_id("finding", site.site_id, n))


async def _seed_one(
    devices: DemoDevices, site: DemoSite, media: MediaService, finding: DemoFinding, finding_id: str
) -> None:
    reported = site.day(finding.days_ago, 9, 40)
    await devices.push(
        finding.reporter,
        reported,
        "findings.upsert",
        {
            "id": finding_id,
            "site_id": site.site_id,
            "category": finding.category,
            "location": finding.location,
            "description": finding.description,
        },
    )
    if finding.comment:
        await devices.push(
            SUPERVISOR,
            reported + timedelta(minutes=20),
            "findings.comment",
            {
                "id": record_id("comment", finding_id),
                "finding_id": finding_id,
                "body": finding.comment,
            },
        )
    if finding.assignee is None:
        return
    assigned = reported + timedelta(minutes=finding.dispatch_minutes)
    due = site.clock.today(assigned) + timedelta(days=3)
    assignee_id = await devices.user_id(finding.assignee)
    await _step(devices, SUPERVISOR, assigned, "assign", finding_id, assignee_id=assignee_id)
    # The due date is what the finding says, not a state: an ordinary edit.
    await devices.push(
        SUPERVISOR,
        assigned + timedelta(minutes=1),
        "findings.upsert",
        {"id": finding_id, "due_date": due.isoformat()},
    )
    if finding.accept_minutes is not None:
        accepted = assigned + timedelta(minutes=finding.accept_minutes)
        await _step(devices, finding.assignee, accepted, "accept", finding_id)
    if not finding.fix_note:
        return
    fixed = assigned + timedelta(hours=26)
    fix: dict[str, Any] = {"fix_note": finding.fix_note}
    if finding.category in FIX_PHOTO_CATEGORIES:
        uploader = await devices.user_id(finding.assignee)
        fix["fix_photos"] = [await _fix_photo(media, uploader, finding_id)]
    await _step(devices, finding.assignee, fixed, "fix", finding_id, **fix)
    if finding.verifier is None:
        return
    verified = fixed + timedelta(hours=3)
    await _step(devices, finding.verifier, verified, "verify", finding_id)
    if finding.closed:
        await _step(devices, SUPERVISOR, verified + timedelta(minutes=30), "close", finding_id)


async def _step(
    devices: DemoDevices, username: str, at: datetime, intent: str, finding_id: str, **args: Any
) -> None:
    """One step of the finding's state machine, from the phone of who takes it."""
    await devices.push(username, at, f"findings.{intent}", {"id": finding_id, **args})


async def _fix_photo(media: MediaService, uploader_id: int, finding_id: str) -> str:
    """A stand-in fix photo (these categories need one): a plain picture, stored as an upload."""
    from PIL import Image  # only the demo draws pictures

    shade = int(finding_id[:2], 16)
    buffer = io.BytesIO()
    Image.new("RGB", (640, 480), (shade // 2, 120 + shade // 4, 90)).save(buffer, "JPEG")
    data = buffer.getvalue()
    sha256 = hashlib.sha256(data).hexdigest()
    await media.store(sha256, data, uploader_id)
    return sha256
