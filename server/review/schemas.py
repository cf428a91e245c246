"""The arguments of the review intents (msgspec Structs): `review.approve` and `review.reject`."""

from __future__ import annotations

import msgspec

from server.syncing.handler_kit import PositiveId, RecordRef, Said, Text


class ReviewArgs(msgspec.Struct, kw_only=True):
    """`review.approve`: the review's own id, the record and the revision the supervisor saw."""

    id: RecordRef
    collection: str
    record_id: RecordRef
    revision: PositiveId
    comment: Text = ""


class RejectArgs(ReviewArgs, kw_only=True):
    """`review.reject`: as approve, with a comment that says why."""

    comment: Said
