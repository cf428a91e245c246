"""Tables of the sync store. Queries are written in server/syncing/store.py; these classes exist
so that Piccolo creates and migrates the same tables on SQLite and PostgreSQL."""

from piccolo.columns import BigInt, Boolean, Integer, Serial, Text, Varchar
from piccolo.table import Table


class SyncCounter(Table, tablename="sync_counter"):
    """One row: the last revision handed out on SQLite (PostgreSQL takes them from the sequence
    `sync_revision`, see server/syncing/store.py)."""

    id = Integer(primary_key=True)
    value = BigInt(default=0)


class SyncMeta(Table, tablename="sync_meta"):
    """epoch (random, new per database) and purge_watermark."""

    key = Varchar(length=64, primary_key=True)
    value = Text()


class SyncDevice(Table, tablename="sync_device"):
    device_id = Varchar(length=64, primary_key=True)
    user_id = Varchar(length=64, index=True)
    applied_through = BigInt(default=0)
    last_hlc = Varchar(length=128, default="")


class SyncResult(Table, tablename="sync_result"):
    """The first result of every mutation id: a resend is answered from here."""

    mutation_id = Varchar(length=64, primary_key=True)
    device_id = Varchar(length=64)  # not indexed: results are read by mutation id
    seq = BigInt()
    result = Text()


class SyncRecord(Table, tablename="sync_record"):
    """A record of a synced collection at its latest revision (fields as JSON)."""

    key = Varchar(length=300, primary_key=True)  # collection/record id
    collection = Varchar(length=64)
    record_id = Varchar(length=200)
    revision = BigInt(unique=True)  # the unique index is the one lookups by revision use
    deleted = Boolean(default=False)
    deleted_at_ms = BigInt(null=True, default=None)
    fields = Text()
    stamps = Text()
    set_state = Text()
    sites = Text()
    seen_sites = Text()
    # JSON: plain field -> [revision, user id, device id] of who wrote its value ({} on rows
    # older than this column: unknown authors at revision 0).
    authors = Text(default="{}")


class SyncRecordSite(Table, tablename="sync_record_site"):
    """Every site a record has belonged to, with the record's collection and current revision:
    a pull reads a site's changes in revision order from the index (site, revision) (made by
    the migration of 2026-12-06T23:00), however many records other sites hold."""

    key = Varchar(length=400, primary_key=True)  # record key|site
    record_key = Varchar(length=300, index=True)
    site = Varchar(length=64)
    collection = Varchar(length=64, default="")
    revision = BigInt(default=0)


class MediaRef(Table, tablename="media_ref"):
    """A photo (by SHA-256) that a record's photo field holds or held. Photo access follows the
    sites of the records that hold it; `released_at_ms` is when the record dropped it (null
    while held), so garbage collection can wait out the grace period."""

    key = Varchar(length=400, primary_key=True)  # sha256|record key
    sha256 = Varchar(length=64, index=True)
    record_key = Varchar(length=300, index=True)
    sites = Text()  # JSON list of the record's current sites
    released_at_ms = BigInt(null=True, default=None)


class SyncEvent(Table, tablename="sync_event"):
    """What handlers said happened (submitted, rejected, …), written with the change that
    caused it; the notifier consumes it (an outbox)."""

    id = Serial(primary_key=True)
    kind = Varchar(length=64, index=True)
    payload = Text()
    at_ms = BigInt()
    # Indexed only where false (sync_event_waiting, migration of 2026-12-06T23:30).
    handled = Boolean(default=False)


class SyncConflict(Table, tablename="sync_conflict"):
    """The conflict log: two people's concurrent edits of one field, with both authors; the
    mutation (device, user) is the one that arrived second and found it."""

    id = Serial(primary_key=True)
    conflict_id = Varchar(length=64, default="", index=True)
    mutation_id = Varchar(length=64, index=True)
    device_id = Varchar(length=64)
    user_id = Varchar(length=64)
    kept_by = Varchar(length=64, default="")
    kept_device = Varchar(length=64, default="")
    discarded_by = Varchar(length=64, default="")
    discarded_device = Varchar(length=64, default="")
    collection = Varchar(length=64)
    record_id = Varchar(length=200, index=True)
    field = Varchar(length=100)
    kept = Text()
    discarded = Text()
    kept_stamp = Varchar(length=128)
    discarded_stamp = Varchar(length=128)
    revision = BigInt(null=True, default=None)
    at_ms = BigInt()
