"""`review.approve` and `review.reject` as sync intents, so a supervisor can review offline.

Args: {id (the review's own uuid), collection, record_id, revision (the one the supervisor
saw), comment}. Only a supervisor of the record's site reviews, never their own record, only a
record waiting for review, and only the version they saw (`stale_review` otherwise: the
supervisor pulls and sees the new version).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from server.review.schemas import RejectArgs, ReviewArgs
from server.syncing.handler_kit import decode_args, live, server_time
from sync import Handler, MutationContext, Refusal, StoredRecord, Write

# Collections whose records go through review (later: shift closes).
REVIEWED = frozenset({"patrols", "inspections"})


class ReviewHandler(Handler):
    collection = "review"
    intents = frozenset({"approve", "reject"})

    def sites_of(self, fields: Mapping[str, Any]) -> frozenset[str]:
        return frozenset()  # holds no records of its own

    async def check_upsert(
        self,
        ctx: MutationContext,
        record_id: str,
        args: Mapping[str, Any],
        current: StoredRecord | None,
    ) -> Mapping[str, Any]:
        raise Refusal("unknown_mutation", "use review.approve or review.reject")

    async def check_delete(self, ctx: MutationContext, current: StoredRecord | None) -> None:
        raise Refusal("unknown_mutation", "use review.approve or review.reject")

    async def apply(
        self,
        ctx: MutationContext,
        intent: str,
        args: Mapping[str, Any],
        current: StoredRecord | None,
    ) -> Sequence[Write]:
        given = decode_args(args, RejectArgs if intent == "reject" else ReviewArgs)
        collection, record_id = given.collection, given.record_id
        if collection not in REVIEWED:
            raise Refusal("invalid_args", "this collection is not reviewed", "collection")
        if "supervisor" not in ctx.actor.roles:
            raise Refusal("forbidden", "only supervisors review")
        record = await live(ctx, collection, record_id, "record_id")
        if record.fields.get("author_id") == int(ctx.actor.user_id):
            raise Refusal("self_review", "nobody reviews their own record")
        if record.fields.get("status") != "submitted":
            raise Refusal("not_submitted", "the record is not waiting for review", "record_id")
        if record.revision != given.revision:
            raise Refusal(
                "stale_review", "the record changed after you saw it; review it again", "revision"
            )
        ctx.emit(
            "approved" if intent == "approve" else "rejected",
            collection=collection,
            record_id=record_id,
            site_id=record.fields.get("site_id"),
            author_id=record.fields.get("author_id"),
            reviewer_id=int(ctx.actor.user_id),
            comment=given.comment,
        )
        return [
            Write(
                collection=collection,
                id=record_id,
                fields={
                    "status": "approved" if intent == "approve" else "rejected",
                    "reviewed_by": int(ctx.actor.user_id),
                    "reviewed_at": server_time(ctx),
                    "review_comment": given.comment,
                },
                decided=True,
            )
        ]
