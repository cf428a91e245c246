"""Projections through the real app and database: every push keeps the typed tables (finding,
key_event) equal to the records, in the record's own transaction; purging and `reproject` keep
them so. (The simulation in test_simulation.py checks the same after duplicates and conflicts.)"""

from __future__ import annotations

import uuid
from dataclasses import replace
from datetime import UTC, date, datetime
from typing import Any

import pytest

from server.findings.projections import FINDINGS
from server.findings.tables import Finding
from server.keys.projections import KEY_EVENTS
from server.keys.tables import KeyEvent
from server.settings import Settings
from server.syncing.engine import open_store
from server.syncing.store import SqlStore
from sync import StoredRecord
from tests.conftest import ApiClient, make_user
from tests.server.sync_device import Device, new_finding, scan

from .stress_kit import check_projection

PHOTO = "b" * 64


@pytest.fixture
async def boss(another_client: ApiClient, north: int) -> Device:
    await make_user("boss", ["supervisor"], [north])
    await another_client.sign_in("boss")
    return Device(another_client)


async def finding_row(record_id: str) -> dict[str, Any] | None:
    return await Finding.select().where(Finding.id == record_id).first()


async def test_a_pushed_finding_is_projected_with_typed_columns_and_follows_its_edits(
    settings: Settings, patrol: Device, boss: Device, north: int
) -> None:
    finding = new_finding(
        north, category="cleaning", photos=[PHOTO], due_date="2026-12-31", location="3栋"
    )
    created = await patrol.push_one("findings.upsert", finding)
    assert created["status"] == "applied"
    row = await finding_row(finding["id"])
    assert row is not None
    assert row["site_id"] == north
    assert (row["category"], row["status"], row["location"]) == ("cleaning", "open", "3栋")
    assert row["due_date"] == date(2026, 12, 31)
    assert row["photo_count"] == 1
    assert row["revision"] == created["revision"]
    assert isinstance(row["created_at"], datetime)
    assert row["created_at"].utcoffset() is not None
    assert abs((datetime.now(UTC) - row["created_at"]).total_seconds()) < 600

    edited = {"id": finding["id"], "due_date": None, "photos": {"remove": [PHOTO]}}
    assert (await boss.push_one("findings.upsert", edited))["status"] == "applied"
    me = (await patrol.client.get("/api/auth/me")).json()["user"]["id"]
    changed = await boss.push_one("findings.assign", {"id": finding["id"], "assignee_id": me})
    assert changed["status"] == "applied", changed
    row = await finding_row(finding["id"])
    assert row is not None
    assert (row["status"], row["due_date"], row["photo_count"]) == ("assigned", None, 0)
    assert row["revision"] == changed["revision"]
    assert await check_projection(FINDINGS, settings.database.url) == 1

    deleted = await boss.push_one("findings.delete", {"id": finding["id"]})
    assert deleted["status"] == "applied", deleted
    assert await finding_row(finding["id"]) is None
    assert await check_projection(FINDINGS, settings.database.url) == 0


async def test_refused_mutations_leave_the_projection_as_it_was(
    settings: Settings, patrol: Device, north: int
) -> None:
    refused = await patrol.push_one("findings.upsert", new_finding(north, category="bogus"))
    assert refused["error"]["code"] == "invalid_args"
    assert await check_projection(FINDINGS, settings.database.url) == 0

    finding = new_finding(north)
    await patrol.push_one("findings.upsert", finding)
    refused = await patrol.push_one("findings.upsert", {"id": finding["id"], "status": "verified"})
    assert refused["error"]["code"] == "finding_bad_transition"
    row = await finding_row(finding["id"])
    assert row is not None and row["status"] == "open"
    assert await check_projection(FINDINGS, settings.database.url) == 1


async def test_a_mutation_undone_after_writing_takes_its_projected_row_with_it(
    settings: Settings, north: int
) -> None:
    """Within one push each mutation is a savepoint: one that fails after its record (and row)
    was written leaves neither, while the batch's other mutations commit."""

    def record(record_id: str, revision: int) -> StoredRecord:
        fields = {"site_id": north, "category": "other", "status": "open", "description": "x"}
        return StoredRecord(
            collection="findings",
            id=record_id,
            fields=fields,
            sites=frozenset({str(north)}),
            seen_sites=frozenset({str(north)}),
            revision=revision,
        )

    async with open_store(settings) as store, store.batch():
        async with store.transaction():
            await store.put_record(record("kept", await store.next_revision()))
        with pytest.raises(RuntimeError):
            async with store.transaction():
                await store.put_record(record("undone", await store.next_revision()))
                assert await store.get_record("findings", "undone") is not None
                raise RuntimeError("refused after writing")
    assert [r["id"] for r in await Finding.select(Finding.id)] == ["kept"]
    assert await check_projection(FINDINGS, settings.database.url) == 1


async def test_key_custody_events_are_projected_as_typed_ledger_rows(
    settings: Settings, patrol: Device, boss: Device, north: int
) -> None:
    key_id = str(uuid.uuid4())
    key = {"id": key_id, "site_id": north, "code": "K-7", "kind": "vacant"}
    assert (await boss.push_one("keys.upsert", key))["status"] == "applied"
    checkout_id = str(uuid.uuid4())
    out = await patrol.push_one(
        "keys.checkout",
        {
            "id": checkout_id,
            "key_id": key_id,
            "purpose": "repair",
            "tag": scan(settings, key_id),
            "expected_return": "2026-12-07T18:00:00+08:00",
            "note": "换锁",
        },
    )
    assert out["status"] == "applied", out
    back = await boss.push_one("keys.checkin", {"id": str(uuid.uuid4()), "key_id": key_id})
    assert back["status"] == "applied", back

    row = await KeyEvent.select().where(KeyEvent.id == checkout_id).first()
    assert row is not None
    assert (row["site_id"], row["key_id"], row["kind"]) == (north, key_id, "checkout")
    assert (row["purpose"], row["note"]) == ("repair", "换锁")
    assert row["expected_return"] == datetime(2026, 12, 7, 10, 0, tzinfo=UTC)
    assert isinstance(row["by_id"], int)
    kinds = await KeyEvent.select(KeyEvent.kind).order_by(KeyEvent.revision).output(as_list=True)
    assert kinds == ["checkout", "checkin"]
    assert await check_projection(KEY_EVENTS, settings.database.url) == 2
    assert await Finding.count() == 0


async def test_purging_tombstones_keeps_the_projection_equal_to_the_records(
    settings: Settings, patrol: Device, boss: Device, north: int
) -> None:
    kept, gone = new_finding(north), new_finding(north)
    for finding in (kept, gone):
        await patrol.push_one("findings.upsert", finding)
    await boss.push_one("findings.delete", {"id": gone["id"]})
    async with open_store(settings) as store:
        assert await store.purge_tombstones(deleted_before_ms=2**62) == 1
    assert await check_projection(FINDINGS, settings.database.url) == 1
    assert await finding_row(kept["id"]) is not None


async def test_reproject_rebuilds_a_wiped_or_damaged_table_from_the_records(
    settings: Settings, patrol: Device, north: int
) -> None:
    ids = []
    for n in range(3):
        finding = new_finding(north, description=f"第{n}号")
        await patrol.push_one("findings.upsert", finding)
        ids.append(finding["id"])
    before = await Finding.select().order_by(Finding.id)

    await Finding.delete(force=True)
    async with open_store(settings) as store:
        assert await store.reproject("findings") == 3
    assert await Finding.select().order_by(Finding.id) == before

    await Finding.update({Finding.status: "closed"}).where(Finding.id == ids[0])
    await Finding.insert(
        Finding(id="stray", revision=1, site_id=north, category="other", status="open")
    )
    async with open_store(settings) as store:
        assert await store.reproject("findings") == 3
        assert await store.reproject("key_events") == 0
    assert await Finding.select().order_by(Finding.id) == before
    assert await check_projection(FINDINGS, settings.database.url) == 3


async def test_a_projection_is_outdated_until_built_with_its_current_version(
    settings: Settings, patrol: Device, north: int
) -> None:
    await patrol.push_one("findings.upsert", new_finding(north))
    async with open_store(settings) as store:
        others = [
            "inspection_items",
            "inspections",
            "key_events",
            "parking_shifts",
            "parking_transactions",
            "patrols",
            "permits",
        ]
        assert await store.outdated_projections() == ["findings", *others]
        assert await store.reproject("findings") == 1
        assert await store.outdated_projections() == others
        for name in others:
            await store.reproject(name)
        assert await store.outdated_projections() == []
    changed = replace(FINDINGS, version=FINDINGS.version + 1)
    store = await SqlStore.open(settings.database.url, {}, [changed, KEY_EVENTS])
    try:
        assert await store.outdated_projections() == ["findings"]
        assert await store.reproject("findings") == 1
        assert await store.outdated_projections() == []
    finally:
        await store.close()
