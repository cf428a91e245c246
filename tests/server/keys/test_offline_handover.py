"""A hand-over made with both phones offline (issue 15): the receiver's receipt (scanned from the
key's tag) and the giver's hand-over reach the server in either order. A receipt that comes
first waits on the key (applied, not refused, the holder unchanged) and the hand-over completes
the transfer; the ledger keeps both steps with the devices' times."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Any

import pytest

from server.app import create_app
from tests.conftest import ApiClient, make_user
from tests.server.keys.test_key_custody import event, key_args, key_state
from tests.server.sync_device import Device, make_site, now_ms, scan


@pytest.fixture
async def site(client: ApiClient) -> int:
    return await make_site("north")


@pytest.fixture
async def giver(client: ApiClient, site: int) -> Device:
    """Zhang, a patrol worker holding a key of the site."""
    await make_user("zhang", ["patrol"], [site])
    await client.sign_in("zhang")
    return Device(client)


@pytest.fixture
async def key_id(settings: Any, another_client: ApiClient, giver: Device, site: int) -> str:
    await make_user("boss", ["supervisor"], [site])
    await another_client.sign_in("boss")
    key = key_args(site)
    assert (await Device(another_client).push_one("keys.upsert", key))["status"] == "applied"
    out = await giver.push_one(
        "keys.checkout", event(key["id"], tag=scan(settings, key["id"]), purpose="patrol")
    )
    assert out["status"] == "applied", out
    return str(key["id"])


async def phone(settings: Any, username: str) -> AsyncIterator[Device]:
    async with ApiClient(app=create_app(settings)) as c:
        await c.sign_in(username)
        yield Device(c)


@pytest.fixture
async def receiver(settings: Any, site: int) -> AsyncIterator[Device]:
    """Li, a colleague at the site."""
    await make_user("li", ["patrol"], [site])
    async for d in phone(settings, "li"):
        yield d


@pytest.fixture
async def colleague(settings: Any, site: int) -> AsyncIterator[Device]:
    """Wu, another colleague."""
    await make_user("wu", ["patrol"], [site])
    async for d in phone(settings, "wu"):
        yield d


async def user_id(device: Device) -> int:
    r = await device.client.get("/api/auth/me")
    assert r.status_code == 200, r.text
    return int(r.json()["user"]["id"])


def iso(ms: int) -> str:
    return datetime.fromtimestamp(ms / 1000, UTC).isoformat()


async def ledger(device: Device, key_id: str) -> list[dict[str, Any]]:
    device.cursor = None
    changes = await device.pull_all()
    return [
        c["fields"]
        for c in changes
        if c["collection"] == "key_events" and c["fields"]["key_id"] == key_id
    ]


@pytest.mark.parametrize("first", ["receiver", "giver"])
async def test_both_offline_either_order_ends_with_the_receiver_holding_the_key(
    settings: Any, giver: Device, receiver: Device, key_id: str, first: str
) -> None:
    zhang, li = await user_id(giver), await user_id(receiver)
    t = now_ms()
    # Both steps made offline a minute apart, after the checkout: Zhang hands over, Li scans
    # the tag (a phone's stamps never go back behind what it already sent).
    handover = (giver, "keys.handover", event(key_id, to_user_id=li), t + 1_000)
    receipt = (receiver, "keys.receive", event(key_id, tag=scan(settings, key_id)), t + 61_000)
    for device, name, args, ms in (
        (receipt, handover) if first == "receiver" else (handover, receipt)
    ):
        result = await device.push_one(name, args, ms)
        assert result["status"] == "applied", result
        if (device, first) == (receiver, "receiver"):
            # The receipt waits for the hand-over: the phone is told so by the key itself.
            waiting = await key_state(receiver, key_id)
            assert (waiting["holder_id"], waiting["receipt_by"]) == (zhang, li)
            assert waiting["handover_to"] is None
    fields = await key_state(receiver, key_id)
    assert (fields["status"], fields["holder_id"], fields["handed_by"]) == ("out", li, zhang)
    assert (fields["handover_to"], fields["receipt_by"], fields["receipt_event"]) == (
        None,
        None,
        None,
    )
    steps = {e["kind"]: e for e in await ledger(giver, key_id)}
    assert set(steps) == {"checkout", "handover", "receive"}
    assert (steps["handover"]["by_id"], steps["handover"]["to_user_id"]) == (zhang, li)
    assert (steps["receive"]["by_id"], steps["receive"]["from_user_id"]) == (li, zhang)
    assert steps["handover"]["device_at"] == iso(t + 1_000)
    assert steps["receive"]["device_at"] == iso(t + 61_000)
    if first == "receiver":
        assert steps["receive"]["waiting"] is True
        assert steps["handover"]["completes"] == receipt[2]["id"]


async def test_a_waiting_receipt_changes_no_custody_and_blocks_no_holder_step(
    settings: Any, giver: Device, receiver: Device, colleague: Device, key_id: str
) -> None:
    zhang, li = await user_id(giver), await user_id(receiver)
    assert (await receiver.push_one("keys.receive", event(key_id, tag=scan(settings, key_id))))[
        "status"
    ] == "applied"
    # One waiting receipt at a time: a second receiver is told who scanned first.
    other = await colleague.push_one("keys.receive", event(key_id, tag=scan(settings, key_id)))
    assert other["status"] == "rejected"
    assert (other["error"]["code"], other["error"]["args"]) == (
        "key_receipt_by_other",
        {"name": "Li"},
    )
    # The holder is still Zhang: Li may not check it in, Zhang may.
    not_yet = await receiver.push_one("keys.checkin", event(key_id))
    assert (not_yet["error"]["code"], not_yet["error"]["args"]) == (
        "key_held_by_other",
        {"name": "Zhang"},
    )
    assert (await giver.push_one("keys.checkin", event(key_id)))["status"] == "applied"
    fields = await key_state(giver, key_id)
    assert (fields["status"], fields["holder_id"], fields["receipt_by"]) == ("in", None, None)
    # A hand-over that arrives now (queued before the check-in) says who checked it in.
    late = await giver.push_one("keys.handover", event(key_id, to_user_id=li))
    assert late["error"]["code"] == "not_holder"
    assert zhang != li


async def test_a_hand_over_to_someone_else_lets_a_waiting_receipt_lapse(
    settings: Any, giver: Device, receiver: Device, colleague: Device, key_id: str
) -> None:
    zhang, wu = await user_id(giver), await user_id(colleague)
    assert (await receiver.push_one("keys.receive", event(key_id, tag=scan(settings, key_id))))[
        "status"
    ] == "applied"
    handed = await giver.push_one("keys.handover", event(key_id, to_user_id=wu))
    assert handed["status"] == "applied"
    fields = await key_state(giver, key_id)
    assert (fields["holder_id"], fields["handover_to"], fields["receipt_by"]) == (zhang, wu, None)
    again = await receiver.push_one("keys.receive", event(key_id, tag=scan(settings, key_id)))
    assert (again["error"]["code"], again["error"]["args"]) == (
        "key_handover_to_other",
        {"name": "Wu"},
    )
    assert (await colleague.push_one("keys.receive", event(key_id, tag=scan(settings, key_id))))[
        "status"
    ] == "applied"
    assert (await key_state(giver, key_id))["holder_id"] == wu


async def test_the_holder_cannot_receive_his_own_key(
    settings: Any, giver: Device, key_id: str
) -> None:
    mine = await giver.push_one("keys.receive", event(key_id, tag=scan(settings, key_id)))
    assert mine["error"]["code"] == "handover_not_for_you"
