"""The findings collection's rules, plugged into the sync engine.

A finding moves open → assigned → fixed → verified → closed, only through its intents
(`findings.assign`, `.fix`, `.verify`, `.close`, `.reopen`): the server decides `status` and
who did each step. `findings.accept` is the assignee's 接单 of an assigned finding: no state of
its own, a stamp (`accepted_at`, `accepted_by`) that a reassignment clears. `findings.upsert`
edits what the finding says (per-field merge), `findings.comment` adds append-only comments
(pulled as the `finding_comments` collection) and `findings.delete` is for supervisors only.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

from msgspec import UNSET

from server.access import SUPERVISOR
from server.findings.schemas import (
    FIX_PHOTO_CATEGORIES,
    FindingAcceptArgs,
    FindingAssignArgs,
    FindingCloseArgs,
    FindingCommentArgs,
    FindingFixArgs,
    FindingReopenArgs,
    FindingUpsert,
    FindingVerifyArgs,
)
from server.syncing.handler_kit import (
    LedgerHandler,
    PhotoSetChange,
    Services,
    SiteHandler,
    decode_args,
    in_site,
    live,
    required,
    server_time,
)
from sync import MutationContext, Refusal, StoredRecord, Write

# Who may send which intent: server/access.py. What is left here are rules of the finding's
# state: changing the assignee, and closing one unverified, are a supervisor's.
# Once fixed, the photos are the evidence: they are never removed again.
EVIDENCE_KEPT = frozenset({"fixed", "verified", "closed"})
STATE_INTENTS = frozenset({"assign", "accept", "fix", "verify", "close", "reopen"})


def _bad_transition(status: str, intent: str) -> Refusal:
    return Refusal(
        "finding_bad_transition",
        f"a finding that is {status} cannot take findings.{intent}",
        "status",
    )


def _removes(value: object) -> bool:
    return isinstance(value, PhotoSetChange) and bool(value.remove)


def _photo_count(before: object, change: object) -> int:
    photos = {str(h) for h in before} if isinstance(before, list) else set()
    if isinstance(change, Mapping):
        photos = (photos | set(change.get("add") or ())) - set(change.get("remove") or ())
    elif isinstance(change, list):
        photos |= {str(h) for h in change}
    return len(photos)


def _log_changes(ctx: MutationContext, current: StoredRecord, sent: Mapping[str, Any]) -> None:
    """The finding's history (`GET /api/findings/{id}/history`): who changed which field from
    what to what, kept as a `finding_changed` event of the mutation (stored only if applied).
    Photo sets are logged as counts."""
    fields = current.fields
    changes = []
    for name, value in sent.items():
        if name == "id" or name.endswith(("_by", "_at")):  # who and when: the event says
            continue
        old = fields.get(name)
        if name in FindingsHandler.set_fields:
            old_count = len(old) if isinstance(old, list) else 0
            old, value = old_count, _photo_count(old, value)
        if old != value and not (old in (None, "") and value in (None, "")):
            changes.append([name, old, value])
    if changes:
        ctx.emit(
            "finding_changed",
            finding_id=current.id,
            site_id=fields.get("site_id"),
            by=int(ctx.actor.user_id),
            changes=changes,
        )


class FindingsHandler(SiteHandler):
    collection = "findings"
    set_fields = frozenset({"photos", "fix_photos"})
    photo_fields = set_fields
    server_owned_fields = frozenset(
        {
            "created_by",
            "created_at",
            "patrol_id",
            "accepted_by",
            "accepted_at",
            "fixed_by",
            "fixed_at",
            "verified_by",
            "verified_at",
            "closed_by",
            "closed_at",
            "close_reason",
            "reopened_by",
            "reopen_reason",
        }
    )
    intents = frozenset({"comment"}) | STATE_INTENTS

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
        sent = decode_args(args, FindingUpsert)
        if current is None:
            site_id = required(sent.site_id, "site_id")
        else:
            if str(current.fields["site_id"]) not in actor.site_ids:
                raise Refusal("forbidden", "this finding belongs to another site", "site_id")
            site_id = current.fields["site_id"] if sent.site_id is UNSET else sent.site_id
        if str(site_id) not in actor.site_ids:
            raise Refusal("forbidden", "you are not a member of this site", "site_id")
        if sent.site_id is not UNSET or sent.unit_id is not UNSET:
            unit = sent.unit_id
            if unit is UNSET:  # the site moved: its unit must still be one of the site's
                unit = current.fields.get("unit_id") if current else None
            await self._services.check_unit(site_id, unit)
        if sent.assignee_id is not UNSET and sent.assignee_id is not None:
            await self._check_member(site_id, sent.assignee_id)
        if current is None:
            return self._created(ctx, args, sent)
        self._check_edit(ctx, sent, current.fields)
        _log_changes(ctx, current, {n: args[n] for n in sent.__struct_fields__ if n in args})
        return {}

    def _created(
        self, ctx: MutationContext, args: Mapping[str, Any], sent: FindingUpsert
    ) -> dict[str, Any]:
        required(sent.description, "description")
        required(sent.category, "category")
        assigned = sent.assignee_id is not UNSET and sent.assignee_id is not None
        status = "assigned" if assigned else "open"
        if sent.status is not UNSET and sent.status not in ("open", status):
            raise _bad_transition("new", "upsert")
        defaults: dict[str, Any] = {
            "created_by": int(ctx.actor.user_id),
            "created_at": server_time(ctx),
            "status": status,  # the server's, whatever an older app sent
        }
        for name, value in (
            ("location", ""),
            ("fix_note", ""),
            ("unit_id", None),
            ("assignee_id", None),
            ("due_date", None),
        ):
            if name not in args:
                defaults[name] = value
        return defaults

    def _check_edit(
        self, ctx: MutationContext, sent: FindingUpsert, fields: Mapping[str, Any]
    ) -> None:
        """Who may change what of an existing finding; its state only moves by the intents."""
        actor = ctx.actor
        status = str(fields.get("status") or "open")
        if sent.status is not UNSET and sent.status != status:
            raise _bad_transition(status, "upsert")
        if sent.assignee_id is not UNSET and sent.assignee_id != fields.get("assignee_id"):
            raise Refusal(
                "finding_bad_transition",
                "the assignee is changed by findings.assign",
                "assignee_id",
            )
        supervisor = SUPERVISOR in actor.roles
        if (sent.description is not UNSET or sent.photos is not UNSET) and not (
            supervisor or str(fields.get("created_by")) == actor.user_id
        ):
            field = "description" if sent.description is not UNSET else "photos"
            raise Refusal(
                "not_reporter", "only the reporter or a supervisor edits what it says", field
            )
        if (sent.fix_note is not UNSET or sent.fix_photos is not UNSET) and not (
            supervisor or str(fields.get("assignee_id")) == actor.user_id
        ):
            field = "fix_note" if sent.fix_note is not UNSET else "fix_photos"
            raise Refusal("not_assignee", "only the assignee or a supervisor edits the fix", field)
        if status in EVIDENCE_KEPT:
            for name, value in (("photos", sent.photos), ("fix_photos", sent.fix_photos)):
                if _removes(value):
                    raise Refusal(
                        "evidence_kept", "photos of a fixed finding are never removed", name
                    )

    async def _check_member(self, site_id: Any, user_id: int) -> None:
        if user_id not in await self._services.members_of(site_id):
            raise Refusal(
                "invalid_args", "the assignee is not a member of this site", "assignee_id"
            )

    async def check_delete(self, ctx: MutationContext, current: StoredRecord | None) -> None:
        if current is not None and str(current.fields.get("site_id")) not in ctx.actor.site_ids:
            raise Refusal("forbidden", "this finding belongs to another site", "site_id")

    async def apply(
        self,
        ctx: MutationContext,
        intent: str,
        args: Mapping[str, Any],
        current: StoredRecord | None,
    ) -> Sequence[Write]:
        if intent in STATE_INTENTS:
            return [await self._transition(ctx, intent, args, current)]
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

    async def _transition(
        self,
        ctx: MutationContext,
        intent: str,
        args: Mapping[str, Any],
        current: StoredRecord | None,
    ) -> Write:
        """One step of the state machine, written as the server's decision."""
        if current is None:
            raise Refusal("not_found", "no such finding", "id")
        fields = current.fields
        in_site(ctx, fields.get("site_id"))
        status = str(fields.get("status") or "open")
        if intent == "assign":
            change = await self._assign(ctx, args, fields, status)
        elif intent == "accept":
            change = self._accept(ctx, args, fields, status)
        elif intent == "fix":
            change = self._fix(ctx, args, fields, status)
        elif intent == "verify":
            change = self._verify(ctx, args, fields, status)
        elif intent == "close":
            change = self._close(ctx, args, status)
        else:
            change = self._reopen(ctx, args, fields, status)
        reached = change["status"]
        _log_changes(ctx, current, change)
        if reached in EVIDENCE_KEPT:  # who fixed, verified or closed it, and when
            change[f"{reached}_by"] = int(ctx.actor.user_id)
            change[f"{reached}_at"] = server_time(ctx)
        return Write(collection="findings", id=current.id, fields=change, decided=True)

    async def _assign(
        self, ctx: MutationContext, args: Mapping[str, Any], fields: Mapping[str, Any], status: str
    ) -> dict[str, Any]:
        given = decode_args(args, FindingAssignArgs)
        if status not in ("open", "assigned"):
            raise _bad_transition(status, "assign")
        roles = ctx.actor.roles
        if status == "assigned" and SUPERVISOR not in roles:
            raise Refusal("forbidden", "only a supervisor reassigns a finding", "assignee_id")
        await self._check_member(fields["site_id"], given.assignee_id)
        ctx.emit(
            "finding_assigned",
            finding_id=given.id,
            site_id=fields["site_id"],
            assignee_id=given.assignee_id,
        )
        change: dict[str, Any] = {"status": "assigned", "assignee_id": given.assignee_id}
        if given.assignee_id != fields.get("assignee_id"):  # the new assignee has not accepted
            change |= {"accepted_by": None, "accepted_at": None}
        return change

    def _accept(
        self, ctx: MutationContext, args: Mapping[str, Any], fields: Mapping[str, Any], status: str
    ) -> dict[str, Any]:
        decode_args(args, FindingAcceptArgs)
        if status != "assigned":
            raise _bad_transition(status, "accept")
        if str(fields.get("assignee_id")) != ctx.actor.user_id:
            raise Refusal("not_assignee", "only the assignee accepts the finding")
        if fields.get("accepted_at"):  # a second tap, or a resend from another phone
            return {"status": "assigned"}
        # Accepted when the phone says (offline counts from the tap), never after the server's
        # clock: the 5-minute standard is measured from it (server/reports/ledgers.py).
        stamp = ctx.stamp[:15]
        at_ms = min(int(stamp), ctx.now_ms) if stamp.isdigit() else ctx.now_ms
        return {
            "status": "assigned",
            "accepted_by": int(ctx.actor.user_id),
            "accepted_at": datetime.fromtimestamp(at_ms / 1000, UTC).isoformat(),
        }

    def _fix(
        self, ctx: MutationContext, args: Mapping[str, Any], fields: Mapping[str, Any], status: str
    ) -> dict[str, Any]:
        given = decode_args(args, FindingFixArgs)
        if status != "assigned":
            raise _bad_transition(status, "fix")
        if str(fields.get("assignee_id")) != ctx.actor.user_id:
            raise Refusal("not_assignee", "only the assignee marks the finding fixed")
        if not given.fix_note.strip():
            raise Refusal("fix_note_required", "say what was done", "fix_note")
        added = given.fix_photos
        photos = set(fields.get("fix_photos") or ())
        if isinstance(added, PhotoSetChange):
            photos = (photos | set(added.add)) - set(added.remove)
        elif isinstance(added, list):
            photos |= set(added)
        if fields.get("category") in FIX_PHOTO_CATEGORIES and not photos:
            raise Refusal("fix_photos_required", "this category needs fix photos", "fix_photos")
        change: dict[str, Any] = {"status": "fixed", "fix_note": given.fix_note}
        if added is not UNSET:
            change["fix_photos"] = args["fix_photos"]
        ctx.emit(
            "finding_fixed",
            finding_id=given.id,
            site_id=fields["site_id"],
            fixed_by=int(ctx.actor.user_id),
        )
        return change

    def _verify(
        self, ctx: MutationContext, args: Mapping[str, Any], fields: Mapping[str, Any], status: str
    ) -> dict[str, Any]:
        decode_args(args, FindingVerifyArgs)
        if status != "fixed":
            raise _bad_transition(status, "verify")
        if str(fields.get("fixed_by", fields.get("assignee_id"))) == ctx.actor.user_id:
            raise Refusal("self_verify", "the one who fixed it does not verify it")
        return {"status": "verified"}

    def _close(self, ctx: MutationContext, args: Mapping[str, Any], status: str) -> dict[str, Any]:
        given = decode_args(args, FindingCloseArgs)
        if status == "closed":
            raise _bad_transition(status, "close")
        roles = ctx.actor.roles
        if status != "verified":  # a duplicate or invalid finding, closed before it was fixed
            if SUPERVISOR not in roles:
                raise Refusal("forbidden", "only a supervisor closes an unverified finding")
            if not given.reason.strip():
                raise Refusal("reason_required", "say why it is closed unverified", "reason")
        return {"status": "closed", "close_reason": given.reason}

    def _reopen(
        self, ctx: MutationContext, args: Mapping[str, Any], fields: Mapping[str, Any], status: str
    ) -> dict[str, Any]:
        given = decode_args(args, FindingReopenArgs)
        if status not in EVIDENCE_KEPT:
            raise _bad_transition(status, "reopen")
        if not given.reason.strip():
            raise Refusal("reason_required", "say why it is reopened", "reason")
        back = "assigned" if fields.get("assignee_id") is not None else "open"
        return {
            "status": back,
            "reopen_reason": given.reason,
            "reopened_by": int(ctx.actor.user_id),
        }


class FindingCommentsHandler(LedgerHandler):
    """Comments are written only through `findings.comment`, never changed."""

    collection = "finding_comments"
    written_by = "findings.comment"
