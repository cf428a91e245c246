"""Reminders: monthly permits ending within the site's reminder days are listed for the desk
and pushed once to its specialists and supervisors; a renewed permit leaves the list."""

from __future__ import annotations

import uuid
from datetime import date, timedelta
from typing import Any

from server.permits.notices import expiring_permits
from server.push.overdue import check_overdue
from server.push.queue import now_ms
from server.sites.service import site_settings
from server.sites.tables import Site
from tests.conftest import ApiClient, make_user, site_today
from tests.server.sync_device import Device, make_site

TODAY = site_today()


def monthly(site_id: int, last: date, space: str, plate: str) -> dict[str, Any]:
    return {
        "id": str(uuid.uuid4()),
        "site_id": site_id,
        "valid_from": (last - timedelta(days=29)).isoformat(),
        "valid_to": last.isoformat(),
        "details": {
            "kind": "monthly_parking",
            "plate": plate,
            "space": space,
            "vehicle_class": "small",
            "fee_fen": 30000,
        },
    }


async def test_permits_ending_soon_are_listed_and_pushed_once_until_renewed(
    client: ApiClient,
) -> None:
    site = await make_site("cuihu")
    desk_id = await make_user("desk", ["patrol"], [site])
    boss_id = await make_user("boss", ["supervisor"], [site])
    await make_user("gate", ["cashier"], [site])
    await client.sign_in("desk")
    desk = Device(client)
    soon = monthly(site, TODAY + timedelta(days=3), "B2-046", "浙A·F31688")
    later = monthly(site, TODAY + timedelta(days=20), "B2-017", "浙A·D12345")
    for args in (soon, later):
        assert (await desk.push_one("permits.issue", args))["status"] == "applied"

    listed = await client.get("/api/permits/reminders", params={"site_id": site})
    assert listed.status_code == 200, listed.text
    assert listed.json()["days"] == 7
    assert [p["id"] for p in listed.json()["permits"]] == [soon["id"]]

    (occasion,) = await expiring_permits(site, await site_settings(site), now_ms())
    notices = await occasion.notices()
    assert sorted(n.user_id for n in notices) == sorted([desk_id, boss_id])  # not the cashier
    title, body = notices[0].render("zh-CN")
    assert title == "月租车证即将到期：浙A·F31688"
    last = (TODAY + timedelta(days=3)).isoformat()
    assert body == f"浙A·F31688（车位 B2-046）的月租车证 {last} 到期，请提醒车主办理续租手续。"
    assert notices[0].url == "/permits"
    assert await check_overdue(now_ms()) == 1
    assert await check_overdue(now_ms()) == 0  # told once

    # A site that reminds 30 days ahead lists both.
    await Site.update({Site.permit_reminder_days: 30}).where(Site.id == site)
    both = (await client.get("/api/permits/reminders", params={"site_id": site})).json()
    assert [p["id"] for p in both["permits"]] == [soon["id"], later["id"]]
    await Site.update({Site.permit_reminder_days: 7}).where(Site.id == site)

    # Renewed: it leaves the list, and nothing more is pushed about it.
    renew = {
        "id": str(uuid.uuid4()),
        "permit_id": soon["id"],
        "valid_to": (TODAY + timedelta(days=33)).isoformat(),
    }
    assert (await desk.push_one("permits.renew", renew))["status"] == "applied"
    after = (await client.get("/api/permits/reminders", params={"site_id": site})).json()
    assert after["permits"] == []
    assert await expiring_permits(site, await site_settings(site), now_ms()) == []
