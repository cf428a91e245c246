"""The findings collection's rules, plugged into the sync engine.

Intents: `findings.upsert` (per-field merge), `findings.comment` (append-only comments, pulled
as the `finding_comments` collection) and `findings.delete` (supervisors only).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from msgspec import UNSET

from server.findings.schemas import FindingCommentArgs, FindingUpsert
from server.syncing.handler_kit import (
    LedgerHandler,
    Services,
    SiteHandler,
    decode_args,
    live,
    required,
    server_time,
)
from sync import MutationContext, Refusal, StoredRecord, Write

REPORTER_ROLES = frozenset({"patrol", "environment", "cashier", "supervisor", "manager", "admin"})
VERIFIER_ROLES = frozenset({"supervisor", "environment"})


class FindingsHandler(SiteHandler):
    collection = "findings"
    set_fields = frozenset({"photos", "fix_photos"})
    photo_fields = set_fields
    server_owned_fields = frozenset({"created_by", "created_at", "patrol_id"})
    intents = frozenset({"comment"})

    def __init__(self, services: Services) -> None:
        self._services = services

    def is_locked(self, fields: Mapping[str, Any]) -> bool:
        return fields.get("status") == "closed"

    async def check_upsert(
        self,
        ctx: MutationContext,
        record_id: str,
        args: Mapping[str, Any],
        current: StoredRecord | None,
    ) -> Mapping[str, Any]:
        actor = ctx.actor
        if not actor.roles & REPORTER_ROLES:
            raise Refusal("forbidden", "this role may not report findings")
        sent = decode_args(args, FindingUpsert)
        if current is None:
            site_id = required(sent.site_id, "site_id")
        else:
            if str(current.fields["site_id"]) not in actor.site_ids:
                raise Refusal("forbidden", "this finding belongs to another site", "site_id")
            site_id = current.fields["site_id"] if sent.site_id is UNSET else sent.site_id
        if str(site_id) not in actor.site_ids:
            raise Refusal("forbidden", "you are not a member of this site", "site_id")
        if current is None:
            required(sent.description, "description")
            required(sent.category, "category")
        assignee = args.get("assignee_id", current.fields.get("assignee_id") if current else None)
        if (
            sent.assignee_id is not UNSET
            and assignee is not None
            and assignee not in await self._services.members_of(site_id)
        ):
            raise Refusal(
                "invalid_args", "the assignee is not a member of this site", "assignee_id"
            )
        status = sent.status
        if status == "fixed" and not (
            "supervisor" in actor.roles or str(assignee) == actor.user_id
        ):
            raise Refusal("forbidden", "only the assignee or a supervisor marks it fixed")
        if status in ("verified", "closed") and not actor.roles & VERIFIER_ROLES:
            raise Refusal("forbidden", "only a supervisor or environment role verifies")
        if current is None:
            defaults: dict[str, Any] = {
                "created_by": int(actor.user_id),
                "created_at": server_time(ctx),
            }
            for name, value in (
                ("status", "open"),
                ("location", ""),
                ("fix_note", ""),
                ("unit_id", None),
                ("assignee_id", None),
                ("due_date", None),
            ):
                if name not in args:
                    defaults[name] = value
            return defaults
        return {}

    async def check_delete(self, ctx: MutationContext, current: StoredRecord | None) -> None:
        if "supervisor" not in ctx.actor.roles:
            raise Refusal("forbidden", "only a supervisor deletes findings")
        if current is not None and str(current.fields.get("site_id")) not in ctx.actor.site_ids:
            raise Refusal("forbidden", "this finding belongs to another site", "site_id")

    async def apply(
        self,
        ctx: MutationContext,
        intent: str,
        args: Mapping[str, Any],
        current: StoredRecord | None,
    ) -> Sequence[Write]:
        comment = decode_args(args, FindingCommentArgs)  # intent == "comment"
        finding = await live(ctx, "findings", comment.finding_id, "finding_id")
        site_id = finding.fields["site_id"]
        return [
            Write(
                collection="finding_comments",
                id=comment.id,
                fields={
                    "finding_id": comment.finding_id,
                    "site_id": site_id,
                    "body": comment.body,
                    "author_id": int(ctx.actor.user_id),
                    "created_at": server_time(ctx),
                },
            )
        ]


class FindingCommentsHandler(LedgerHandler):
    """Comments are written only through `findings.comment`, never changed."""

    collection = "finding_comments"
    written_by = "findings.comment"
