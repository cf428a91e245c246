"""The findings collection's rules, plugged into the sync engine.

Intents: `findings.upsert` (per-field merge), `findings.comment` (append-only comments, pulled
as the `finding_comments` collection) and `findings.delete` (supervisors only).
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable, Mapping, Sequence
from datetime import UTC, date, datetime
from typing import Any

from sync import Handler, MutationContext, Refusal, StoredRecord, Write

CATEGORIES = frozenset({"patrol", "cleaning", "greening", "pest", "parking", "other"})
STATUSES = frozenset({"open", "assigned", "fixed", "verified", "closed"})
REPORTER_ROLES = frozenset({"patrol", "environment", "cashier", "supervisor", "manager", "admin"})
VERIFIER_ROLES = frozenset({"supervisor", "environment"})
SHA256 = re.compile(r"^[0-9a-f]{64}$")
MAX_TEXT = 2000
MAX_PHOTOS = 50

# (site id) -> ids of the site's active members; supplied by the server.
MembersOf = Callable[[int], Awaitable[frozenset[int]]]


def _text(args: Mapping[str, Any], name: str, limit: int, required: bool = False) -> None:
    if name not in args:
        if required:
            raise Refusal("invalid_args", f"{name} is required", name)
        return
    value = args[name]
    if not isinstance(value, str) or len(value) > limit or (required and not value.strip()):
        raise Refusal("invalid_args", f"{name} must be text of at most {limit} characters", name)


def _optional_id(args: Mapping[str, Any], name: str) -> None:
    value = args.get(name)
    if name in args and value is not None and (type(value) is not int or value <= 0):
        raise Refusal("invalid_args", f"{name} must be a positive integer or null", name)


def _photo_set(args: Mapping[str, Any], name: str) -> None:
    if name not in args:
        return
    value = args[name]
    hashes: list[Any]
    if isinstance(value, list):
        hashes = value
    elif isinstance(value, dict) and set(value) <= {"add", "remove"}:
        hashes = [*value.get("add", []), *value.get("remove", [])]
        if not all(isinstance(v, list) for v in value.values()):
            raise Refusal("invalid_args", f"{name}.add and .remove must be lists", name)
    else:
        raise Refusal("invalid_args", f"{name} must be a list of photo hashes", name)
    if len(hashes) > MAX_PHOTOS or not all(isinstance(h, str) and SHA256.match(h) for h in hashes):
        raise Refusal("invalid_args", f"{name} must hold SHA-256 hex photo hashes", name)


def _site_id(value: Any) -> int:
    if type(value) is not int or value <= 0:
        raise Refusal("invalid_args", "site_id must be a positive integer", "site_id")
    return value


class FindingsHandler(Handler):
    collection = "findings"
    set_fields = frozenset({"photos", "fix_photos"})
    photo_fields = set_fields
    server_owned_fields = frozenset({"created_by", "created_at"})
    intents = frozenset({"comment"})
    fields = frozenset(
        {
            "site_id",
            "unit_id",
            "location",
            "category",
            "description",
            "photos",
            "assignee_id",
            "due_date",
            "status",
            "fix_note",
            "fix_photos",
        }
    )

    def __init__(self, members_of: MembersOf) -> None:
        self._members_of = members_of

    def sites_of(self, fields: Mapping[str, Any]) -> frozenset[str]:
        return frozenset({str(fields["site_id"])}) if "site_id" in fields else frozenset()

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
        unknown = sorted(set(args) - self.fields)
        if unknown:
            raise Refusal("invalid_args", f"unknown field {unknown[0]}", unknown[0])
        if current is None:
            if "site_id" not in args:
                raise Refusal("invalid_args", "site_id is required", "site_id")
            site_id = _site_id(args["site_id"])
        else:
            if str(current.fields["site_id"]) not in actor.site_ids:
                raise Refusal("forbidden", "this finding belongs to another site", "site_id")
            site_id = _site_id(args.get("site_id", current.fields["site_id"]))
        if str(site_id) not in actor.site_ids:
            raise Refusal("forbidden", "you are not a member of this site", "site_id")
        _text(args, "description", MAX_TEXT, required=current is None)
        _text(args, "location", 200)
        _text(args, "fix_note", MAX_TEXT)
        _optional_id(args, "unit_id")
        _optional_id(args, "assignee_id")
        _photo_set(args, "photos")
        _photo_set(args, "fix_photos")
        if current is None and args.get("category") is None:
            raise Refusal("invalid_args", "category is required", "category")
        if "category" in args and args["category"] not in CATEGORIES:
            raise Refusal("invalid_args", "unknown category", "category")
        if "due_date" in args and args["due_date"] is not None:
            try:
                date.fromisoformat(args["due_date"])
            except (TypeError, ValueError):
                raise Refusal("invalid_args", "due_date must be YYYY-MM-DD", "due_date") from None
        assignee = args.get("assignee_id", current.fields.get("assignee_id") if current else None)
        if (
            "assignee_id" in args
            and assignee is not None
            and assignee not in await self._members_of(site_id)
        ):
            raise Refusal(
                "invalid_args", "the assignee is not a member of this site", "assignee_id"
            )
        status = args.get("status")
        if "status" in args:
            if status not in STATUSES:
                raise Refusal("invalid_args", "unknown status", "status")
            if status == "fixed" and not (
                "supervisor" in actor.roles or str(assignee) == actor.user_id
            ):
                raise Refusal("forbidden", "only the assignee or a supervisor marks it fixed")
            if status in ("verified", "closed") and not actor.roles & VERIFIER_ROLES:
                raise Refusal("forbidden", "only a supervisor or environment role verifies")
        if current is None:
            defaults: dict[str, Any] = {
                "created_by": int(actor.user_id),
                "created_at": datetime.fromtimestamp(ctx.now_ms / 1000, UTC).isoformat(),
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
        # intent == "comment": args {id: comment id, finding_id, body}
        comment_id = args.get("id")
        if not isinstance(comment_id, str) or not 0 < len(comment_id) <= 64:
            raise Refusal("invalid_args", "id must be the comment's uuid", "id")
        finding_id = args.get("finding_id")
        if not isinstance(finding_id, str):
            raise Refusal("invalid_args", "finding_id is required", "finding_id")
        _text(args, "body", MAX_TEXT, required=True)
        finding = await ctx.get("findings", finding_id)
        if finding is None or finding.deleted:
            raise Refusal("not_found", "the finding does not exist", "finding_id")
        site_id = finding.fields["site_id"]
        if str(site_id) not in ctx.actor.site_ids:
            raise Refusal("forbidden", "this finding belongs to another site", "finding_id")
        return [
            Write(
                collection="finding_comments",
                id=comment_id,
                fields={
                    "finding_id": finding_id,
                    "site_id": site_id,
                    "body": args["body"],
                    "author_id": int(ctx.actor.user_id),
                    "created_at": datetime.fromtimestamp(ctx.now_ms / 1000, UTC).isoformat(),
                },
            )
        ]


class FindingCommentsHandler(Handler):
    """Comments are written only through `findings.comment`, never changed."""

    collection = "finding_comments"
    append_only = True

    def sites_of(self, fields: Mapping[str, Any]) -> frozenset[str]:
        return frozenset({str(fields["site_id"])}) if "site_id" in fields else frozenset()

    async def check_upsert(
        self,
        ctx: MutationContext,
        record_id: str,
        args: Mapping[str, Any],
        current: StoredRecord | None,
    ) -> Mapping[str, Any]:
        raise Refusal("unknown_mutation", "comments are added with findings.comment")

    async def check_delete(self, ctx: MutationContext, current: StoredRecord | None) -> None:
        raise Refusal("append_only", "comments are never deleted")
