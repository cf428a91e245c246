"""The audit log: one row per privileged action, never changed or removed."""

from __future__ import annotations

from piccolo.columns import BigInt, Serial, Text, Varchar
from piccolo.table import Table


class AuditEntry(Table, tablename="audit_entry"):
    """Who did what, when, from which device. `source` is `sync` (an intent, `device_id` and the
        device's own time `device_time` set) or `web` (a REST write, `address` set). `sites` is a
        list of the site ids the action touched, written ",1,12," so that one site is matched with
    LIKE '%,1,%' (empty when unknown, e.g. a refused intent)."""

    id = Serial(primary_key=True)
    at_ms = BigInt(index=True)
    user_id = Varchar(length=64, index=True)
    source = Varchar(length=8)
    action = Varchar(length=100, index=True)
    outcome = Varchar(length=64)  # applied, merged, rejected:<code>, or the HTTP status
    target = Varchar(length=300, default="")
    sites = Text(default="")
    details = Text(default="{}")
    device_id = Varchar(length=64, default="")
    device_time = Varchar(length=128, default="")
    address = Varchar(length=64, default="")
