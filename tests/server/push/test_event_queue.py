"""Only the events some domain announces wait for the push sender; the others (a finding's
history) are written already handled, so the sender neither reads nor updates them."""

from __future__ import annotations

import asyncio

from server.push.events import fan_out_events
from server.settings import Settings
from server.syncing.collections import announced_events
from server.syncing.engine import open_store
from server.syncing.tables import SyncEvent
from sync import Event
from tests.conftest import ApiClient, make_user
from tests.server.sync_device import Device, make_site, new_finding


async def waiting() -> dict[str, bool]:
    rows = await SyncEvent.select(SyncEvent.kind, SyncEvent.handled)
    return {str(r["kind"]): not r["handled"] for r in rows}


async def test_history_events_are_stored_handled_and_announced_ones_wait(
    client: ApiClient, settings: Settings
) -> None:
    assert {"review_requested", "rejected", "parking_variance"} <= announced_events()
    assert "finding_changed" not in announced_events()
    site = await make_site("north")
    await make_user("zhang", ["patrol"], [site])
    await client.sign_in("zhang")
    phone, finding = Device(client), new_finding(site)
    assert (await phone.push_one("findings.upsert", finding))["status"] == "applied"
    edit = {"id": finding["id"], "description": "门锁已坏，无法上锁"}
    assert (await phone.push_one("findings.upsert", edit))["status"] == "applied"
    assert await waiting() == {"finding_changed": False}

    # Read back inside the transaction that writes it: the app's own sender runs meanwhile and
    # may claim the event as soon as it is committed.
    async with open_store(settings) as store, store.transaction():
        await store.add_events(
            [
                Event(kind="review_requested", payload={"site_id": site}),
                Event(kind="finding_changed", payload={"finding_id": finding["id"]}),
            ]
        )
        rows = await store.query("SELECT kind, handled FROM sync_event ORDER BY id")
    assert [(str(k), bool(h)) for k, h in rows] == [
        ("finding_changed", True),  # the edit's, pushed above
        ("review_requested", False),
        ("finding_changed", True),
    ]
    for _ in range(50):  # claimed, by this call or by the app's sender
        await fan_out_events()
        if await waiting() == {"finding_changed": False, "review_requested": False}:
            break
        await asyncio.sleep(0.1)
    assert await waiting() == {"finding_changed": False, "review_requested": False}
