"""Typed tables of keys: the projection of the `key_events` ledger that custody reports count
(the records themselves live in sync_record; server/keys/projections.py fills this)."""

from piccolo.columns import Integer, Text, Timestamptz, Varchar
from piccolo.table import Table

from server.syncing.projection import ProjectedRecord


class KeyEvent(ProjectedRecord, Table, tablename="key_event"):
    """One custody event of a key (checkout, checkin, handover, receive, lost,
    return_to_owner); the ledger is append-only, so a row never changes."""

    # Indexed: what reports filter on. Every index costs each push a little, so no more.
    site_id = Integer(index=True)
    key_id = Varchar(length=64, index=True)
    kind = Varchar(length=32)
    by_id = Integer()
    at = Timestamptz(index=True)
    purpose = Varchar(length=32, null=True, default=None)
    expected_return = Timestamptz(null=True, default=None)
    to_user_id = Integer(null=True, default=None)
    from_user_id = Integer(null=True, default=None)
    note = Text(default="")
