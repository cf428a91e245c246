"""A cashier's shift through the sync engine: open, fees and exemptions, voids, events, the
blind count at close, and every refusal with its stable code."""

from __future__ import annotations

from typing import Any

import pytest

from server.audit.tables import AuditEntry
from tests.conftest import ApiClient
from tests.server.parking.shift_kit import (
    ENTRY,
    FLOAT,
    close_args,
    fee_args,
    open_args,
    parking_site,
    record_of,
    signed_in,
    uid,
)
from tests.server.sync_device import Device


@pytest.fixture
async def park(client: ApiClient) -> dict[str, int]:
    return await parking_site()


@pytest.fixture
async def chen(client: ApiClient, park: dict[str, int]) -> Device:
    return await signed_in(client, "chen", ["cashier"], park["site"])


async def opened(chen: Device, park: dict[str, int]) -> str:
    args = open_args(park)
    assert (await chen.push_one("parking_shifts.open", args))["status"] == "applied"
    return str(args["id"])


def code(result: dict[str, Any]) -> tuple[str, str | None]:
    assert result["status"] == "rejected", result
    return result["error"]["code"], result["error"]["field"]


async def test_open_records_the_float_and_the_shift_is_pulled(
    chen: Device, park: dict[str, int]
) -> None:
    shift_id = await opened(chen, park)
    shift = await record_of(chen, "parking_shifts", shift_id)
    assert shift["status"] == "open"
    assert shift["float_fen"] == 26_000
    assert shift["cashier_id"] == chen.user_id  # type: ignore[attr-defined]
    assert shift["expected_cash_fen"] is None


async def test_the_audit_row_of_an_open_names_the_shift_and_its_site(
    chen: Device, park: dict[str, int]
) -> None:
    """The open writes bookkeeping of no site after the shift: the row still names the shift,
    so the site's manager reads it."""
    shift_id = await opened(chen, park)
    (row,) = await AuditEntry.select().where(AuditEntry.action == "parking_shifts.open")
    assert row["target"] == f"parking_shifts/{shift_id}"
    assert row["sites"] == f",{park['site']},"


async def test_a_second_open_shift_at_the_gate_is_refused(
    chen: Device, park: dict[str, int]
) -> None:
    await opened(chen, park)
    again = await chen.push_one("parking_shifts.open", open_args(park))
    assert code(again) == ("shift_already_open", "gate_id")


async def test_open_refuses_unknown_denominations_and_other_gates(
    chen: Device, park: dict[str, int]
) -> None:
    bad = await chen.push_one("parking_shifts.open", open_args(park, float_counts={"300": 1}))
    assert code(bad) == ("invalid_args", "float_counts")
    bad = await chen.push_one("parking_shifts.open", open_args(park, gate_id=999_999))
    assert code(bad) == ("invalid_args", "gate_id")
    bad = await chen.push_one("parking_shifts.open", open_args(park, cards_received=-1))
    assert code(bad) == ("invalid_args", "cards_received")


async def test_only_cashiers_of_the_site_open_shifts(
    another_client: ApiClient, park: dict[str, int]
) -> None:
    patrol = await signed_in(another_client, "zhang", ["patrol"], park["site"])
    assert code(await patrol.push_one("parking_shifts.open", open_args(park)))[0] == "forbidden"
    other = await parking_site("jinjiang")
    stranger = await signed_in(another_client, "wang", ["cashier"], other["site"])
    assert code(await stranger.push_one("parking_shifts.open", open_args(park)))[0] == "forbidden"


async def test_devices_cannot_upsert_or_delete_shift_records(
    chen: Device, park: dict[str, int]
) -> None:
    shift_id = await opened(chen, park)
    up = await chen.push_one("parking_shifts.upsert", {"id": shift_id, "status": "approved"})
    assert up["status"] == "rejected"
    gone = await chen.push_one("parking_shifts.delete", {"id": shift_id})
    assert gone["status"] == "rejected"
    book = await chen.push_one("parking_books.upsert", {"id": "x", "n": 1})
    assert code(book)[0] == "forbidden"
    assert (await record_of(chen, "parking_shifts", shift_id))["status"] == "open"


async def test_fees_exemptions_and_a_void_make_the_expected_cash(
    chen: Device, park: dict[str, int]
) -> None:
    shift_id = await opened(chen, park)
    cash = fee_args(shift_id, "A07-000001")
    wechat = fee_args(shift_id, "A07-000002", method="wechat")
    short = fee_args(shift_id, "A07-000003", amount_fen=500, variance_reason="车主只有 5 元")
    police = fee_args(
        shift_id,
        "A07-000004",
        kind="exemption",
        amount_fen=0,
        method=None,
        exemption_reason="police",
    )
    void = {
        "id": uid(),
        "shift_id": shift_id,
        "receipt_no": "A07-000005",
        "voids": cash["id"],
        "reason": "重复收费",
    }
    for name, args in (
        ("record", cash),
        ("record", wechat),
        ("record", short),
        ("record", police),
        ("void", void),
    ):
        result = await chen.push_one(f"parking_transactions.{name}", args)
        assert result["status"] == "applied", (name, result)
    voided = await record_of(chen, "parking_transactions", void["id"])
    assert (voided["kind"], voided["voids"], voided["amount_fen"]) == ("void", cash["id"], 700)
    # Float 260 + cash 7 + 5 - voided 7 = 265 yuan; counted 266: one yuan over.
    closed = await chen.push_one("parking_shifts.close", close_args(shift_id, {**FLOAT, "100": 16}))
    assert closed["status"] == "applied", closed
    shift = await record_of(chen, "parking_shifts", shift_id)
    assert shift["status"] == "closed"
    assert (shift["expected_cash_fen"], shift["counted_fen"], shift["variance_fen"]) == (
        26_500,
        26_600,
        100,
    )
    assert shift["slip_no"] == "CUIHU20261206-001"
    assert shift["bag_no"] == "TB-0042"


async def test_refusals_of_the_ledger(chen: Device, park: dict[str, int]) -> None:
    shift_id = await opened(chen, park)
    assert (await chen.push_one("parking_transactions.record", fee_args(shift_id, "A07-000001")))[
        "status"
    ] == "applied"
    cases = [
        (fee_args(shift_id, "A07-000001"), ("receipt_reused", "receipt_no")),
        (fee_args(shift_id, "A07-000002", amount_fen=-100, variance_reason="x"), None),
        (fee_args(shift_id, "A07-000002", amount_fen=12.5, variance_reason="x"), None),
        (fee_args(shift_id, "A07-000002", amount_fen=900_000_000, variance_reason="x"), None),
        (
            fee_args(shift_id, "A07-000002", fee_fen=600, amount_fen=600),
            ("invalid_args", "fee_fen"),
        ),
        (fee_args(shift_id, "A07-000002", amount_fen=600), ("invalid_args", "variance_reason")),
        (fee_args(shift_id, "A07-000002", method=None), ("invalid_args", "method")),
        (fee_args(shift_id, "7"), ("invalid_args", "receipt_no")),
        (
            fee_args(shift_id, "A07-000002", entry_at="2019-12-06T08:00:00+08:00"),
            ("tariff_missing", "entry_at"),
        ),
        (
            fee_args(shift_id, "A07-000002", exit_at="2026-12-06T07:00:00+08:00"),
            ("invalid_args", "exit_at"),
        ),
        (
            fee_args(
                shift_id,
                "A07-000002",
                kind="exemption",
                amount_fen=0,
                method=None,
                exemption_reason="visitor",
            ),
            ("exemption_needs_approver", "approver_id"),
        ),
        (
            fee_args(shift_id, "A07-000002", exit_at="9999-12-31T00:00:00+08:00"),
            ("invalid_args", "exit_at"),
        ),
        (fee_args("no-such-shift", "A07-000002"), ("not_found", "shift_id")),
    ]
    for args, expected in cases:
        result = await chen.push_one("parking_transactions.record", args)
        assert code(result) == (expected or ("amount_invalid", "amount_fen")), args


async def test_a_supervisor_approves_a_visitor_exemption(
    chen: Device, another_client: ApiClient, park: dict[str, int]
) -> None:
    boss = await signed_in(another_client, "boss", ["supervisor"], park["site"])
    shift_id = await opened(chen, park)
    visitor = fee_args(
        shift_id,
        "A07-000001",
        kind="exemption",
        amount_fen=0,
        method=None,
        exemption_reason="visitor",
        approver_id=boss.user_id,  # type: ignore[attr-defined]
    )
    assert (await chen.push_one("parking_transactions.record", visitor))["status"] == "applied"


async def test_after_the_close_nothing_more_is_recorded_or_counted(
    chen: Device, park: dict[str, int]
) -> None:
    shift_id = await opened(chen, park)
    await chen.push_one("parking_shifts.close", close_args(shift_id, FLOAT))
    late = await chen.push_one("parking_transactions.record", fee_args(shift_id, "A07-000009"))
    assert code(late) == ("shift_not_open", "shift_id")
    again = await chen.push_one("parking_shifts.close", close_args(shift_id, FLOAT))
    assert code(again) == ("count_already_submitted", "id")
    event = {"id": uid(), "shift_id": shift_id, "kind": "barrier_fault", "at": ENTRY}
    assert code(await chen.push_one("parking_events.record", event)) == (
        "shift_not_open",
        "shift_id",
    )
    # The gate is free again: a new shift opens.
    assert (await chen.push_one("parking_shifts.open", open_args(park)))["status"] == "applied"


async def test_an_abnormal_event_is_recorded_with_its_photos(
    chen: Device, park: dict[str, int]
) -> None:
    shift_id = await opened(chen, park)
    event = {
        "id": uid(),
        "shift_id": shift_id,
        "kind": "drive_off",
        "at": "2026-12-06T09:12:00+08:00",
        "note": "冲卡，车牌浙A·D12345",
        "photos": ["a" * 64],
    }
    assert (await chen.push_one("parking_events.record", event))["status"] == "applied"
    stored = await record_of(chen, "parking_events", event["id"])
    assert (stored["kind"], stored["photos"]) == ("drive_off", ["a" * 64])
    bad = await chen.push_one("parking_events.record", {**event, "id": uid(), "kind": "fire"})
    assert code(bad) == ("invalid_args", "kind")


async def test_a_whole_day_offline_syncs_in_one_batch_and_a_resend_stores_it_once(
    chen: Device, park: dict[str, int]
) -> None:
    shift = open_args(park)
    fees = [fee_args(shift["id"], f"A07-{n:06d}") for n in range(1, 41)]
    batch = [
        chen.mutation("parking_shifts.open", shift),
        *(chen.mutation("parking_transactions.record", f) for f in fees),
        chen.mutation(
            "parking_shifts.close", close_args(shift["id"], {**FLOAT, "10000": 4, "1000": 13})
        ),
    ]
    r = await chen.push(*batch)
    assert [x["status"] for x in r.json()["results"]] == ["applied"] * len(batch)
    again = await chen.push(*batch)
    assert {x["status"] for x in again.json()["results"]} == {"duplicate"}
    # The same transactions queued again under new mutation ids are stored once too.
    requeued = await chen.push(*(chen.mutation("parking_transactions.record", f) for f in fees))
    assert {x["status"] for x in requeued.json()["results"]} == {"applied"}
    chen.cursor = None
    changes = await chen.pull_all()
    entries = [c for c in changes if c["collection"] == "parking_transactions"]
    assert len(entries) == 40
    closed = await record_of(chen, "parking_shifts", shift["id"])
    # 40 × 7 yuan = 280 yuan on a 260-yuan float: 540 yuan, all counted.
    assert (closed["expected_cash_fen"], closed["variance_fen"]) == (54_000, 0)
