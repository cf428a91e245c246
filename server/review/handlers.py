"""`review.approve` and `review.reject` as sync intents, so a supervisor can review offline.

Args: {id (the review's own uuid), collection, record_id, revision (the one the supervisor
saw), comment}. Only a supervisor of the record's site reviews, never their own record, only a
record waiting for review, and only the version they saw (`stale_review` otherwise: the
supervisor pulls and sees the new version).

Each reviewed collection says (`REVIEWED`) who its author is, when a record waits for review and
the statuses approval and rejection give: a patrol waits once submitted; a parking shift waits
when it was closed with a cash variance, and a rejected one goes back to its cashier to recount.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from server.review.schemas import RejectArgs, ReviewArgs
from server.syncing.handler_kit import decode_args, live, server_time
from sync import Handler, MutationContext, Refusal, StoredRecord, Write


@dataclass(frozen=True)
class Reviewed:
    """How a collection's records are reviewed."""

    waiting: Callable[[Mapping[str, Any]], bool]
    author_field: str = "author_id"
    approved: str = "approved"
    rejected: str = "rejected"


def _shift_waiting(fields: Mapping[str, Any]) -> bool:
    return fields.get("status") in ("closed", "handed_over") and fields.get("variance_fen") != 0


# Collections whose records go through review.
REVIEWED: dict[str, Reviewed] = {
    "patrols": Reviewed(waiting=lambda fields: fields.get("status") == "submitted"),
    "inspections": Reviewed(waiting=lambda fields: fields.get("status") == "submitted"),
    "parking_shifts": Reviewed(
        waiting=_shift_waiting, author_field="cashier_id", rejected="returned"
    ),
}


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
        how = REVIEWED.get(collection)
        if how is None:
            raise Refusal("invalid_args", "this collection is not reviewed", "collection")
        record = await live(ctx, collection, record_id, "record_id")
        author_id = record.fields.get(how.author_field)
        if author_id == int(ctx.actor.user_id):
            raise Refusal("self_review", "nobody reviews their own record")
        if not how.waiting(record.fields):
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
            author_id=author_id,
            reviewer_id=int(ctx.actor.user_id),
            comment=given.comment,
        )
        return [
            Write(
                collection=collection,
                id=record_id,
                fields={
                    "status": how.approved if intent == "approve" else how.rejected,
                    "reviewed_by": int(ctx.actor.user_id),
                    "reviewed_at": server_time(ctx),
                    "review_comment": given.comment,
                },
                decided=True,
            )
        ]
