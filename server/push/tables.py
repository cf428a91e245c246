"""Push subscriptions, each user's choice of kinds, the outbox of messages, every delivery
attempt, and the once-only marks of the periodic checks. Times are epoch milliseconds."""

from piccolo.columns import (
    BigInt,
    Boolean,
    ForeignKey,
    Integer,
    OnDelete,
    Serial,
    Text,
    Varchar,
)
from piccolo.table import Table

from server.auth.tables import AppUser


class PushSubscription(Table, tablename="push_subscription"):
    """A browser's subscription (one per device and browser). The endpoint is unique: the same
    browser subscribing again replaces its row, whoever subscribed it before."""

    id: Serial  # the primary key Piccolo adds; declared for type checkers
    user = ForeignKey(references=AppUser, index=True, on_delete=OnDelete.cascade)
    endpoint = Varchar(length=2048, unique=True)
    p256dh = Varchar(length=128)  # the browser's P-256 public key, base64url
    auth = Varchar(length=64)  # the 16-byte auth secret, base64url
    device = Varchar(length=200, default="")
    language = Varchar(length=8, default="")  # the device's UI language; "" = the user's
    created_at_ms = BigInt()
    last_sent_at_ms = BigInt(null=True, default=None)


class PushPreference(Table, tablename="push_preference"):
    """A kind the user switched off (or on again). No row: the kind is on."""

    key = Varchar(length=80, primary_key=True)  # user id/kind
    user = ForeignKey(references=AppUser, index=True, on_delete=OnDelete.cascade)
    kind = Varchar(length=32)
    enabled = Boolean(default=True)


class PushMessage(Table, tablename="push_message"):
    """The outbox: one message for one subscription. `state` pending → sent | gone (the
    subscription ended) | failed. A sender claims a pending message by setting a lease
    (`lease_until_ms`, `lease_token`); an expired lease is claimed again."""

    id: Serial  # the primary key Piccolo adds; declared for type checkers
    subscription_id = Integer(index=True)
    user_id = Integer(index=True)
    kind = Varchar(length=32)
    tag = Varchar(length=200)  # the notification's tag: a later one replaces it on the phone
    topic = Varchar(length=32)  # RFC 8030 Topic: the push service keeps only the latest
    urgency = Varchar(length=16, default="normal")
    ttl = Integer(default=86_400)
    payload = Text()  # the plaintext JSON, encrypted afresh for every attempt
    state = Varchar(length=16, default="pending", index=True)
    attempts = Integer(default=0)
    next_attempt_ms = BigInt(index=True)
    lease_until_ms = BigInt(default=0)
    lease_token = Varchar(length=32, default="")
    created_ms = BigInt()
    done_ms = BigInt(null=True, default=None)
    last_error = Varchar(length=300, default="")
    event_id = BigInt(null=True, default=None)  # the sync_event it came from, if any


class PushAttempt(Table, tablename="push_attempt"):
    """Every request made to a push service (or refused before it was made)."""

    id: Serial  # the primary key Piccolo adds; declared for type checkers
    message_id = Integer(index=True)
    subscription_id = Integer()
    at_ms = BigInt(index=True)
    status = Integer(null=True, default=None)  # the HTTP status; null when none came back
    outcome = Varchar(length=16)  # sent, retry, gone, failed
    detail = Varchar(length=300, default="")
    duration_ms = Integer(default=0)
    worker = Varchar(length=100, default="")


class PushOnce(Table, tablename="push_once"):
    """A periodic check's notice that was already queued (key overdue spell, finding past a
    due date): inserted in the transaction that queues it, so it is queued once."""

    key = Varchar(length=300, primary_key=True)
    at_ms = BigInt()


class WorkerLease(Table, tablename="worker_lease"):
    """Work that one process of many does at a time (the push sender and its periodic checks):
    held by `holder` until `until_ms`, renewed while it lives, taken over once it lapses."""

    name = Varchar(length=100, primary_key=True)
    holder = Varchar(length=200)
    until_ms = BigInt()
