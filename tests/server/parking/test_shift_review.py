"""The end of a shift: the hand-over (either device first), a variance sent to the supervisors'
review queue and told to them, approval locking the shift, a return sending it back to count."""

from __future__ import annotations

import uuid
from typing import Any

import pytest

from server.parking.notices import variance
from tests.conftest import ApiClient
from tests.server.parking.shift_kit import (
    FLOAT,
    close_args,
    fee_args,
    open_args,
    parking_site,
    record_of,
    signed_in,
)
from tests.server.sync_device import Device

OVER = {**FLOAT, "100": 11}  # one yuan more than the float


@pytest.fixture
async def world(
    client: ApiClient, another_client: ApiClient, third_client: ApiClient
) -> dict[str, Any]:
    park = await parking_site()
    return {
        **park,
        "chen": await signed_in(client, "chen", ["cashier"], park["site"]),
        "li": await signed_in(another_client, "li", ["cashier"], park["site"]),
        "boss": await signed_in(third_client, "boss", ["supervisor"], park["site"]),
    }


async def open_shift(world: dict[str, Any]) -> str:
    args = open_args(world)
    assert (await world["chen"].push_one("parking_shifts.open", args))["status"] == "applied"
    return str(args["id"])


def handover(shift_id: str) -> dict[str, Any]:
    return {
        "id": shift_id,
        "confirmed_at": "2026-12-06T16:05:00+08:00",
        "float_counts": FLOAT,
        "cards_received": 48,
    }


async def review(world: dict[str, Any], intent: str, shift_id: str, **extra: Any) -> Any:
    boss: Device = world["boss"]
    boss.cursor = None
    changes = await boss.pull_all()
    record = [c for c in changes if c["id"] == shift_id][-1]
    args = {
        "id": str(uuid.uuid4()),
        "collection": "parking_shifts",
        "record_id": shift_id,
        "revision": record["revision"],
        **extra,
    }
    return await boss.push_one(f"review.{intent}", args)


async def test_handover_confirmed_after_the_close_completes_it(world: dict[str, Any]) -> None:
    shift_id = await open_shift(world)
    li_id = world["li"].user_id
    close = close_args(shift_id, FLOAT, next_cashier_id=li_id)
    assert (await world["chen"].push_one("parking_shifts.close", close))["status"] == "applied"
    assert (await record_of(world["chen"], "parking_shifts", shift_id))["status"] == "closed"
    confirmed = await world["li"].push_one("parking_shifts.confirm_handover", handover(shift_id))
    assert confirmed["status"] == "applied", confirmed
    shift = await record_of(world["li"], "parking_shifts", shift_id)
    assert (shift["status"], shift["handover_by"]) == ("handed_over", li_id)


async def test_handover_confirmed_before_the_close_waits_for_it(world: dict[str, Any]) -> None:
    shift_id = await open_shift(world)
    li_id = world["li"].user_id
    confirmed = await world["li"].push_one("parking_shifts.confirm_handover", handover(shift_id))
    assert confirmed["status"] == "applied", confirmed
    waiting = await record_of(world["li"], "parking_shifts", shift_id)
    assert (waiting["status"], waiting["handover_by"]) == ("open", li_id)
    close = close_args(shift_id, FLOAT, next_cashier_id=li_id)
    assert (await world["chen"].push_one("parking_shifts.close", close))["status"] == "applied"
    assert (await record_of(world["chen"], "parking_shifts", shift_id))["status"] == "handed_over"


async def test_an_early_confirmation_by_the_wrong_cashier_gives_way_to_the_named_one(
    world: dict[str, Any], third_client: ApiClient
) -> None:
    shift_id = await open_shift(world)
    wang = await signed_in(third_client, "wang", ["cashier"], world["site"])
    early = await wang.push_one("parking_shifts.confirm_handover", handover(shift_id))
    assert early["status"] == "applied"
    second = await world["li"].push_one("parking_shifts.confirm_handover", handover(shift_id))
    assert second["error"]["code"] == "shift_not_handed_to_you"
    close = close_args(shift_id, FLOAT, next_cashier_id=world["li"].user_id)
    await world["chen"].push_one("parking_shifts.close", close)
    assert (await record_of(world["chen"], "parking_shifts", shift_id))["status"] == "closed"
    late = await wang.push_one("parking_shifts.confirm_handover", handover(shift_id))
    assert late["error"]["code"] == "shift_not_handed_to_you"
    named = await world["li"].push_one("parking_shifts.confirm_handover", handover(shift_id))
    assert named["status"] == "applied", named
    shift = await record_of(world["li"], "parking_shifts", shift_id)
    assert (shift["status"], shift["handover_by"]) == ("handed_over", world["li"].user_id)


async def test_a_handover_to_someone_else_is_refused(world: dict[str, Any]) -> None:
    shift_id = await open_shift(world)
    close = close_args(shift_id, FLOAT, next_cashier_id=world["li"].user_id)
    await world["chen"].push_one("parking_shifts.close", close)
    own = await world["chen"].push_one("parking_shifts.confirm_handover", handover(shift_id))
    assert own["error"]["code"] == "shift_not_handed_to_you"
    boss = await world["boss"].push_one("parking_shifts.confirm_handover", handover(shift_id))
    assert boss["error"]["code"] == "forbidden"
    bad = await world["chen"].push_one("parking_shifts.close", close_args(str(uuid.uuid4()), FLOAT))
    assert bad["error"]["code"] == "not_found"


async def test_a_close_without_variance_waits_for_no_review(world: dict[str, Any]) -> None:
    shift_id = await open_shift(world)
    await world["chen"].push_one("parking_shifts.close", close_args(shift_id, FLOAT))
    result = await review(world, "approve", shift_id)
    assert result["error"]["code"] == "not_submitted"
    assert await variance({"shift_id": shift_id, "site_id": world["site"]}) == []


async def test_a_variance_is_told_to_supervisors_and_approval_locks_the_shift(
    world: dict[str, Any],
) -> None:
    shift_id = await open_shift(world)
    fee = fee_args(shift_id, "A07-000001")
    await world["chen"].push_one("parking_transactions.record", fee)
    # Float 260 + 7 yuan expected; counted 261: six yuan short.
    await world["chen"].push_one("parking_shifts.close", close_args(shift_id, OVER))
    shift = await record_of(world["chen"], "parking_shifts", shift_id)
    assert (shift["status"], shift["variance_fen"]) == ("closed", -600)

    notices = await variance(
        {"shift_id": shift_id, "site_id": world["site"], "cashier_id": world["chen"].user_id}
    )
    assert [n.user_id for n in notices] == [world["boss"].user_id]
    title, body = notices[0].render("zh-CN")
    assert "东门" in title
    assert "短款 6.00 元" in body and shift["slip_no"] in body
    assert "6.00 yuan short" in notices[0].render("en")[1]

    self_review = await world["chen"].push_one(
        "review.approve",
        {
            "id": str(uuid.uuid4()),
            "collection": "parking_shifts",
            "record_id": shift_id,
            "revision": 1,
        },
    )
    assert self_review["error"]["code"] == "forbidden"  # cashiers do not review
    approved = await review(world, "approve", shift_id, comment="已核实：找零错误")
    assert approved["status"] == "applied", approved
    shift = await record_of(world["chen"], "parking_shifts", shift_id)
    assert (shift["status"], shift["review_comment"]) == ("approved", "已核实：找零错误")
    # Locked: nothing more is counted, recorded, or edited.
    again = await world["chen"].push_one("parking_shifts.close", close_args(shift_id, FLOAT))
    assert again["error"]["code"] == "count_already_submitted"
    late = await world["chen"].push_one(
        "parking_transactions.record", fee_args(shift_id, "A07-000002")
    )
    assert late["error"]["code"] == "shift_not_open"
    edit = await world["chen"].push_one("parking_shifts.upsert", {"id": shift_id, "status": "open"})
    assert edit["status"] == "rejected"
    assert await variance({"shift_id": shift_id, "site_id": world["site"]}) == []


async def test_a_returned_shift_is_counted_again(world: dict[str, Any]) -> None:
    shift_id = await open_shift(world)
    await world["chen"].push_one("parking_shifts.close", close_args(shift_id, OVER))
    first = await record_of(world["chen"], "parking_shifts", shift_id)
    assert first["variance_fen"] == 100
    returned = await review(world, "reject", shift_id, comment="请重新清点")
    assert returned["status"] == "applied", returned
    shift = await record_of(world["chen"], "parking_shifts", shift_id)
    assert (shift["status"], shift["review_comment"]) == ("returned", "请重新清点")
    recount = await world["chen"].push_one("parking_shifts.close", close_args(shift_id, FLOAT))
    assert recount["status"] == "applied", recount
    shift = await record_of(world["chen"], "parking_shifts", shift_id)
    assert (shift["status"], shift["variance_fen"]) == ("closed", 0)
    assert shift["slip_no"] == first["slip_no"]
