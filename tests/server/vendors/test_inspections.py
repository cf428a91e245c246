"""`inspections.submit` and `.verify` through the sync engine: the server's score, every
refusal, the version kept when the template was edited offline, findings raised for the
vendor, review that locks or returns, and the projected rows."""

from __future__ import annotations

from datetime import UTC, datetime

import msgspec
import pytest

from server.settings import Settings
from server.syncing.records import record_by_id
from server.vendors import service
from server.vendors.handlers import finding_id_for
from server.vendors.schemas import TemplateItemCreate, TemplateVersionCreate
from server.vendors.tables import Inspection, InspectionItem
from tests.conftest import ApiClient
from tests.server.vendors.inspection_kit import AFTER, PHOTO, World, items, world


@pytest.fixture
async def w(client: ApiClient, another_client: ApiClient, settings: Settings) -> World:
    return await world(client, another_client)


async def test_the_server_scores_the_inspection_and_raises_a_finding_per_deduction(
    w: World,
) -> None:
    args = await w.submit(items=[w.deduct("c02", 5, reason="桶满溢", note="3号桶")])
    record = await record_by_id("inspections", args["id"])
    assert record is not None
    assert (record["status"], record["score"], record["critical_failures"]) == ("submitted", 95, 0)
    assert record["zone_name"] == "1栋大堂" and record["vendor_name"] == "杭州卫家保洁"
    finding = await record_by_id("findings", finding_id_for(args["id"], w.item["c02"]))
    assert finding is not None
    assert finding["vendor_id"] == w.vendor and finding["party"] == "杭州卫家保洁"
    assert finding["category"] == "cleaning" and finding["status"] == "open"
    assert "桶满溢" in finding["description"] and finding["location"] == "1栋大堂"
    # The deadline: the item's rectification hours (24 by default) after the inspection.
    assert finding["due_at"] == "2026-10-16T02:00:00+00:00"
    assert finding["due_date"] == "2026-10-16"
    row = await Inspection.select().where(Inspection.id == args["id"]).first()
    assert row is not None and row["score"] == 95 and row["status"] == "submitted"
    assert row["at"] == datetime(2026, 10, 15, 2, tzinfo=UTC)
    (item,) = await InspectionItem.select().where(InspectionItem.inspection_id == args["id"])
    assert (item["points_deducted"], item["reason"], item["due_at"]) == (
        5,
        "桶满溢；3号桶",
        datetime(2026, 10, 16, 2, tzinfo=UTC),
    )


async def test_a_critical_failure_caps_the_total(w: World) -> None:
    args = await w.submit(items=[w.deduct("c01", 1)])
    record = await record_by_id("inspections", args["id"])
    assert record is not None
    assert (record["score"], record["deducted"], record["critical_failures"]) == (60, 1, 1)


async def test_full_mode_scores_every_item_of_the_zone(w: World) -> None:
    missing = w.inspection(mode="full", items=[w.deduct("c02", 0)])
    result = await w.inspector.push_one("inspections.submit", missing)
    assert result["status"] == "rejected"
    assert (result["error"]["code"], result["error"]["field"]) == ("invalid_args", "items")
    full = await w.submit(
        mode="full", items=[w.deduct("c01", 0), w.deduct("c02", 2), w.deduct("c03", 0)]
    )
    record = await record_by_id("inspections", full["id"])
    assert record is not None and record["score"] == 98
    assert len(record["item_record_ids"]) == 3


@pytest.mark.parametrize(
    ("change", "code", "field"),
    [
        ({"items": [{"item_id": 0, "points_deducted": 1}]}, "invalid_args", "items"),
        ({"items": [{"item_id": 1, "points_deducted": 3}]}, "invalid_args", "items"),
        ({"mode": "later"}, "invalid_args", "mode"),
        ({"at": "2026-10-15T10:00:00"}, "invalid_args", "at"),
        ({"site_id": "x"}, "invalid_args", "site_id"),
        ({"vendor_id": 999}, "invalid_args", "vendor_id"),
        ({"zone_id": 999}, "invalid_args", "zone_id"),
        ({"template_version_id": 999}, "invalid_args", "template_version_id"),
    ],
)
async def test_malformed_inspections_are_refused_naming_the_argument(
    w: World, change: dict, code: str, field: str
) -> None:
    result = await w.inspector.push_one("inspections.submit", w.inspection(**change))
    assert result["status"] == "rejected"
    assert (result["error"]["code"], result["error"]["field"]) == (code, field)


async def test_refusals_of_the_items(w: World) -> None:
    async def refused(items: list[dict], **changes: object) -> tuple[str, str]:
        args = w.inspection(items=items, **changes)
        result = await w.inspector.push_one("inspections.submit", args)
        assert result["status"] == "rejected", result
        return result["error"]["code"], result["error"]["field"]

    # c01 has 10 points: minus 5 is fine, but the phone's targets never exceed the item.
    assert await refused([w.deduct("c02", 1), w.deduct("c01", 5, photos=[])]) == (
        "photo_required",
        "items[1]",
    )
    assert await refused([w.deduct("c02", 1), w.deduct("c02", 2)]) == ("invalid_args", "items[1]")
    # An item of the lobby is not scored in the garage.
    assert await refused([w.deduct("c01", 1)], zone_id=w.garage) == ("invalid_args", "items[0]")
    # Another site's inspection, by a member of this one only.
    assert await refused([], site_id=w.other_site) == ("forbidden", "site_id")


async def test_a_deduction_beyond_the_item_maximum_is_out_of_range(w: World) -> None:
    signs = TemplateItemCreate(code="c04", label_zh="标识", label_en="Signs", max_points=2)
    uniform = msgspec.structs.replace(items()[2], max_points=43)
    version = await service.create_template_version(
        TemplateVersionCreate(
            service="cleaning", name="保洁检查表", items=[*items()[:2], uniform, signs]
        ),
        None,
    )
    small = next(i.id for i in version.items if i.code == "c04")
    args = w.inspection(
        template_version_id=version.id, items=[{"item_id": small, "points_deducted": 5}]
    )
    result = await w.inspector.push_one("inspections.submit", args)
    assert result["status"] == "rejected"
    assert (result["error"]["code"], result["error"]["field"]) == ("score_out_of_range", "items[0]")


async def test_an_inspection_made_with_a_version_edited_meanwhile_keeps_it(w: World) -> None:
    """The phone scored with version 1 offline; the template got version 2 before it synced."""
    newer = await service.create_template_version(
        TemplateVersionCreate(service="cleaning", name="保洁检查表（修订）", items=items(48)), None
    )
    assert newer.version == 2
    old = await service.template_version(w.version)
    assert old is not None and old.retired_at is not None
    args = await w.submit(items=[w.deduct("c01", 2)])
    record = await record_by_id("inspections", args["id"])
    assert record is not None
    assert (record["template_version_id"], record["template_version"]) == (w.version, 1)
    # The kept version's rectification hours (24), not the new one's (48).
    finding = await record_by_id("findings", finding_id_for(args["id"], w.item["c01"]))
    assert finding is not None and finding["due_at"] == "2026-10-16T02:00:00+00:00"


async def test_two_inspectors_on_one_vendor_and_zone_make_two_inspections(
    w: World, settings: Settings
) -> None:
    first = await w.submit(items=[w.deduct("c02", 1)])
    # The supervisor inspects the same vendor and zone at the same minute.
    same = w.inspection(items=[w.deduct("c03", 2)])
    assert (await w.supervisor.push_one("inspections.submit", same))["status"] == "applied"
    rows = await Inspection.select(Inspection.id, Inspection.score).order_by(Inspection.score)
    assert [(r["id"], r["score"]) for r in rows] == [(same["id"], 98), (first["id"], 99)]


async def test_approve_locks_and_reject_returns_with_a_comment(w: World) -> None:
    args = await w.submit(items=[w.deduct("c02", 2)])
    returned = await w.review(args["id"], "reject", "请补充照片")
    assert returned["status"] == "applied"
    record = await record_by_id("inspections", args["id"])
    assert record is not None
    assert (record["status"], record["review_comment"]) == ("rejected", "请补充照片")
    # The author resubmits the same inspection; its items are replaced.
    again = {**args, "items": [w.deduct("c03", 1)]}
    assert (await w.inspector.push_one("inspections.submit", again))["status"] == "applied"
    kept = await InspectionItem.select(InspectionItem.code).where(
        InspectionItem.inspection_id == args["id"]
    )
    assert [k["code"] for k in kept] == ["c03"]
    assert (await w.review(args["id"]))["status"] == "applied"
    record = await record_by_id("inspections", args["id"])
    assert record is not None and record["status"] == "approved"
    locked = await w.inspector.push_one("inspections.submit", again)
    assert (locked["status"], locked["error"]["code"]) == ("rejected", "record_locked")
    # Nobody reviews their own inspection; nor may a device write items itself.
    own = w.inspection()
    assert (await w.supervisor.push_one("inspections.submit", own))["status"] == "applied"
    assert (await w.review(own["id"]))["error"]["code"] == "self_review"
    forged = await w.inspector.push_one(
        "inspection_items.upsert", {"id": "x", "inspection_id": own["id"], "site_id": w.site}
    )
    assert forged["error"]["code"] == "unknown_mutation"


async def test_verify_records_the_rectification_with_after_photos(w: World) -> None:
    args = await w.submit(items=[w.deduct("c01", 2)])
    verify = {
        "id": args["id"],
        "item_id": w.item["c01"],
        "at": "2026-10-15T18:00:00+08:00",
        "photos": [AFTER],
        "note": "已清洁",
    }
    early = await w.inspector.push_one("inspections.verify", verify)
    assert (early["status"], early["error"]["code"]) == ("rejected", "inspection_not_approved")
    await w.review(args["id"])
    assert (await w.inspector.push_one("inspections.verify", verify))["status"] == "applied"
    finding = await record_by_id("findings", finding_id_for(args["id"], w.item["c01"]))
    assert finding is not None
    assert finding["status"] == "verified" and finding["fix_photos"] == [AFTER]
    assert finding["photos"] == [PHOTO]  # the before-photo, beside the after-photo
    (item,) = await InspectionItem.select().where(InspectionItem.inspection_id == args["id"])
    assert item["rectified_at"] == datetime(2026, 10, 15, 10, tzinfo=UTC)
    twice = await w.inspector.push_one("inspections.verify", verify)
    assert twice["error"]["code"] == "record_locked"


async def test_other_roles_may_not_inspect(w: World, client: ApiClient) -> None:
    from tests.conftest import make_user
    from tests.server.sync_device import Device

    await make_user("cashier1", ["cashier"], [w.site])
    await client.post("/api/auth/logout")
    await client.sign_in("cashier1")
    result = await Device(client).push_one("inspections.submit", w.inspection())
    assert result["error"]["code"] == "forbidden"


async def test_a_submitted_inspection_asks_the_sites_supervisors_to_review_it(w: World) -> None:
    from server.auth.tables import AppUser
    from server.domains import all_notices
    from server.push.events import notices_for_event

    args = await w.submit(items=[w.deduct("c02", 2)])
    author = await AppUser.select(AppUser.id).where(AppUser.username == "wang").first()
    lin = await AppUser.select(AppUser.id).where(AppUser.username == "lin").first()
    assert author is not None and lin is not None
    payload = {
        "collection": "inspections",
        "record_id": args["id"],
        "site_id": w.site,
        "author_id": author["id"],
    }
    (notice,) = await notices_for_event("review_requested", payload, all_notices())
    assert (notice.user_id, notice.url) == (lin["id"], f"/review/{args['id']}")
    title, body = notice.render("zh-CN")
    assert title == "待审核：外委检查" and "杭州卫家保洁" in body and "98" in body
    assert "vendor inspection" in notice.render("en")[0]
    await w.review(args["id"])
    assert (
        await notices_for_event("review_requested", payload, all_notices()) == []
    )  # reviewed already


async def test_a_rejected_inspection_goes_back_to_its_author_with_the_comment(w: World) -> None:
    from server.auth.tables import AppUser
    from server.domains import all_notices
    from server.push.events import notices_for_event

    args = await w.submit(items=[w.deduct("c02", 2)])
    await w.review(args["id"], "reject", "照片不清楚")
    author = await AppUser.select(AppUser.id).where(AppUser.username == "wang").first()
    lin = await AppUser.select(AppUser.id).where(AppUser.username == "lin").first()
    assert author is not None and lin is not None
    payload = {
        "collection": "inspections",
        "record_id": args["id"],
        "site_id": w.site,
        "author_id": author["id"],
        "reviewer_id": lin["id"],
        "comment": "照片不清楚",
    }
    (notice,) = await notices_for_event("rejected", payload, all_notices())
    assert notice.user_id == author["id"]
    title, body = notice.render("zh-CN")
    assert title == "外委检查被退回" and "照片不清楚" in body and "杭州卫家保洁" in body
