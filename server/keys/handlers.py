"""The keys collection and its append-only ledger (key_events), plugged into the sync engine.

Master data (`keys.upsert`, supervisors and admins) merges field by field. Custody moves only
through intents, each appending a `key_events` record and setting the key's custody fields as a
decided write: `keys.checkout`, `keys.checkin`, `keys.handover` (to a colleague) and
`keys.receive` (the colleague confirms by scanning), `keys.lost`, `keys.return_to_owner`.
Checkout and receipt send the token scanned from the key's tag; its hash must match the key's
`tag_hash` (server/keys/tags.py), else `key_tag_mismatch`.
A key is out to one person at a time: of two offline checkouts, the first to reach the server
wins and the other is refused `key_already_out`. A hand-over made with both phones offline works
in either order of sync: a receipt (scanned from the key's tag) that reaches the server before
the giver's hand-over is applied as a waiting receipt (`receipt_by` on the key; the holder does
not change) and the hand-over, when it arrives, completes the transfer. Every ledger entry keeps
the device's time of the step (`device_at`, from the mutation's stamp) beside the server's `at`.
A refusal caused by someone else's custody step names that person (`key_handed_over`,
`key_held_by_other`, …), so a queued action that comes too late says what happened rather than
"forbidden".
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from msgspec import UNSET

from server.i18n import LANGUAGES, message
from server.keys.schemas import (
    KeyCheckoutArgs,
    KeyHandoverArgs,
    KeyIntentArgs,
    KeyReceiveArgs,
    KeyUpsert,
)
from server.keys.tags import derived_token, matches, tag_hash
from server.syncing.handler_kit import (
    LedgerHandler,
    Services,
    SiteHandler,
    decode_args,
    live,
    required,
    server_time,
)
from sync import MutationContext, Refusal, StoredRecord, Write, parse_stamp

# Each intent's arguments (the others take KeyIntentArgs).
ARGS: dict[str, type[KeyIntentArgs]] = {
    "checkout": KeyCheckoutArgs,
    "handover": KeyHandoverArgs,
    "receive": KeyReceiveArgs,
}
# Custody fields: set only by custody intents. `handed_by` is who handed the key to its
# holder, `returned_by` who checked it in last: they name the person in refusals.
CUSTODY = (
    "status",
    "holder_id",
    "out_since",
    "expected_return",
    "purpose",
    "handover_to",
    "handed_by",
    "returned_by",
    # A receipt that reached the server before the giver's hand-over: who scanned, its ledger
    # entry and device time. The holder stays the giver until the hand-over completes it.
    "receipt_by",
    "receipt_event",
    "receipt_at",
)
NO_RECEIPT: dict[str, Any] = {"receipt_by": None, "receipt_event": None, "receipt_at": None}


class KeysHandler(SiteHandler):
    collection = "keys"
    server_owned_fields = frozenset({"qr_token", "tag_hash", "created_by", "created_at", *CUSTODY})
    set_fields = frozenset({"authorization_photos"})
    photo_fields = set_fields
    intents = frozenset({"checkout", "checkin", "handover", "receive", "lost", "return_to_owner"})

    def __init__(self, services: Services) -> None:
        self._services = services

    async def check_upsert(
        self,
        ctx: MutationContext,
        record_id: str,
        args: Mapping[str, Any],
        current: StoredRecord | None,
    ) -> Mapping[str, Any]:
        sent = decode_args(args, KeyUpsert)
        if current is None:
            site_id = required(sent.site_id, "site_id")
            required(sent.code, "code")
            required(sent.kind, "kind")
        else:
            site_id = current.fields["site_id"] if sent.site_id is UNSET else sent.site_id
        if str(site_id) not in ctx.actor.site_ids:
            raise Refusal("forbidden", "you are not a member of this site", "site_id")
        if current is not None and current.fields["site_id"] != site_id:
            raise Refusal("invalid_args", "a key stays at its site", "site_id")
        if sent.unit_id is not UNSET:
            await self._services.check_unit(site_id, sent.unit_id)
        if current is not None:
            return {}
        return {
            # Devices get the hash only: the token itself is the proof of a scan.
            "tag_hash": tag_hash(derived_token(self._data_dir(), record_id)),
            "status": "in",
            "holder_id": None,
            "out_since": None,
            "expected_return": None,
            "purpose": None,
            "handover_to": None,
            "handed_by": None,
            "returned_by": None,
            **NO_RECEIPT,
            "created_by": int(ctx.actor.user_id),
            "created_at": server_time(ctx),
        }

    async def check_delete(self, ctx: MutationContext, current: StoredRecord | None) -> None:
        raise Refusal("forbidden", "keys are never deleted; mark them lost or returned")

    async def apply(
        self,
        ctx: MutationContext,
        intent: str,
        args: Mapping[str, Any],
        current: StoredRecord | None,
    ) -> Sequence[Write]:
        given = decode_args(args, ARGS.get(intent, KeyIntentArgs))
        key = await live(ctx, "keys", given.key_id, "key_id")
        fields = key.fields
        actor_id = int(ctx.actor.user_id)
        is_supervisor = "supervisor" in ctx.actor.roles
        event: dict[str, Any] = {"kind": intent, "note": given.note}
        status = fields.get("status")
        if status == "lost" and intent != "checkin":
            raise Refusal("key_lost", "the key is marked lost", "key_id")
        if status == "returned":
            raise Refusal("key_returned", "the key was returned to its owner", "key_id")
        if isinstance(given, KeyCheckoutArgs | KeyReceiveArgs) and not matches(given.tag, fields):
            raise Refusal("key_tag_mismatch", "scan the tag of this key", "tag")

        if isinstance(given, KeyCheckoutArgs):
            if status == "out":
                raise await self._naming("key_already_out", fields.get("holder_id"))
            if fields.get("kind") == "entrusted":
                until = fields.get("authorization_until")
                site = await self._services.site_settings(fields["site_id"])
                today = site.clock.today(ctx.now_ms)
                if not until or date.fromisoformat(until) < today:
                    raise Refusal(
                        "authorization_expired", "the owner's authorisation has ended", "key_id"
                    )
            custody = {
                "status": "out",
                "holder_id": actor_id,
                "out_since": server_time(ctx),
                "expected_return": args.get("expected_return"),  # as sent (its offset kept)
                "purpose": given.purpose,
                "handover_to": None,
                "handed_by": None,
                "returned_by": None,
                **NO_RECEIPT,
            }
            event.update(purpose=given.purpose, expected_return=args.get("expected_return"))
        elif intent == "checkin":
            if status not in ("out", "lost"):
                raise await self._not_out(fields, actor_id, "key_not_out")
            if fields.get("holder_id") != actor_id and not is_supervisor:
                raise await self._not_holder(fields, actor_id, "forbidden")
            custody = _returned(actor_id)
        elif isinstance(given, KeyHandoverArgs):
            to_id = given.to_user_id
            if status != "out":
                raise await self._not_out(fields, actor_id, "not_holder")
            if fields.get("holder_id") != actor_id:
                raise await self._not_holder(fields, actor_id, "not_holder")
            if to_id == actor_id or to_id not in await self._services.members_of(fields["site_id"]):
                raise Refusal("invalid_args", "hand over to another member of the site")
            event["to_user_id"] = to_id
            if fields.get("receipt_by") == to_id:
                # The receiver confirmed first: the hand-over completes the transfer.
                custody = {
                    "holder_id": to_id,
                    "handover_to": None,
                    "handed_by": actor_id,
                    **NO_RECEIPT,
                }
                event["completes"] = fields.get("receipt_event")
            else:
                # Handed to someone else than a waiting receiver: that receipt lapses.
                custody = {"handover_to": to_id, **NO_RECEIPT}
        elif isinstance(given, KeyReceiveArgs):
            if status != "out":
                raise await self._not_out(fields, actor_id, "handover_not_for_you")
            event["from_user_id"] = fields.get("holder_id")
            if fields.get("handover_to") == actor_id:
                custody = {
                    "holder_id": actor_id,
                    "handover_to": None,
                    "handed_by": fields.get("holder_id"),
                    **NO_RECEIPT,
                }
            else:
                custody = await self._waiting_receipt(fields, actor_id, given.id, ctx)
                event["waiting"] = True
        elif intent == "lost":
            if fields.get("holder_id") != actor_id and not is_supervisor:
                raise await self._not_holder(fields, actor_id, "forbidden")
            custody = {**_returned(actor_id), "status": "lost"}
        else:  # return_to_owner
            if fields.get("kind") != "entrusted":
                raise Refusal("invalid_args", "only an entrusted key goes back to its owner")
            if not is_supervisor and fields.get("holder_id") != actor_id:
                raise await self._not_holder(fields, actor_id, "forbidden")
            custody = {**_returned(actor_id), "status": "returned"}
        event.update(
            key_id=given.key_id,
            site_id=fields["site_id"],
            by_id=actor_id,
            at=server_time(ctx),
            device_at=device_time(ctx),
        )
        return [
            Write(collection="key_events", id=given.id, fields=event),
            Write(collection="keys", id=given.key_id, fields=custody, decided=True),
        ]

    def _data_dir(self) -> Path:
        if self._services.data_dir is None:
            raise RuntimeError("the keys handler needs the data folder (the tags' secret)")
        return self._services.data_dir

    async def _waiting_receipt(
        self, fields: Mapping[str, Any], actor_id: int, event_id: str, ctx: MutationContext
    ) -> dict[str, Any]:
        """A receipt before the giver's hand-over has arrived (both phones were offline): kept
        on the key until the hand-over completes it, when nothing else stands in its way."""
        if fields.get("handover_to") is not None:
            raise await self._not_for_me(fields, actor_id)
        if fields.get("holder_id") == actor_id:
            raise _plain("handover_not_for_you")
        waiting = fields.get("receipt_by")
        if isinstance(waiting, int) and waiting != actor_id:
            raise await self._naming("key_receipt_by_other", waiting)
        return {"receipt_by": actor_id, "receipt_event": event_id, "receipt_at": device_time(ctx)}

    # ---- refusals that name who has the key --------------------------------------------

    async def _naming(self, code: str, user_id: Any) -> Refusal:
        """A refusal whose text names a person, from the catalog in both languages; the
        device fills its own text with `args`."""
        name = await self._services.name_of(user_id) if isinstance(user_id, int) else "?"
        text = " / ".join(message(code, language, name=name) for language in LANGUAGES)
        return Refusal(code, text, "key_id", {"name": name})

    async def _not_holder(self, fields: Mapping[str, Any], actor_id: int, code: str) -> Refusal:
        """The actor does not hold the key: who does, and whether the actor handed it over."""
        holder = fields.get("holder_id")
        if not isinstance(holder, int):
            return _plain(code)
        if fields.get("handed_by") == actor_id:
            return await self._naming("key_handed_over", holder)
        return await self._naming("key_held_by_other", holder)

    async def _not_out(self, fields: Mapping[str, Any], actor_id: int, code: str) -> Refusal:
        """The key is in: said so by name when someone else checked it in."""
        by = fields.get("returned_by")
        if fields.get("status") == "in" and isinstance(by, int) and by != actor_id:
            return await self._naming("key_checked_in_by_other", by)
        return _plain(code)

    async def _not_for_me(self, fields: Mapping[str, Any], actor_id: int) -> Refusal:
        """A receipt of a key not being handed to the actor."""
        to = fields.get("handover_to")
        if isinstance(to, int):
            return await self._naming("key_handover_to_other", to)
        if fields.get("holder_id") != actor_id:
            return await self._not_holder(fields, actor_id, "handover_not_for_you")
        return _plain("handover_not_for_you")


_PLAIN = {
    "forbidden": "only the key's holder or a supervisor may do this",
    "not_holder": "only the key's holder hands it over",
    "key_not_out": "the key is not checked out",
    "handover_not_for_you": "the key is not being handed over to you",
}


def _plain(code: str) -> Refusal:
    return Refusal(code, _PLAIN[code], None if code == "forbidden" else "key_id")


def device_time(ctx: MutationContext) -> str:
    """When the device made the step: its stamp's wall clock (clamped by the engine when it
    ran ahead), ISO 8601 UTC."""
    return datetime.fromtimestamp(parse_stamp(ctx.stamp).wall_ms / 1000, UTC).isoformat()


def _returned(by_id: int) -> dict[str, Any]:
    return {
        "status": "in",
        "holder_id": None,
        "out_since": None,
        "expected_return": None,
        "purpose": None,
        "handover_to": None,
        "handed_by": None,
        "returned_by": by_id,
        **NO_RECEIPT,
    }


class KeyEventsHandler(LedgerHandler):
    """The ledger: written only through the keys intents, never changed."""

    collection = "key_events"
    written_by = "the keys intents"
