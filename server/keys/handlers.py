"""The keys collection and its append-only ledger (key_events), plugged into the sync engine.

Master data (`keys.upsert`, supervisors and admins) merges field by field. Custody moves only
through intents, each appending a `key_events` record and setting the key's custody fields as a
decided write: `keys.checkout`, `keys.checkin`, `keys.handover` (to a colleague) and
`keys.receive` (the colleague confirms by scanning), `keys.lost`, `keys.return_to_owner`.
A key is out to one person at a time: of two offline checkouts, the first to reach the server
wins and the other is refused `key_already_out`.
"""

from __future__ import annotations

import secrets
from collections.abc import Mapping, Sequence
from datetime import date
from typing import Any

from msgspec import UNSET

from server.keys.schemas import KeyCheckoutArgs, KeyHandoverArgs, KeyIntentArgs, KeyUpsert
from server.syncing.handler_kit import (
    LedgerHandler,
    Services,
    SiteHandler,
    decode_args,
    live,
    required,
    server_time,
)
from sync import MutationContext, Refusal, StoredRecord, Write

CUSTODY_ROLES = frozenset({"patrol", "supervisor", "environment"})
KEEPER_ROLES = frozenset({"supervisor", "admin"})
# Each intent's arguments (the others take KeyIntentArgs).
ARGS: dict[str, type[KeyIntentArgs]] = {"checkout": KeyCheckoutArgs, "handover": KeyHandoverArgs}
# Custody fields: set only by custody intents.
CUSTODY = ("status", "holder_id", "out_since", "expected_return", "purpose", "handover_to")


class KeysHandler(SiteHandler):
    collection = "keys"
    server_owned_fields = frozenset({"qr_token", "created_by", "created_at", *CUSTODY})
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
        if not ctx.actor.roles & KEEPER_ROLES:
            raise Refusal("forbidden", "only supervisors and admins register keys")
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
        if current is not None:
            return {}
        return {
            # Opaque: the QR tag names no unit; the app maps the token to the key.
            "qr_token": secrets.token_urlsafe(16),
            "status": "in",
            "holder_id": None,
            "out_since": None,
            "expected_return": None,
            "purpose": None,
            "handover_to": None,
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
        if not ctx.actor.roles & CUSTODY_ROLES:
            raise Refusal("forbidden", "this role does not hold keys")
        event: dict[str, Any] = {"kind": intent, "note": given.note}
        status = fields.get("status")
        if status == "lost" and intent != "checkin":
            raise Refusal("key_lost", "the key is marked lost", "key_id")
        if status == "returned":
            raise Refusal("key_returned", "the key was returned to its owner", "key_id")

        if isinstance(given, KeyCheckoutArgs):
            if status == "out":
                holder = fields.get("holder_id")
                name = await self._services.name_of(holder) if isinstance(holder, int) else "?"
                raise Refusal(
                    "key_already_out", f"钥匙已被{name}借出 / the key is out with {name}", "key_id"
                )
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
            }
            event.update(purpose=given.purpose, expected_return=args.get("expected_return"))
        elif intent == "checkin":
            if status not in ("out", "lost"):
                raise Refusal("key_not_out", "the key is not checked out", "key_id")
            if fields.get("holder_id") != actor_id and not is_supervisor:
                raise Refusal("forbidden", "only the holder or a supervisor checks the key in")
            custody = _returned()
        elif isinstance(given, KeyHandoverArgs):
            to_id = given.to_user_id
            if status != "out" or fields.get("holder_id") != actor_id:
                raise Refusal("not_holder", "only the key's holder hands it over", "key_id")
            if to_id == actor_id or to_id not in await self._services.members_of(fields["site_id"]):
                raise Refusal("invalid_args", "hand over to another member of the site")
            custody = {"handover_to": to_id}
            event["to_user_id"] = to_id
        elif intent == "receive":
            if status != "out" or fields.get("handover_to") != actor_id:
                raise Refusal(
                    "handover_not_for_you", "the key is not being handed over to you", "key_id"
                )
            custody = {"holder_id": actor_id, "handover_to": None}
            event["from_user_id"] = fields.get("holder_id")
        elif intent == "lost":
            if fields.get("holder_id") != actor_id and not is_supervisor:
                raise Refusal("forbidden", "only the holder or a supervisor reports a key lost")
            custody = {**_returned(), "status": "lost"}
        else:  # return_to_owner
            if fields.get("kind") != "entrusted":
                raise Refusal("invalid_args", "only an entrusted key goes back to its owner")
            if not is_supervisor and fields.get("holder_id") != actor_id:
                raise Refusal("forbidden", "only the holder or a supervisor returns a key")
            custody = {**_returned(), "status": "returned"}
        event.update(
            key_id=given.key_id,
            site_id=fields["site_id"],
            by_id=actor_id,
            at=server_time(ctx),
        )
        return [
            Write(collection="key_events", id=given.id, fields=event),
            Write(collection="keys", id=given.key_id, fields=custody, decided=True),
        ]


def _returned() -> dict[str, Any]:
    return {
        "status": "in",
        "holder_id": None,
        "out_since": None,
        "expected_return": None,
        "purpose": None,
        "handover_to": None,
    }


class KeyEventsHandler(LedgerHandler):
    """The ledger: written only through the keys intents, never changed."""

    collection = "key_events"
    written_by = "the keys intents"
