"""Patrol templates and patrols, plugged into the sync engine.

`patrols.save` saves a draft field by field (the same merge as an upsert); `patrols.submit`
sends it for review once it carries its evidence (`check_evidence`), marks readings lower than
the unit's last approved ones (`reading_flags`, kept as typed), and raises a finding for every
failed checklist item (the finding's id is derived from the patrol and the item, so submitting
again after a rejection raises none twice).
Status, author and review fields are the server's. An approved patrol is locked.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from datetime import timedelta
from typing import Any

import msgspec
from msgspec import UNSET

from server.patrols.checklist import readings_of
from server.patrols.schemas import ItemAnswer, PatrolRef, PatrolSave, PatrolTemplateUpsert
from server.syncing.handler_kit import (
    Services,
    SiteHandler,
    decode_args,
    live,
    required,
    server_time,
)
from sync import MutationContext, Refusal, StoredRecord, Write

FINDING_NAMESPACE = uuid.UUID("6f0d9a51-2f4b-4c1e-9a57-0c3b8f1d7e21")


def finding_id_for(patrol_id: str, item_key: str) -> str:
    return str(uuid.uuid5(FINDING_NAMESPACE, f"{patrol_id}/{item_key}"))


def check_evidence(template: Mapping[str, Any], patrol: Mapping[str, Any]) -> None:
    """What a submitted patrol must carry (the app checks the same before sending): a note on
    every failed item, a photo on a failed item whose checklist item asks for one, and each
    reading the checklist requires. Refused naming the item or reading."""
    answers: Mapping[str, Any] = patrol.get("items") or {}
    for item in template.get("items") or []:
        answer = answers.get(item["key"])
        if not answer or answer.get("result") != "fail":
            continue
        names: dict[str, str | int] = {"item": item["zh"], "item_en": item["en"]}
        where = f"items.{item['key']}"
        if not str(answer.get("note") or "").strip():
            raise Refusal("note_required", f"failed item {item['key']} needs a note", where, names)
        if item.get("photo_required") and not answer.get("photos"):
            raise Refusal(
                "photo_required", f"failed item {item['key']} needs a photo", where, names
            )
    for reading in readings_of(dict(template)):
        field = f"{reading['meter']}_reading"
        if reading.get("required") and patrol.get(field) is None:
            raise Refusal("reading_required", f"the checklist requires {field}", field)


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
        template = decode_args(args, PatrolTemplateUpsert)
        if str(template.site_id) not in ctx.actor.site_ids:
            raise Refusal("forbidden", "you are not a member of this site", "site_id")
        keys = set()
        for i, item in enumerate(template.items):
            if item.key in keys:
                raise Refusal("invalid_args", "each item has a unique key", f"items[{i}]")
            keys.add(item.key)
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
            "reading_flags",
        }
    )
    intents = frozenset({"save", "submit"})

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
        # Also for an id never seen (its tombstone would win over the patrol's creation): only
        # a patrolling role sends patrols.delete at all (server/access.py).
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
        patrol_id = decode_args(args, PatrolRef).id
        if current is not None:
            if not ctx.actor.may_see(current.sites):
                raise Refusal("forbidden", "this patrol belongs to another site", "site_id")
            if self.is_locked(current.fields):
                raise Refusal("record_locked", "the patrol was approved and is locked")
            if intent == "save" and current.fields.get("status") == "submitted":
                # Waiting for review: what the reviewer reads must not change under them.
                raise Refusal("already_submitted", "the patrol is waiting for review")
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
        values = {k: v for k, v in args.items() if k != "id"}
        for name in values:
            if name in self.server_owned_fields:
                raise Refusal("server_owned_field", f"{name} is set by the server only", name)
        sent = decode_args(values, PatrolSave)
        if current is None:
            site_id = required(sent.site_id, "site_id")
            required(sent.unit_id, "unit_id")
            required(sent.template_id, "template_id")
        else:
            site_id = current.fields["site_id"]
            if sent.site_id is not UNSET and sent.site_id != site_id:
                raise Refusal("invalid_args", "a patrol stays at its site", "site_id")
        if str(site_id) not in ctx.actor.site_ids:
            raise Refusal("forbidden", "you are not a member of this site", "site_id")
        if sent.unit_id is not UNSET:
            await self._services.check_unit(site_id, sent.unit_id)
        if sent.template_id is not UNSET:
            template = await live(ctx, "patrol_templates", sent.template_id, "template_id")
            if template.fields["site_id"] != site_id:
                raise Refusal("invalid_args", "the checklist is another site's", "template_id")
        if sent.items is not UNSET:
            values["items"] = {
                key: msgspec.structs.asdict(decode_args(item, ItemAnswer, f"items.{key}"))
                for key, item in sent.items.items()
            }
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

    async def _reading_flags(self, fields: Mapping[str, Any]) -> dict[str, float]:
        """Readings lower than the unit's last accepted ones (meter → that last reading):
        kept as typed, and marked for the reviewer (a meter does not run backwards)."""
        last = await self._services.last_readings(fields["site_id"], fields["unit_id"])
        flags = {}
        for meter, before in last.items():
            value = fields.get(f"{meter}_reading")
            if isinstance(value, int | float) and value < before:
                flags[meter] = before
        return flags

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
        template = await live(ctx, "patrol_templates", fields["template_id"], "template_id")
        check_evidence(template.fields, fields)
        reading_flags = await self._reading_flags(fields)
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
                    "reading_flags": reading_flags,
                },
                decided=True,
            )
        )
        return writes
