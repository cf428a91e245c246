"""Typed tables of findings: the projection of the `findings` collection that reports count
(the records themselves live in sync_record; server/findings/projections.py fills this)."""

from piccolo.columns import Date, Integer, Text, Timestamptz, Varchar
from piccolo.table import Table

from server.syncing.projection import ProjectedRecord


class Finding(ProjectedRecord, Table, tablename="finding"):
    """A live finding (问题/整改单) at its latest revision; gone when the finding is deleted."""

    # Indexed: what reports filter on. Every index costs each push a little, so no more.
    # (site_id, due_date) is one index, made by the migration of 2026-12-07T01:50.
    site_id = Integer()
    unit_id = Integer(null=True, default=None)
    category = Varchar(length=32)
    status = Varchar(length=16, index=True)
    location = Text(default="")
    description = Text(default="")
    assignee_id = Integer(null=True, default=None)
    due_date = Date(null=True, default=None)
    fix_note = Text(default="")
    photo_count = Integer(default=0)
    fix_photo_count = Integer(default=0)
    patrol_id = Varchar(length=64, null=True, default=None)
    created_by = Integer(null=True, default=None)
    created_at = Timestamptz(null=True, default=None, index=True)
