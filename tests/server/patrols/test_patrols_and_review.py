"""Vacant-unit patrols and their review through the sync engine: drafts, submission raising
findings, approval that locks, rejection that returns, and who may review what."""

from __future__ import annotations

import uuid
from typing import Any

import pytest

from server.app import create_app
from server.patrols.checklist import default_template_id
from server.settings import Settings
from server.sites.service import site_clock
from server.sites.tables import Building, Site, Unit
from tests.conftest import ApiClient, make_user
from tests.server.sync_device import Device, make_site, now_ms

PHOTO = "c" * 64


async def admin_site(client: ApiClient, code: str) -> int:
    """A site made through the API, as an admin does: it gets its default checklist."""
    await make_user(f"admin_{code}", ["admin"])
    await client.sign_in(f"admin_{code}")
    site = await client.post("/api/sites", json={"name": code, "code": code})
    assert site.status_code == 201, site.text
    await client.post("/api/auth/logout")
    return int(site.json()["id"])


async def a_unit(site_id: int) -> int:
    from server.auth.service import now

    b = await Building.insert(Building(site=site_id, name="1栋", created_at=now())).returning(
        Building.id
    )
    u = await Unit.insert(
        Unit(building=b[0]["id"], number="101", vacant=True, created_at=now())
    ).returning(Unit.id)
    return int(u[0]["id"])


def patrol_args(site_id: int, unit_id: int, **fields: Any) -> dict[str, Any]:
    return {
        "id": str(uuid.uuid4()),
        "site_id": site_id,
        "unit_id": unit_id,
        "template_id": default_template_id(site_id),
        "started_at": "2026-11-25T09:00:00+08:00",
        **fields,
    }


ITEMS = {
    "door": {"result": "pass", "note": "", "photos": []},
    "water": {
        "result": "fail",
        "note": "厨房水管滴漏",
        "photos": [PHOTO],
        "label": "水阀已关、无漏水",
    },
    "gas": {"result": "na", "note": "", "photos": []},
}


@pytest.fixture
async def world(client: ApiClient, another_client: ApiClient, settings: Settings) -> dict[str, Any]:
    site = await admin_site(client, "north")
    unit = await a_unit(site)
    boss_id = await make_user("boss", ["supervisor"], [site])
    await Site.update({Site.default_assignee_id: boss_id, Site.finding_due_days: 2}).where(
        Site.id == site
    )
    await make_user("zhang", ["patrol"], [site])
    await client.sign_in("zhang")
    await another_client.sign_in("boss")
    return {
        "site": site,
        "unit": unit,
        "patrol": Device(client),
        "boss": Device(another_client),
        "boss_id": boss_id,
        "settings": settings,
    }


async def current(device: Device, collection: str, record_id: str) -> dict[str, Any]:
    device.cursor = None
    changes = await device.pull_all()
    found = [c for c in changes if (c["collection"], c["id"]) == (collection, record_id)]
    return found[-1]


async def submitted_patrol(world: dict[str, Any]) -> dict[str, Any]:
    patrol: Device = world["patrol"]
    args = patrol_args(
        world["site"], world["unit"], items=ITEMS, water_reading=1234.5, electricity_reading=88.0
    )
    assert (await patrol.push_one("patrols.save", args))["status"] == "applied"
    assert (await patrol.push_one("patrols.submit", {"id": args["id"]}))["status"] == "applied"
    return args


async def test_a_new_site_gets_the_default_checklist(world: dict[str, Any]) -> None:
    template = await current(
        world["patrol"], "patrol_templates", default_template_id(world["site"])
    )
    keys = [item["key"] for item in template["fields"]["items"]]
    assert keys[:3] == ["door", "windows", "water"]
    assert len(keys) == 9


async def test_save_then_submit_raises_a_finding_per_failed_item(world: dict[str, Any]) -> None:
    args = await submitted_patrol(world)
    record = await current(world["patrol"], "patrols", args["id"])
    fields = record["fields"]
    assert fields["status"] == "submitted"
    assert fields["water_reading"] == 1234.5
    (finding_id,) = fields["finding_ids"]
    finding = (await current(world["patrol"], "findings", finding_id))["fields"]
    assert finding["unit_id"] == world["unit"]
    assert finding["category"] == "patrol"
    assert "厨房水管滴漏" in finding["description"]
    assert finding["photos"] == [PHOTO]
    assert finding["assignee_id"] == world["boss_id"]
    assert finding["status"] == "assigned"
    assert finding["due_date"]


async def test_submitting_again_is_refused_and_raises_no_second_finding(
    world: dict[str, Any],
) -> None:
    args = await submitted_patrol(world)
    again = await world["patrol"].push_one("patrols.submit", {"id": args["id"]})
    assert again["error"]["code"] == "already_submitted"


async def test_a_patrol_waiting_for_review_is_not_changed_under_the_reviewer(
    world: dict[str, Any],
) -> None:
    args = await submitted_patrol(world)
    change = {"id": args["id"], "water_reading": 99.0}
    refused = await world["patrol"].push_one("patrols.save", change)
    assert refused["error"]["code"] == "already_submitted"
    record = await current(world["patrol"], "patrols", args["id"])
    assert record["fields"]["water_reading"] == 1234.5
    assert record["fields"]["status"] == "submitted"


async def approve(world: dict[str, Any], patrol_id: str, **extra: Any) -> dict[str, Any]:
    record = await current(world["boss"], "patrols", patrol_id)
    args = {
        "id": str(uuid.uuid4()),
        "collection": "patrols",
        "record_id": patrol_id,
        "revision": record["revision"],
        **extra,
    }
    return await world["boss"].push_one("review.approve", args)


async def test_approval_locks_the_patrol_and_a_late_edit_is_refused(world: dict[str, Any]) -> None:
    args = await submitted_patrol(world)
    assert (await approve(world, args["id"]))["status"] == "applied"
    fields = (await current(world["patrol"], "patrols", args["id"]))["fields"]
    assert (fields["status"], fields["reviewed_by"]) == ("approved", world["boss_id"])
    late = await world["patrol"].push_one("patrols.save", {"id": args["id"], "note": "补充"})
    assert late["error"]["code"] == "record_locked"


async def test_rejection_returns_it_to_the_author_who_edits_and_resubmits(
    world: dict[str, Any],
) -> None:
    args = await submitted_patrol(world)
    record = await current(world["boss"], "patrols", args["id"])
    rejected = await world["boss"].push_one(
        "review.reject",
        {
            "id": str(uuid.uuid4()),
            "collection": "patrols",
            "record_id": args["id"],
            "revision": record["revision"],
            "comment": "请补拍电表照片",
        },
    )
    assert rejected["status"] == "applied"
    fields = (await current(world["patrol"], "patrols", args["id"]))["fields"]
    assert (fields["status"], fields["review_comment"]) == ("rejected", "请补拍电表照片")
    edit = await world["patrol"].push_one("patrols.save", {"id": args["id"], "photos": [PHOTO]})
    assert edit["status"] == "applied"
    resubmit = await world["patrol"].push_one("patrols.submit", {"id": args["id"]})
    assert resubmit["status"] == "applied"
    fields = (await current(world["patrol"], "patrols", args["id"]))["fields"]
    assert fields["status"] == "submitted"
    assert len(fields["finding_ids"]) == 1  # the failed item's finding is not raised twice


async def test_reject_needs_a_comment(world: dict[str, Any]) -> None:
    args = await submitted_patrol(world)
    record = await current(world["boss"], "patrols", args["id"])
    r = await world["boss"].push_one(
        "review.reject",
        {
            "id": str(uuid.uuid4()),
            "collection": "patrols",
            "record_id": args["id"],
            "revision": record["revision"],
        },
    )
    assert r["error"]["code"] == "invalid_args"


async def test_approval_of_a_version_the_author_changed_since_is_stale(
    world: dict[str, Any],
) -> None:
    args = await submitted_patrol(world)
    seen = await current(world["boss"], "patrols", args["id"])
    # Returned (from the supervisor's desk), then changed and submitted again by the author,
    # while the supervisor's phone still holds the first version.
    returned = {
        "id": str(uuid.uuid4()),
        "collection": "patrols",
        "record_id": args["id"],
        "revision": seen["revision"],
        "comment": "请补充",
    }
    assert (await world["boss"].push_one("review.reject", returned))["status"] == "applied"
    await world["patrol"].push_one("patrols.save", {"id": args["id"], "note": "又发现窗户松动"})
    await world["patrol"].push_one("patrols.submit", {"id": args["id"]})
    stale = await world["boss"].push_one(
        "review.approve",
        {
            "id": str(uuid.uuid4()),
            "collection": "patrols",
            "record_id": args["id"],
            "revision": seen["revision"],
        },
    )
    assert stale["error"]["code"] == "stale_review"
    assert (await approve(world, args["id"]))["status"] == "applied"


async def test_nobody_reviews_their_own_patrol(world: dict[str, Any]) -> None:
    boss: Device = world["boss"]
    args = patrol_args(world["site"], world["unit"], items=ITEMS)
    await boss.push_one("patrols.save", args)
    await boss.push_one("patrols.submit", {"id": args["id"]})
    assert (await approve(world, args["id"]))["error"]["code"] == "self_review"


async def test_patrol_role_cannot_approve(world: dict[str, Any]) -> None:
    args = await submitted_patrol(world)
    record = await current(world["patrol"], "patrols", args["id"])
    r = await world["patrol"].push_one(
        "review.approve",
        {
            "id": str(uuid.uuid4()),
            "collection": "patrols",
            "record_id": args["id"],
            "revision": record["revision"],
        },
    )
    assert r["error"]["code"] == "forbidden"


async def test_another_sites_supervisor_cannot_approve(world: dict[str, Any]) -> None:
    args = await submitted_patrol(world)
    record = await current(world["patrol"], "patrols", args["id"])
    south = await make_site("south")
    await make_user("south_boss", ["supervisor"], [south])
    async with ApiClient(app=create_app(world["settings"])) as c:
        await c.sign_in("south_boss")
        r = await Device(c).push_one(
            "review.approve",
            {
                "id": str(uuid.uuid4()),
                "collection": "patrols",
                "record_id": args["id"],
                "revision": record["revision"],
            },
        )
    assert r["error"]["code"] in ("forbidden", "not_found")


async def test_supervisor_approves_offline_and_the_approval_wins_over_a_fast_clock(
    world: dict[str, Any],
) -> None:
    """The supervisor's phone is an hour behind; the approval is still the server's decision."""
    args = await submitted_patrol(world)
    record = await current(world["boss"], "patrols", args["id"])
    r = await world["boss"].push_one(
        "review.approve",
        {
            "id": str(uuid.uuid4()),
            "collection": "patrols",
            "record_id": args["id"],
            "revision": record["revision"],
        },
        now_ms() - 3_600_000,
    )
    assert r["status"] == "applied"
    fields = (await current(world["patrol"], "patrols", args["id"]))["fields"]
    assert fields["status"] == "approved"


async def test_patrol_validation(world: dict[str, Any]) -> None:
    patrol: Device = world["patrol"]
    cases = [
        ({"items": {"door": {"result": "maybe"}}}, "items.door"),
        ({"water_reading": -1}, "water_reading"),
        ({"template_id": "site-999-v1"}, "template_id"),
        ({"status": "approved"}, "status"),
        ({"started_at": "9am"}, "started_at"),
    ]
    for extra, field in cases:
        r = await patrol.push_one(
            "patrols.save", patrol_args(world["site"], world["unit"], **extra)
        )
        assert r["status"] == "rejected", (extra, r)
        assert r["error"]["field"] == field, (extra, r)
    generic = await patrol.push_one("patrols.upsert", patrol_args(world["site"], world["unit"]))
    assert generic["error"]["code"] == "unknown_mutation"


async def test_submission_and_review_leave_events_for_the_notifier(world: dict[str, Any]) -> None:
    import msgspec

    from server.syncing.tables import SyncEvent

    args = await submitted_patrol(world)
    record = await current(world["boss"], "patrols", args["id"])
    await world["boss"].push_one(
        "review.reject",
        {
            "id": str(uuid.uuid4()),
            "collection": "patrols",
            "record_id": args["id"],
            "revision": record["revision"],
            "comment": "重拍",
        },
    )
    rows = await SyncEvent.select().order_by(SyncEvent.id)
    assert [r["kind"] for r in rows] == ["review_requested", "rejected"]
    rejected = msgspec.json.decode(rows[1]["payload"])
    assert (rejected["record_id"], rejected["comment"]) == (args["id"], "重拍")
    assert rejected["author_id"] != world["boss_id"]


async def test_due_list_puts_never_patrolled_first_and_drops_a_freshly_approved_unit(
    world: dict[str, Any], client: ApiClient
) -> None:
    from datetime import timedelta

    site, unit = world["site"], world["unit"]
    today = (await site_clock(site)).today()
    await Unit.update(
        {Unit.vacant_since: today - timedelta(days=40), Unit.patrol_interval_days: 7}
    ).where(Unit.id == unit)
    other = await a_unit(site)
    await Unit.update({Unit.vacant_since: today - timedelta(days=10)}).where(Unit.id == other)
    due = (await client.get(f"/api/sites/{site}/patrols/due")).json()
    assert [d["unit_id"] for d in due] == [unit, other]
    # Due a first visit an interval after the vacancy began: 40 - 7 days ago.
    assert [d["days_overdue"] for d in due] == [33, 3]
    args = await submitted_patrol(world)
    assert (await approve(world, args["id"]))["status"] == "applied"
    due = (await client.get(f"/api/sites/{site}/patrols/due")).json()
    assert [d["unit_id"] for d in due] == [other]


# ---- evidence, readings, overdue, checklist names (issue #14) ------------------------------


async def refused_submit(world: dict[str, Any], **fields: Any) -> dict[str, Any]:
    """Saves a draft with these fields (readings filled unless given) and submits it."""
    patrol: Device = world["patrol"]
    fields = {"water_reading": 10.0, "electricity_reading": 20.0, **fields}
    args = patrol_args(world["site"], world["unit"], **fields)
    assert (await patrol.push_one("patrols.save", args))["status"] == "applied"
    r = await patrol.push_one("patrols.submit", {"id": args["id"]})
    assert r["status"] == "rejected", r
    record = await current(patrol, "patrols", args["id"])
    assert record["fields"]["status"] == "draft"
    return dict(r["error"])


async def test_a_failed_item_without_a_note_is_refused_naming_the_item(
    world: dict[str, Any],
) -> None:
    error = await refused_submit(
        world, items={"windows": {"result": "fail", "note": "  ", "photos": []}}
    )
    assert (error["code"], error["field"]) == ("note_required", "items.windows")
    assert error["args"] == {"item": "门窗已关闭", "item_en": "Windows closed"}


async def test_a_failed_item_whose_checklist_asks_for_a_photo_needs_one(
    world: dict[str, Any],
) -> None:
    error = await refused_submit(
        world, items={"door": {"result": "fail", "note": "门锁损坏", "photos": []}}
    )
    assert (error["code"], error["field"]) == ("photo_required", "items.door")
    # An item that asks for no photo submits with its note alone.
    patrol: Device = world["patrol"]
    args = patrol_args(
        world["site"],
        world["unit"],
        items={"windows": {"result": "fail", "note": "北窗未关", "photos": []}},
        water_reading=1.0,
        electricity_reading=2.0,
    )
    await patrol.push_one("patrols.save", args)
    assert (await patrol.push_one("patrols.submit", {"id": args["id"]}))["status"] == "applied"


async def test_a_reading_the_checklist_requires_must_be_there(world: dict[str, Any]) -> None:
    error = await refused_submit(world, items=ITEMS, electricity_reading=None)
    assert (error["code"], error["field"]) == ("reading_required", "electricity_reading")


async def test_a_reading_that_is_not_a_number_is_refused_not_dropped(
    world: dict[str, Any],
) -> None:
    patrol: Device = world["patrol"]
    for bad in ("abc", "12.5", True, [1]):
        args = patrol_args(world["site"], world["unit"], electricity_reading=bad)
        r = await patrol.push_one("patrols.save", args)
        assert (r["status"], r["error"]["code"], r["error"]["field"]) == (
            "rejected",
            "invalid_args",
            "electricity_reading",
        ), bad


async def test_a_reading_below_the_last_accepted_one_is_kept_and_flagged(
    world: dict[str, Any],
) -> None:
    first = await submitted_patrol(world)  # water 1234.5, electricity 88
    assert (await approve(world, first["id"]))["status"] == "applied"
    patrol: Device = world["patrol"]
    args = patrol_args(
        world["site"], world["unit"], items=ITEMS, water_reading=1000.0, electricity_reading=90.0
    )
    await patrol.push_one("patrols.save", args)
    assert (await patrol.push_one("patrols.submit", {"id": args["id"]}))["status"] == "applied"
    fields = (await current(world["boss"], "patrols", args["id"]))["fields"]
    assert fields["water_reading"] == 1000.0
    assert fields["reading_flags"] == {"water": 1234.5}
    draft = patrol_args(world["site"], world["unit"], items=ITEMS, reading_flags={})
    refused = await patrol.push_one("patrols.save", draft)
    assert refused["error"]["code"] == "server_owned_field"


async def test_overdue_counts_from_when_the_unit_was_due(
    world: dict[str, Any], client: ApiClient
) -> None:
    from datetime import timedelta

    site, unit = world["site"], world["unit"]
    today = (await site_clock(site)).today()
    year_ago = today - timedelta(days=365)
    await Unit.update({Unit.vacant_since: year_ago, Unit.patrol_interval_days: 7}).where(
        Unit.id == unit
    )
    never = await a_unit(site)
    await Unit.update({Unit.vacant_since: year_ago, Unit.patrol_interval_days: 30}).where(
        Unit.id == never
    )
    # Vacant for a year, visited eight days ago (approved): one day overdue, not 365.
    patrol: Device = world["patrol"]
    visit = (today - timedelta(days=8)).isoformat()
    args = patrol_args(
        site,
        unit,
        items=ITEMS,
        water_reading=1.0,
        electricity_reading=2.0,
        started_at=f"{visit}T10:00:00+08:00",
        ended_at=f"{visit}T10:30:00+08:00",
    )
    await patrol.push_one("patrols.save", args)
    await patrol.push_one("patrols.submit", {"id": args["id"]})
    assert (await approve(world, args["id"]))["status"] == "applied"
    due = (await client.get(f"/api/sites/{site}/patrols/due")).json()
    assert [(d["unit_id"], d["days_overdue"], d["due"]) for d in due] == [
        (never, 335, (year_ago + timedelta(days=30)).isoformat()),
        (unit, 1, (today - timedelta(days=1)).isoformat()),
    ]


async def test_the_checklist_name_is_kept_per_language(world: dict[str, Any]) -> None:
    template = await current(
        world["patrol"], "patrol_templates", default_template_id(world["site"])
    )
    fields = template["fields"]
    assert fields["name"] == {"zh-CN": "空置房巡查标准清单", "en": "Vacant-unit checklist"}
    assert all(not any(c.isascii() and c.isalpha() for c in i["zh"]) for i in fields["items"])
    assert [i["key"] for i in fields["items"] if i["photo_required"]] == ["door", "water", "damage"]
    assert fields["readings"] == [
        {"meter": "water", "unit": "m³", "required": True},
        {"meter": "electricity", "unit": "kWh", "required": True},
    ]


async def test_admin_saves_a_checklist_with_both_names_and_a_one_string_name_is_refused(
    world: dict[str, Any], client: ApiClient
) -> None:
    await make_user("desk", ["admin"], [world["site"]])
    await client.post("/api/auth/logout")
    await client.sign_in("desk")
    admin = Device(client)
    base = {
        "site_id": world["site"],
        "version": 2,
        "items": [{"key": "door", "zh": "门", "en": "Door", "photo_required": True}],
        "readings": [{"meter": "water", "unit": "m³", "required": True}],
    }
    r = await admin.push_one(
        "patrol_templates.upsert", {"id": "v2", **base, "name": "清单 / Checklist"}
    )
    assert (r["error"]["code"], r["error"]["field"]) == ("invalid_args", "name")
    r = await admin.push_one(
        "patrol_templates.upsert",
        {"id": "v2", **base, "name": {"zh-CN": "清单", "en": "Checklist"}},
    )
    assert r["status"] == "applied", r["error"]


async def test_migrate_gives_a_one_string_checklist_a_version_named_per_language(
    world: dict[str, Any],
) -> None:
    from server.patrols.checklist import upgrade_checklists
    from server.syncing.engine import open_engine
    from sync import Write

    site = world["site"]
    legacy = {
        "site_id": site,
        "version": 2,
        "name": "旧清单 / Old checklist",
        "items": [{"key": "door", "zh": "门", "en": "Door"}],
        "created_by": None,
        "created_at": None,
    }
    async with open_engine(world["settings"]) as engine:
        await engine.server_write(
            [Write(collection="patrol_templates", id=f"site-{site}-v2", fields=legacy)]
        )
        assert await upgrade_checklists(engine) == 1
        assert await upgrade_checklists(engine) == 0  # once
    fields = (await current(world["patrol"], "patrol_templates", f"site-{site}-v3"))["fields"]
    assert fields["name"] == {"zh-CN": "旧清单", "en": "Old checklist"}
    assert fields["items"] == [{"key": "door", "zh": "门", "en": "Door", "photo_required": False}]
    assert [r["required"] for r in fields["readings"]] == [False, False]


async def test_only_a_patrolling_role_deletes_a_patrol_even_one_never_created(
    world: dict[str, Any],
) -> None:
    """A delete of an unknown id leaves a tombstone that wins over the record's creation, so a
    cashier could kill a patrol before it reached the server (issue 19)."""
    args = patrol_args(world["site"], world["unit"])
    await make_user("cash", ["cashier"], [world["site"]])
    async with ApiClient(app=create_app(world["settings"])) as c:
        await c.sign_in("cash")
        refused = await Device(c).push_one("patrols.delete", {"id": args["id"]})
    assert refused["status"] == "rejected"
    assert refused["error"]["code"] == "forbidden"
    patrol: Device = world["patrol"]
    assert (await patrol.push_one("patrols.save", args))["status"] == "applied"
    # The author still deletes their own draft.
    assert (await patrol.push_one("patrols.delete", {"id": args["id"]}))["status"] == "applied"


async def test_a_patrol_of_another_sites_unit_is_refused(world: dict[str, Any]) -> None:
    south = await make_site("south")
    south_unit = await a_unit(south)
    patrol: Device = world["patrol"]
    r = await patrol.push_one("patrols.save", patrol_args(world["site"], south_unit))
    assert r["status"] == "rejected"
    assert (r["error"]["code"], r["error"]["field"]) == ("invalid_args", "unit_id")
    r = await patrol.push_one("patrols.save", patrol_args(world["site"], world["unit"]))
    assert r["status"] == "applied"
