"""Typed table of patrols: the projection of the `patrols` collection that reports count (the
records themselves live in sync_record; server/patrols/projections.py fills this)."""

from piccolo.columns import Integer, Timestamptz, Varchar
from piccolo.table import Table

from server.syncing.projection import ProjectedRecord


class Patrol(ProjectedRecord, Table, tablename="patrol"):
    """A live patrol (空置房巡查) at its latest revision; gone when the patrol is deleted."""

    site_id = Integer(index=True)
    unit_id = Integer(null=True, default=None)
    author_id = Integer(null=True, default=None)
    status = Varchar(length=16)  # draft | submitted | approved | rejected
    # When the visit was made (its end, else its start); the submission when neither is known.
    visited_at = Timestamptz(null=True, default=None, index=True)
    submitted_at = Timestamptz(null=True, default=None)
    reviewed_at = Timestamptz(null=True, default=None)
    failed_items = Integer(default=0)
    finding_count = Integer(default=0)
