"""The periodic check for findings past their due date, read from the `finding` projection."""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Any

from server.findings.notices import overdue_findings
from server.settings import Settings
from server.sites.service import site_settings
from server.syncing.engine import open_engine
from sync import Write
from tests.conftest import make_user
from tests.server.sync_device import make_site, now_ms


def finding(site: int, due: str | None, status: str | None) -> Write:
    fields: dict[str, Any] = {"site_id": site, "category": "cleaning", "description": "楼道积水"}
    fields |= {"due_date": due} if due is not None else {}
    fields |= {"status": status} if status is not None else {}
    return Write(collection="findings", id=str(uuid.uuid4()), fields=fields)


async def test_open_findings_due_within_the_last_week_are_announced_and_no_others(
    settings: Settings,
) -> None:
    north, south = await make_site("north"), await make_site("south")
    at = now_ms()
    today = (await site_settings(north)).clock.today(at)

    def day(days_ago: int) -> str:
        return (today - timedelta(days=days_ago)).isoformat()

    due = {
        "yesterday": finding(north, day(1), "open"),
        "a week ago": finding(north, day(7), "assigned"),
        "south": finding(south, day(3), "assigned"),
    }
    not_due = [
        finding(north, day(0), "open"),  # due today: not yet past
        finding(north, day(8), "open"),  # older than the look-back
        finding(north, None, "open"),
        *(finding(north, day(1), status) for status in ("fixed", "verified", "closed")),
    ]
    async with open_engine(settings) as engine:
        await engine.server_write([*due.values(), *not_due])

    found = {
        site: {o.key for o in await overdue_findings(site, await site_settings(site), at)}
        for site in (north, south)
    }
    assert found == {
        north: {
            f"finding_overdue/{w.id}/{w.fields['due_date']}"
            for name, w in due.items()
            if name != "south"
        },
        south: {f"finding_overdue/{due['south'].id}/{day(3)}"},
    }
    # The notice, to the site's environment supervisor, is made from the same row.
    env = await make_user("env", ["environment"], [south])
    (occasion,) = await overdue_findings(south, await site_settings(south), at)
    (notice,) = await occasion.notices()
    assert (notice.user_id, notice.url) == (env, f"/findings/{due['south'].id}")
    assert notice.render("zh-CN")[1] == f"楼道积水（截止 {day(3)}，状态：已指派）"
