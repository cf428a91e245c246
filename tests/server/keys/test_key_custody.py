"""Key custody through the sync engine: one holder at a time, entrusted keys' authorisation,
hand-over confirmed by the receiver, and an append-only ledger."""

from __future__ import annotations

import hashlib
import json
import uuid
from datetime import timedelta
from typing import Any

import pytest

from tests.conftest import ApiClient, make_user, site_today
from tests.server.sync_device import Device, make_site, now_ms, scan


def key_args(site_id: int, **fields: Any) -> dict[str, Any]:
    return {
        "id": str(uuid.uuid4()),
        "site_id": site_id,
        "code": "K-0012",
        "kind": "vacant",
        "label": "3栋2单元1202",
        **fields,
    }


def event(key_id: str, **args: Any) -> dict[str, Any]:
    return {"id": str(uuid.uuid4()), "key_id": key_id, **args}


@pytest.fixture
async def site(client: ApiClient) -> int:
    return await make_site("north")


@pytest.fixture
async def boss(client: ApiClient, site: int) -> Device:
    await make_user("boss", ["supervisor"], [site])
    await client.sign_in("boss")
    return Device(client)


@pytest.fixture
async def patrol(another_client: ApiClient, site: int) -> Device:
    await make_user("zhang", ["patrol"], [site])
    await another_client.sign_in("zhang")
    return Device(another_client)


async def key_state(device: Device, key_id: str) -> dict[str, Any]:
    """The key as a device pulling from scratch sees it now."""
    device.cursor = None
    changes = await device.pull_all()
    return [c for c in changes if c["id"] == key_id][-1]["fields"]


async def test_a_registered_key_carries_the_hash_of_its_tag_never_the_token(
    settings: Any, boss: Device, patrol: Device, site: int
) -> None:
    key = key_args(site)
    assert (await boss.push_one("keys.upsert", key))["status"] == "applied"
    token = scan(settings, key["id"])
    assert len(token) >= 20 and "1202" not in token  # opaque: names no unit
    for device in (boss, patrol):
        fields = await key_state(device, key["id"])
        assert fields["status"] == "in"
        assert fields["tag_hash"] == hashlib.sha256(token.encode()).hexdigest()
        assert "qr_token" not in fields
        assert token not in json.dumps(fields)
    sent = await boss.push_one("keys.upsert", {"id": key["id"], "tag_hash": "0" * 64})
    assert sent["error"]["code"] == "server_owned_field"


@pytest.mark.parametrize("intent", ["checkout", "receive"])
@pytest.mark.parametrize("tag", [None, "", "someone-elses-tag-token", "x" * 201])
async def test_checkout_and_receipt_without_the_keys_own_tag_are_refused(
    settings: Any, boss: Device, patrol: Device, site: int, intent: str, tag: str | None
) -> None:
    key, other = key_args(site), key_args(site, code="K-0013")
    await boss.push_one("keys.upsert", key)
    await boss.push_one("keys.upsert", other)
    if intent == "receive":
        await boss.push_one(
            "keys.checkout", event(key["id"], tag=scan(settings, key["id"]), purpose="patrol")
        )
        zhang = await patrol_id(patrol)
        await boss.push_one("keys.handover", event(key["id"], to_user_id=zhang))
    args = event(key["id"], purpose="patrol")
    if tag is not None:
        # Another key's real tag proves nothing about this one.
        args["tag"] = scan(settings, other["id"]) if tag.startswith("someone") else tag
    refused = await patrol.push_one(f"keys.{intent}", args)
    code = "invalid_args" if len(tag or "") > 200 else "key_tag_mismatch"
    assert (refused["status"], refused["error"]["code"]) == ("rejected", code)
    assert refused["error"]["field"] == "tag"
    before = await key_state(patrol, key["id"])
    args = {**args, "id": str(uuid.uuid4()), "tag": scan(settings, key["id"])}
    assert (await patrol.push_one(f"keys.{intent}", args))["status"] == "applied"
    after = await key_state(patrol, key["id"])
    assert after["holder_id"] != before["holder_id"] and after["status"] == "out"


async def patrol_id(patrol: Device) -> int:
    return int((await patrol.client.get("/api/auth/me")).json()["user"]["id"])


async def test_patrol_may_not_register_keys(patrol: Device, site: int) -> None:
    result = await patrol.push_one("keys.upsert", key_args(site))
    assert result["error"]["code"] == "forbidden"


async def test_checkout_then_checkin_writes_the_ledger(
    settings: Any, boss: Device, patrol: Device, site: int
) -> None:
    key = key_args(site)
    await boss.push_one("keys.upsert", key)
    out = await patrol.push_one(
        "keys.checkout", event(key["id"], tag=scan(settings, key["id"]), purpose="patrol")
    )
    assert out["status"] == "applied", out
    changes = await patrol.pull_all()
    fields = [c for c in changes if c["id"] == key["id"]][-1]["fields"]
    assert (fields["status"], fields["purpose"]) == ("out", "patrol")
    assert fields["holder_id"] is not None
    back = await patrol.push_one("keys.checkin", event(key["id"]))
    assert back["status"] == "applied"
    changes += await patrol.pull_all()
    ledger = [c["fields"]["kind"] for c in changes if c["collection"] == "key_events"]
    assert ledger == ["checkout", "checkin"]
    assert [c for c in changes if c["id"] == key["id"]][-1]["fields"]["status"] == "in"


async def test_two_offline_checkouts_first_to_arrive_wins_and_the_other_names_the_holder(
    settings: Any, boss: Device, patrol: Device, site: int
) -> None:
    key = key_args(site)
    await boss.push_one("keys.upsert", key)
    # Both phones made their checkout offline; the patrol's phone reaches the server first,
    # although the supervisor's was made earlier.
    t = now_ms()
    first = await patrol.push_one(
        "keys.checkout", event(key["id"], tag=scan(settings, key["id"]), purpose="repair"), t - 1000
    )
    second = await boss.push_one(
        "keys.checkout",
        event(key["id"], tag=scan(settings, key["id"]), purpose="viewing"),
        t - 60_000,
    )
    assert first["status"] == "applied"
    assert second["status"] == "rejected"
    assert second["error"]["code"] == "key_already_out"
    assert "Zhang" in second["error"]["message"]
    fields = await key_state(boss, key["id"])
    assert fields["purpose"] == "repair"


async def test_custody_follows_the_server_even_when_a_phone_clock_is_an_hour_behind(
    settings: Any, boss: Device, patrol: Device, site: int
) -> None:
    key = key_args(site)
    await boss.push_one("keys.upsert", key)
    await patrol.push_one(
        "keys.checkout", event(key["id"], tag=scan(settings, key["id"]), purpose="patrol")
    )
    await patrol.push_one("keys.checkin", event(key["id"]))
    late = await boss.push_one(
        "keys.checkout",
        event(key["id"], tag=scan(settings, key["id"]), purpose="viewing"),
        now_ms() - 3_600_000,
    )
    assert late["status"] == "applied"
    fields = await key_state(boss, key["id"])
    assert (fields["status"], fields["purpose"]) == ("out", "viewing")


async def test_entrusted_key_past_its_authorisation_cannot_be_checked_out(
    settings: Any, boss: Device, patrol: Device, site: int
) -> None:
    yesterday = (site_today() - timedelta(days=2)).isoformat()
    key = key_args(site, kind="entrusted", owner_name="业主王先生", authorization_until=yesterday)
    await boss.push_one("keys.upsert", key)
    refused = await patrol.push_one(
        "keys.checkout", event(key["id"], tag=scan(settings, key["id"]), purpose="viewing")
    )
    assert refused["error"]["code"] == "authorization_expired"
    later = (site_today() + timedelta(days=30)).isoformat()
    await boss.push_one("keys.upsert", {"id": key["id"], "authorization_until": later})
    ok = await patrol.push_one(
        "keys.checkout", event(key["id"], tag=scan(settings, key["id"]), purpose="viewing")
    )
    assert ok["status"] == "applied"


async def test_handover_needs_the_receiver_to_confirm(
    boss: Device, patrol: Device, site: int, settings: Any
) -> None:
    from server.app import create_app
    from tests.conftest import ApiClient

    key = key_args(site)
    await boss.push_one("keys.upsert", key)
    li_id = await make_user("li", ["patrol"], [site])
    await make_user("wu", ["patrol"], [site])
    await patrol.push_one(
        "keys.checkout", event(key["id"], tag=scan(settings, key["id"]), purpose="patrol")
    )
    handed = await patrol.push_one("keys.handover", event(key["id"], to_user_id=li_id))
    assert handed["status"] == "applied"
    fields = await key_state(patrol, key["id"])
    assert fields["handover_to"] == li_id
    holder = fields["holder_id"]
    async with ApiClient(app=create_app(settings)) as wu_client:
        await wu_client.sign_in("wu")
        wu = Device(wu_client)
        stolen = await wu.push_one("keys.receive", event(key["id"], tag=scan(settings, key["id"])))
        assert stolen["error"]["code"] == "key_handover_to_other"
    assert (await key_state(patrol, key["id"]))["holder_id"] == holder
    async with ApiClient(app=create_app(settings)) as li_client:
        await li_client.sign_in("li")
        li = Device(li_client)
        received = await li.push_one(
            "keys.receive", event(key["id"], tag=scan(settings, key["id"]))
        )
        assert received["status"] == "applied"
        fields = await key_state(li, key["id"])
    assert (fields["holder_id"], fields["handover_to"]) == (li_id, None)


async def test_only_the_holder_hands_over_and_not_to_an_outsider(
    settings: Any, boss: Device, patrol: Device, site: int
) -> None:
    key = key_args(site)
    await boss.push_one("keys.upsert", key)
    outsider = await make_user("outsider", ["patrol"], [])
    not_out = await patrol.push_one("keys.handover", event(key["id"], to_user_id=outsider))
    assert not_out["error"]["code"] == "not_holder"
    await patrol.push_one(
        "keys.checkout", event(key["id"], tag=scan(settings, key["id"]), purpose="patrol")
    )
    refused = await patrol.push_one("keys.handover", event(key["id"], to_user_id=outsider))
    assert refused["error"]["code"] == "invalid_args"


async def test_checkin_by_someone_else_is_refused_naming_the_holder_but_a_supervisor_may(
    boss: Device, patrol: Device, site: int, settings: Any
) -> None:
    from server.app import create_app
    from tests.conftest import ApiClient

    key = key_args(site)
    await boss.push_one("keys.upsert", key)
    await patrol.push_one(
        "keys.checkout", event(key["id"], tag=scan(settings, key["id"]), purpose="patrol")
    )
    await make_user("li", ["patrol"], [site])
    async with ApiClient(app=create_app(settings)) as c:
        await c.sign_in("li")
        refused = await Device(c).push_one("keys.checkin", event(key["id"]))
    assert refused["error"]["code"] == "key_held_by_other"
    assert refused["error"]["args"] == {"name": "Zhang"}
    assert (await boss.push_one("keys.checkin", event(key["id"])))["status"] == "applied"


async def test_lost_key_cannot_go_out_until_found(
    settings: Any, boss: Device, patrol: Device, site: int
) -> None:
    key = key_args(site)
    await boss.push_one("keys.upsert", key)
    await patrol.push_one(
        "keys.checkout", event(key["id"], tag=scan(settings, key["id"]), purpose="patrol")
    )
    assert (await patrol.push_one("keys.lost", event(key["id"])))["status"] == "applied"
    refused = await boss.push_one(
        "keys.checkout", event(key["id"], tag=scan(settings, key["id"]), purpose="patrol")
    )
    assert refused["error"]["code"] == "key_lost"
    assert (await boss.push_one("keys.checkin", event(key["id"])))["status"] == "applied"


async def test_ledger_entries_are_never_changed_and_custody_fields_never_sent(
    boss: Device, patrol: Device, site: int
) -> None:
    key = key_args(site)
    await boss.push_one("keys.upsert", key)
    ev = event(key["id"], purpose="patrol")
    await patrol.push_one("keys.checkout", ev)
    rewrite = await patrol.push_one("key_events.upsert", {"id": ev["id"], "kind": "checkin"})
    assert rewrite["error"]["code"] in ("unknown_mutation", "append_only")
    forged = await boss.push_one("keys.upsert", {"id": key["id"], "status": "in"})
    assert forged["error"]["code"] == "server_owned_field"


async def test_a_key_of_another_site_is_not_found(
    settings: Any, boss: Device, site: int, another_client: ApiClient
) -> None:
    south = await make_site("south")
    await make_user("southern", ["patrol"], [south])
    await another_client.sign_in("southern")
    key = key_args(site)
    await boss.push_one("keys.upsert", key)
    refused = await Device(another_client).push_one(
        "keys.checkout", event(key["id"], tag=scan(settings, key["id"]), purpose="patrol")
    )
    assert refused["error"]["code"] in ("not_found", "forbidden")


@pytest.mark.parametrize(
    ("args", "field"),
    [
        ({}, "purpose"),
        ({"purpose": "picnic"}, "purpose"),
        ({"purpose": "patrol", "expected_return": "18:00"}, "expected_return"),
        ({"purpose": "patrol", "why": "x"}, "why"),
    ],
)
async def test_checkout_arguments_are_refused_naming_the_field(
    settings: Any, boss: Device, patrol: Device, site: int, args: dict[str, Any], field: str
) -> None:
    key = key_args(site)
    await boss.push_one("keys.upsert", key)
    refused = await patrol.push_one(
        "keys.checkout", event(key["id"], tag=scan(settings, key["id"]), **args)
    )
    assert (refused["error"]["code"], refused["error"]["field"]) == ("invalid_args", field)
    assert field in refused["error"]["message"]


async def test_late_queued_actions_are_refused_with_who_came_first(
    boss: Device, patrol: Device, site: int, settings: Any
) -> None:
    """zhang hands the key to li, who confirms; zhang's queued check-in, hand-over and a second
    receipt by li then say what happened, in both languages, naming the person."""
    from server.app import create_app

    key = key_args(site)
    await boss.push_one("keys.upsert", key)
    li_id = await make_user("li", ["patrol"], [site])
    wu_id = await make_user("wu", ["patrol"], [site])
    await patrol.push_one(
        "keys.checkout", event(key["id"], tag=scan(settings, key["id"]), purpose="patrol")
    )
    await patrol.push_one("keys.handover", event(key["id"], to_user_id=li_id))
    async with ApiClient(app=create_app(settings)) as li_client:
        await li_client.sign_in("li")
        li = Device(li_client)
        async with ApiClient(app=create_app(settings)) as wu_client:
            await wu_client.sign_in("wu")
            wu = Device(wu_client)
            early = await wu.push_one(
                "keys.receive", event(key["id"], tag=scan(settings, key["id"]))
            )
            assert (early["error"]["code"], early["error"]["args"]) == (
                "key_handover_to_other",
                {"name": "Li"},
            )
            assert (
                await li.push_one("keys.receive", event(key["id"], tag=scan(settings, key["id"])))
            )["status"] == "applied"
            late = await patrol.push_one("keys.checkin", event(key["id"]))
            assert late["status"] == "rejected"
            assert late["error"] == {
                "code": "key_handed_over",
                "message": "钥匙已转交给Li。 / The key was handed over to Li.",
                "field": "key_id",
                "args": {"name": "Li"},
            }
            again = await patrol.push_one("keys.handover", event(key["id"], to_user_id=wu_id))
            assert again["error"]["code"] == "key_handed_over"
            stranger = await wu.push_one("keys.checkin", event(key["id"]))
            assert (stranger["error"]["code"], stranger["error"]["args"]) == (
                "key_held_by_other",
                {"name": "Li"},
            )
            assert (await li.push_one("keys.checkin", event(key["id"])))["status"] == "applied"
            twice = await patrol.push_one("keys.checkin", event(key["id"]))
            assert (twice["error"]["code"], twice["error"]["args"]) == (
                "key_checked_in_by_other",
                {"name": "Li"},
            )
            mine = await li.push_one("keys.checkin", event(key["id"]))
            assert (mine["error"]["code"], mine["error"]["args"]) == ("key_not_out", {})


async def test_a_key_of_another_sites_unit_is_refused(boss: Device, site: int) -> None:
    from tests.server.patrols.test_patrols_and_review import a_unit

    south_unit = await a_unit(await make_site("south"))
    north_unit = await a_unit(site)
    result = await boss.push_one("keys.upsert", key_args(site, unit_id=south_unit))
    assert (result["error"]["code"], result["error"]["field"]) == ("invalid_args", "unit_id")
    key = key_args(site, unit_id=north_unit)
    assert (await boss.push_one("keys.upsert", key))["status"] == "applied"
    moved = await boss.push_one("keys.upsert", {"id": key["id"], "unit_id": south_unit})
    assert (moved["error"]["code"], moved["error"]["field"]) == ("invalid_args", "unit_id")
