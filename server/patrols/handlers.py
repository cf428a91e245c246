"""Patrol templates and patrols, plugged into the sync engine.

`patrols.save` saves a draft field by field (the same merge as an upsert); `patrols.submit`
sends it for review and raises a finding for every failed checklist item (the finding's id is
derived from the patrol and the item, so submitting again after a rejection raises none twice).
Status, author and review fields are the server's. An approved patrol is locked.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from datetime import timedelta
from typing import Any

from server.syncing.handler_kit import (
    MAX_TEXT,
    Services,
    SiteHandler,
    iso_datetime,
    live,
    photo_set,
    positive_id,
    record_ref,
    server_time,
    text,
    unknown_fields,
)
from server.syncing.handler_kit import (
    SHA256 as PHOTO_HASH,
)
from sync import MutationContext, Refusal, StoredRecord, Write

RESULTS = frozenset({"pass", "fail", "na"})
PATROL_ROLES = frozenset({"patrol", "supervisor"})
MAX_READING = 10_000_000
FINDING_NAMESPACE = uuid.UUID("6f0d9a51-2f4b-4c1e-9a57-0c3b8f1d7e21")


def finding_id_for(patrol_id: str, item_key: str) -> str:
    return str(uuid.uuid5(FINDING_NAMESPACE, f"{patrol_id}/{item_key}"))


class PatrolTemplatesHandler(SiteHandler):
    """Checklist versions: a new version is a new record; a version never changes, so a
    submitted patrol keeps the checklist it used."""

    collection = "patrol_templates"
    append_only = True

    async def check_upsert(
        self,
        ctx: MutationContext,
        record_id: str,
        args: Mapping[str, Any],
        current: StoredRecord | None,
    ) -> Mapping[str, Any]:
        if "admin" not in ctx.actor.roles:
            raise Refusal("forbidden", "only admins edit checklists")
        unknown_fields(args, frozenset({"site_id", "version", "name", "items"}))
        site_id = positive_id(args.get("site_id"), "site_id")
        if str(site_id) not in ctx.actor.site_ids:
            raise Refusal("forbidden", "you are not a member of this site", "site_id")
        positive_id(args.get("version"), "version")
        text(args, "name", 200, required=True)
        items = args.get("items")
        if not isinstance(items, list) or not 0 < len(items) <= 60:
            raise Refusal("invalid_args", "items must list 1 to 60 checklist items", "items")
        keys = set()
        for i, item in enumerate(items):
            ok = (
                isinstance(item, dict)
                and set(item) == {"key", "zh", "en"}
                and all(isinstance(v, str) and 0 < len(v) <= 200 for v in item.values())
            )
            if not ok or item["key"] in keys:
                raise Refusal(
                    "invalid_args", "each item has a unique key, zh and en", f"items[{i}]"
                )
            keys.add(item["key"])
        return {"created_by": int(ctx.actor.user_id), "created_at": server_time(ctx)}


class PatrolsHandler(SiteHandler):
    collection = "patrols"
    set_fields = frozenset({"photos"})
    server_owned_fields = frozenset(
        {
            "status",
            "author_id",
            "created_at",
            "submitted_at",
            "reviewed_by",
            "reviewed_at",
            "review_comment",
            "finding_ids",
        }
    )
    intents = frozenset({"save", "submit"})
    fields = frozenset(
        {
            "site_id",
            "unit_id",
            "key_id",
            "template_id",
            "items",
            "water_reading",
            "electricity_reading",
            "photos",
            "started_at",
            "ended_at",
            "note",
        }
    )

    def __init__(self, services: Services) -> None:
        self._services = services

    # Item photos live inside `items`; general photos in the `photos` set.
    photo_fields = frozenset({"photos", "item_photos"})

    def is_locked(self, fields: Mapping[str, Any]) -> bool:
        return fields.get("status") == "approved"

    async def check_upsert(
        self,
        ctx: MutationContext,
        record_id: str,
        args: Mapping[str, Any],
        current: StoredRecord | None,
    ) -> Mapping[str, Any]:
        raise Refusal("unknown_mutation", "patrols are saved with patrols.save")

    async def check_delete(self, ctx: MutationContext, current: StoredRecord | None) -> None:
        if current is not None and current.fields.get("status") != "draft":
            raise Refusal("forbidden", "only a draft patrol may be deleted")
        if current is not None and current.fields.get("author_id") != int(ctx.actor.user_id):
            raise Refusal("forbidden", "only the author deletes a draft")

    async def apply(
        self,
        ctx: MutationContext,
        intent: str,
        args: Mapping[str, Any],
        current: StoredRecord | None,
    ) -> Sequence[Write]:
        patrol_id = record_ref(args, "id")
        if current is not None:
            if not ctx.actor.may_see(current.sites):
                raise Refusal("forbidden", "this patrol belongs to another site", "site_id")
            if self.is_locked(current.fields):
                raise Refusal("record_locked", "the patrol was approved and is locked")
            if current.fields.get("author_id") != int(ctx.actor.user_id):
                raise Refusal("forbidden", "only the patrol's author edits it")
        if intent == "save":
            return [await self._save(ctx, patrol_id, args, current)]
        return await self._submit(ctx, patrol_id, current)

    async def _save(
        self,
        ctx: MutationContext,
        patrol_id: str,
        args: Mapping[str, Any],
        current: StoredRecord | None,
    ) -> Write:
        if not ctx.actor.roles & PATROL_ROLES:
            raise Refusal("forbidden", "this role does not patrol")
        values = {k: v for k, v in args.items() if k != "id"}
        for name in values:
            if name in self.server_owned_fields:
                raise Refusal("server_owned_field", f"{name} is set by the server only", name)
        unknown_fields(values, self.fields)
        if current is None:
            for name in ("site_id", "unit_id", "template_id"):
                if name not in values:
                    raise Refusal("invalid_args", f"{name} is required", name)
        elif "site_id" in values and values["site_id"] != current.fields["site_id"]:
            raise Refusal("invalid_args", "a patrol stays at its site", "site_id")
        site_id = positive_id(
            values.get("site_id", current and current.fields["site_id"]), "site_id"
        )
        if str(site_id) not in ctx.actor.site_ids:
            raise Refusal("forbidden", "you are not a member of this site", "site_id")
        if "unit_id" in values:
            positive_id(values["unit_id"], "unit_id")
        if "template_id" in values:
            template = await live(
                ctx, "patrol_templates", record_ref(values, "template_id"), "template_id"
            )
            if template.fields["site_id"] != site_id:
                raise Refusal("invalid_args", "the checklist is another site's", "template_id")
        if "key_id" in values and values["key_id"] is not None:
            record_ref(values, "key_id")
        for name in ("water_reading", "electricity_reading"):
            value = values.get(name)
            if value is not None and (
                isinstance(value, bool)
                or not isinstance(value, int | float)
                or not 0 <= value <= MAX_READING
            ):
                raise Refusal("invalid_args", f"{name} must be a meter reading", name)
        iso_datetime(values, "started_at")
        iso_datetime(values, "ended_at")
        text(values, "note", MAX_TEXT)
        photo_set(values, "photos")
        if "items" in values:
            values["items"] = _checked_items(values["items"])
            values["item_photos"] = sorted(
                {h for item in values["items"].values() for h in item["photos"]}
            )
        if current is None:
            values.update(
                status="draft",
                author_id=int(ctx.actor.user_id),
                created_at=server_time(ctx),
                submitted_at=None,
                reviewed_by=None,
                reviewed_at=None,
                review_comment="",
                finding_ids=[],
            )
        return Write(collection="patrols", id=patrol_id, fields=values)

    async def _submit(
        self, ctx: MutationContext, patrol_id: str, current: StoredRecord | None
    ) -> list[Write]:
        if current is None:
            raise Refusal("not_found", "save the patrol before submitting it", "id")
        fields = current.fields
        if fields.get("status") not in ("draft", "rejected"):
            raise Refusal("already_submitted", "the patrol is already waiting for review")
        items: dict[str, Any] = fields.get("items") or {}
        if not items:
            raise Refusal("invalid_args", "answer the checklist before submitting", "items")
        site = await self._services.site_settings(fields["site_id"])
        # Due so many days after the site's today (a date at the site, not in UTC).
        due = site.clock.today(ctx.now_ms) + timedelta(days=site.finding_due_days)
        assignee = site.default_assignee_id
        finding_ids = list(fields.get("finding_ids") or [])
        writes = []
        for key, item in sorted(items.items()):
            if item["result"] != "fail":
                continue
            finding_id = finding_id_for(patrol_id, key)
            if finding_id in finding_ids:
                continue
            finding_ids.append(finding_id)
            writes.append(
                Write(
                    collection="findings",
                    id=finding_id,
                    fields={
                        "site_id": fields["site_id"],
                        "unit_id": fields["unit_id"],
                        "location": "",
                        "category": "patrol",
                        "description": (item.get("label") or key)
                        + (f"：{item['note']}" if item.get("note") else ""),
                        "photos": list(item.get("photos", [])),
                        "assignee_id": assignee,
                        "due_date": due.isoformat(),
                        "status": "assigned" if assignee else "open",
                        "fix_note": "",
                        "fix_photos": [],
                        "patrol_id": patrol_id,
                        "created_by": int(ctx.actor.user_id),
                        "created_at": server_time(ctx),
                    },
                )
            )
        ctx.emit(
            "review_requested",
            collection="patrols",
            record_id=patrol_id,
            site_id=fields["site_id"],
            author_id=fields.get("author_id"),
        )
        writes.append(
            Write(
                collection="patrols",
                id=patrol_id,
                fields={
                    "status": "submitted",
                    "submitted_at": server_time(ctx),
                    "review_comment": "",
                    "finding_ids": finding_ids,
                },
                decided=True,
            )
        )
        return writes


def _checked_items(value: Any) -> dict[str, Any]:
    """items: {key: {"result": pass|fail|na, "note": str, "photos": [sha256], "label"?: str}}"""
    if not isinstance(value, dict) or len(value) > 60:
        raise Refusal("invalid_args", "items must map checklist keys to answers", "items")
    checked: dict[str, Any] = {}
    for key, item in value.items():
        path = f"items.{key}"
        if not isinstance(item, dict) or item.get("result") not in RESULTS:
            raise Refusal("invalid_args", "each item has a result: pass, fail or na", path)
        unknown_fields(item, frozenset({"result", "note", "photos", "label"}))
        note = item.get("note", "")
        label = item.get("label", "")
        photos = item.get("photos", [])
        if not isinstance(note, str) or len(note) > MAX_TEXT:
            raise Refusal("invalid_args", "an item's note is text", path)
        if not isinstance(label, str) or len(label) > 200:
            raise Refusal("invalid_args", "an item's label is text", path)
        if (
            not isinstance(photos, list)
            or len(photos) > 20
            or not all(isinstance(h, str) and PHOTO_HASH.match(h) for h in photos)
        ):
            raise Refusal("invalid_args", "an item's photos are SHA-256 hashes", path)
        checked[key] = {"result": item["result"], "note": note, "label": label, "photos": photos}
    return checked
