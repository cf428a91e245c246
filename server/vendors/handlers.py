"""Vendor inspections, plugged into the sync engine.

`inspections.submit` carries an inspection made on the phone (offline) whole: the server scores
it from the template version the phone used (kept even if the template was edited meanwhile),
writes one `inspection_items` record per scored item, raises a finding for every deduction (the
vendor is the party to fix it, due the item's rectification hours after the inspection) and
sends it for review. Sent again after a rejection it replaces the items. `inspections.verify`
records a re-inspection that found a deduction rectified (after-photos beside the before ones).
An approved inspection is locked; so is every inspection of a month a manager signed off.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

import msgspec

from server.sites.service import SiteClock
from server.syncing.handler_kit import (
    Services,
    SiteHandler,
    decode_args,
    live,
    server_time,
)
from server.vendors import service
from server.vendors.schemas import (
    InspectionSubmit,
    InspectionVerify,
    ItemScore,
    TemplateItemRead,
    TemplateVersionRead,
)
from server.vendors.scoring import ItemRule, Scored, score_inspection
from sync import MutationContext, Refusal, StoredRecord, Write

RECORD_NAMESPACE = uuid.UUID("0b6f3e0e-7d1a-4c55-9a3e-2f61c0d4b8a7")


def item_record_id(inspection_id: str, item_id: int) -> str:
    return str(uuid.uuid5(RECORD_NAMESPACE, f"item/{inspection_id}/{item_id}"))


def finding_id_for(inspection_id: str, item_id: int) -> str:
    """The same deduction raises one finding, however often the inspection is resubmitted."""
    return str(uuid.uuid5(RECORD_NAMESPACE, f"finding/{inspection_id}/{item_id}"))


def _iso(at: datetime) -> str:
    return at.astimezone(UTC).isoformat()


class InspectionsHandler(SiteHandler):
    collection = "inspections"
    server_owned_fields = frozenset(
        {
            "status",
            "author_id",
            "created_at",
            "submitted_at",
            "reviewed_by",
            "reviewed_at",
            "review_comment",
            "score",
            "finding_ids",
            "rect_open",
            "rect_on_time",
            "rect_late",
        }
    )
    intents = frozenset({"submit", "verify"})
    photo_fields = frozenset({"item_photos"})

    def __init__(self, services: Services) -> None:
        self._services = services

    def is_locked(self, fields: Mapping[str, Any]) -> bool:
        return fields.get("status") == "approved"

    async def check_upsert(
        self,
        ctx: MutationContext,
        record_id: str,
        args: Mapping[str, Any],
        current: StoredRecord | None,
    ) -> Mapping[str, Any]:
        raise Refusal("unknown_mutation", "inspections are sent with inspections.submit")

    async def check_delete(self, ctx: MutationContext, current: StoredRecord | None) -> None:
        raise Refusal("forbidden", "an inspection is never deleted; a rejected one is resubmitted")

    async def apply(
        self,
        ctx: MutationContext,
        intent: str,
        args: Mapping[str, Any],
        current: StoredRecord | None,
    ) -> Sequence[Write]:
        if intent == "verify":
            return await self._verify(ctx, decode_args(args, InspectionVerify))
        return await self._submit(ctx, decode_args(args, InspectionSubmit), current)

    async def _submit(
        self, ctx: MutationContext, sent: InspectionSubmit, current: StoredRecord | None
    ) -> list[Write]:
        if str(sent.site_id) not in ctx.actor.site_ids:
            raise Refusal("forbidden", "you are not a member of this site", "site_id")
        if current is not None:
            fields = current.fields
            if fields.get("author_id") != int(ctx.actor.user_id):
                raise Refusal("forbidden", "only the inspection's author resubmits it")
            if fields.get("status") == "approved":
                raise Refusal("record_locked", "the inspection was approved and is locked")
            if fields.get("status") == "submitted":
                raise Refusal("already_submitted", "the inspection is waiting for review")
            if fields["site_id"] != sent.site_id or fields["vendor_id"] != sent.vendor_id:
                raise Refusal("invalid_args", "an inspection keeps its site and vendor", "site_id")
        facts = await service.inspection_facts(sent.site_id, sent.vendor_id, sent.zone_id)
        if facts.vendor is None:
            raise Refusal("invalid_args", "no such vendor under contract here", "vendor_id")
        if facts.zone is None:
            raise Refusal("invalid_args", "no such zone at this site", "zone_id")
        version = await service.template_version(sent.template_version_id)
        if version is None or version.service != facts.vendor.service:
            raise Refusal(
                "invalid_args", "no such template version for this vendor", "template_version_id"
            )
        # A retired version is still accepted: the phone may have scored with it offline
        # before the template was edited; the inspection keeps the version it was made with.
        rules = {
            i.id: ItemRule(
                i.max_points, i.critical, i.photo_required, i.zone_kind, i.rectification_hours
            )
            for i in version.items
        }
        scored = score_inspection(
            rules,
            version.critical_cap_score,
            facts.zone.kind,
            sent.mode,
            [(s.item_id, s.points_deducted, bool(s.photos)) for s in sent.items],
        )
        if scored.refusal is not None:
            code, message, index = scored.refusal
            raise Refusal(code, message, "items" if index is None else f"items[{index}]")
        clock = (await self._services.site_settings(sent.site_id)).clock
        month = clock.month(sent.at)
        if await service.month_locked(sent.vendor_id, month):
            raise Refusal(
                "evaluation_locked", f"the vendor's evaluation of {month} is signed off", "at"
            )
        return self._writes(ctx, sent, current, version, facts, scored, clock)

    def _writes(
        self,
        ctx: MutationContext,
        sent: InspectionSubmit,
        current: StoredRecord | None,
        version: TemplateVersionRead,
        facts: service.InspectionFacts,
        scored: Scored,
        clock: SiteClock,
    ) -> list[Write]:
        assert facts.vendor is not None and facts.zone is not None
        labels = {i.id: i for i in version.items}
        old_items = set(current.fields.get("item_record_ids") or []) if current else set()
        finding_ids = list(current.fields.get("finding_ids") or []) if current else []
        writes: list[Write] = []
        item_ids = []
        for s in sent.items:
            item = labels[s.item_id]
            record_id = item_record_id(sent.id, s.item_id)
            item_ids.append(record_id)
            due_at = sent.at + timedelta(hours=item.rectification_hours)
            finding_id = None
            if s.points_deducted:
                finding_id = finding_id_for(sent.id, s.item_id)
                if finding_id not in finding_ids:
                    finding_ids.append(finding_id)
                    writes.append(
                        self._finding(ctx, sent, facts, item, s, finding_id, due_at, clock)
                    )
            writes.append(
                Write(
                    collection="inspection_items",
                    id=record_id,
                    fields={
                        "inspection_id": sent.id,
                        "site_id": sent.site_id,
                        "vendor_id": sent.vendor_id,
                        "item_id": s.item_id,
                        "code": item.code,
                        "label_zh": item.label_zh,
                        "label_en": item.label_en,
                        "max_points": item.max_points,
                        "critical": item.critical,
                        "points_deducted": s.points_deducted,
                        "reason": s.reason,
                        "note": s.note,
                        "photos": list(s.photos),
                        "finding_id": finding_id,
                        "due_at": _iso(due_at) if finding_id else None,
                        "rectified_at": None,
                        "rectified_by": None,
                        "after_photos": [],
                        "after_note": "",
                    },
                    decided=True,
                )
            )
        writes += [
            Write(collection="inspection_items", id=gone, delete=True)
            for gone in sorted(old_items - set(item_ids))
        ]
        author_id = int(ctx.actor.user_id)
        ctx.emit(
            "review_requested",
            collection="inspections",
            record_id=sent.id,
            site_id=sent.site_id,
            author_id=author_id,
        )
        fields: dict[str, Any] = {
            "site_id": sent.site_id,
            "vendor_id": sent.vendor_id,
            "vendor_name": facts.vendor.name,
            "service": facts.vendor.service,
            "zone_id": sent.zone_id,
            "zone_name": facts.zone.name,
            "template_version_id": sent.template_version_id,
            "template_version": version.version,
            "at": _iso(sent.at),
            "mode": sent.mode,
            "place": msgspec.to_builtins(sent.place),
            "score": scored.total,
            "deducted": scored.deducted,
            "critical_failures": scored.critical_failures,
            # One rectification per deduction; verify moves it to on time or late.
            "rect_open": sum(1 for s in sent.items if s.points_deducted),
            "rect_on_time": 0,
            "rect_late": 0,
            "item_record_ids": item_ids,
            "item_photos": sorted({h for s in sent.items for h in s.photos}),
            "finding_ids": finding_ids,
            "status": "submitted",
            "submitted_at": server_time(ctx),
            "review_comment": "",
        }
        if current is None:
            fields |= {
                "author_id": author_id,
                "created_at": server_time(ctx),
                "reviewed_by": None,
                "reviewed_at": None,
            }
        writes.append(Write(collection="inspections", id=sent.id, fields=fields, decided=True))
        return writes

    def _finding(
        self,
        ctx: MutationContext,
        sent: InspectionSubmit,
        facts: service.InspectionFacts,
        item: TemplateItemRead,
        s: ItemScore,
        finding_id: str,
        due_at: datetime,
        clock: SiteClock,
    ) -> Write:
        assert facts.vendor is not None and facts.zone is not None
        said = "；".join(t for t in (s.reason, s.note) if t)
        return Write(
            collection="findings",
            id=finding_id,
            fields={
                "site_id": sent.site_id,
                "unit_id": None,
                "location": facts.zone.name,
                "category": facts.vendor.service,
                "description": f"{item.label_zh}（扣 {s.points_deducted} 分）"
                + (f"：{said}" if said else ""),
                "photos": list(s.photos),
                "assignee_id": None,
                # The vendor fixes it; the deadline is the item's rectification hours.
                "vendor_id": sent.vendor_id,
                "party": facts.vendor.name,
                "due_at": _iso(due_at),
                "due_date": clock.today(due_at).isoformat(),
                "status": "open",
                "fix_note": "",
                "fix_photos": [],
                "inspection_id": sent.id,
                "created_by": int(ctx.actor.user_id),
                "created_at": server_time(ctx),
            },
        )

    async def _verify(self, ctx: MutationContext, sent: InspectionVerify) -> list[Write]:
        inspection = await live(ctx, "inspections", sent.id, "id")
        if inspection.fields.get("status") != "approved":
            raise Refusal(
                "inspection_not_approved", "only an approved inspection's deductions are verified"
            )
        record_id = item_record_id(sent.id, sent.item_id)
        item = await ctx.get("inspection_items", record_id)
        if item is None or item.deleted or not item.fields.get("finding_id"):
            raise Refusal("invalid_args", "this item lost no points in the inspection", "item_id")
        if item.fields.get("rectified_at"):
            raise Refusal("record_locked", "the rectification was verified already", "item_id")
        late = sent.at > datetime.fromisoformat(item.fields["due_at"])
        counts = inspection.fields
        return [
            Write(
                collection="inspections",
                id=sent.id,
                fields={
                    "rect_open": max(int(counts.get("rect_open") or 0) - 1, 0),
                    "rect_late": int(counts.get("rect_late") or 0) + late,
                    "rect_on_time": int(counts.get("rect_on_time") or 0) + (not late),
                },
                decided=True,
            ),
            Write(
                collection="inspection_items",
                id=record_id,
                fields={
                    "rectified_at": _iso(sent.at),
                    "rectified_by": int(ctx.actor.user_id),
                    "after_photos": list(sent.photos),
                    "after_note": sent.note,
                },
                decided=True,
            ),
            Write(
                collection="findings",
                id=item.fields["finding_id"],
                fields={
                    "status": "verified",
                    "fix_note": sent.note,
                    "fix_photos": list(sent.photos),
                },
                decided=True,
            ),
        ]


class InspectionItemsHandler(SiteHandler):
    """An inspection's scored items: written only by `inspections.submit` and `.verify`."""

    collection = "inspection_items"
    photo_fields = frozenset({"photos", "after_photos"})

    async def check_upsert(
        self,
        ctx: MutationContext,
        record_id: str,
        args: Mapping[str, Any],
        current: StoredRecord | None,
    ) -> Mapping[str, Any]:
        raise Refusal("unknown_mutation", "inspection items are made by inspections.submit")

    async def check_delete(self, ctx: MutationContext, current: StoredRecord | None) -> None:
        raise Refusal("unknown_mutation", "inspection items are made by inspections.submit")
