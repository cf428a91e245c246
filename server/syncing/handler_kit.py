"""What the domains' sync handlers are built from: shared argument checks, the base classes of
site-scoped and ledger collections, and the lookups into master data they are given."""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

from server.sites.service import SiteSettings
from sync import Handler, MutationContext, Refusal, StoredRecord

SHA256 = re.compile(r"^[0-9a-f]{64}$")
MAX_TEXT = 2000
MAX_PHOTOS = 50


@dataclass(frozen=True)
class Services:
    """Master data the rules read on every mutation: lookups the server supplies (cached
    briefly, see server/syncing/collections.py) so that handlers stay free of queries."""

    # (site id) -> ids of the site's active members
    members_of: Callable[[int], Awaitable[frozenset[int]]]
    # (user id) -> display name, for telling who holds a key
    name_of: Callable[[int], Awaitable[str]]
    # (site id) -> the site's rules and clock
    site_settings: Callable[[int], Awaitable[SiteSettings]]


def text(args: Mapping[str, Any], name: str, limit: int, required: bool = False) -> None:
    if name not in args:
        if required:
            raise Refusal("invalid_args", f"{name} is required", name)
        return
    value = args[name]
    if not isinstance(value, str) or len(value) > limit or (required and not value.strip()):
        raise Refusal("invalid_args", f"{name} must be text of at most {limit} characters", name)


def optional_id(args: Mapping[str, Any], name: str) -> None:
    value = args.get(name)
    if name in args and value is not None and (type(value) is not int or value <= 0):
        raise Refusal("invalid_args", f"{name} must be a positive integer or null", name)


def positive_id(value: Any, name: str) -> int:
    if type(value) is not int or value <= 0:
        raise Refusal("invalid_args", f"{name} must be a positive integer", name)
    return value


def record_ref(args: Mapping[str, Any], name: str) -> str:
    value = args.get(name)
    if not isinstance(value, str) or not 0 < len(value) <= 64:
        raise Refusal("invalid_args", f"{name} must be a record id", name)
    return value


def photo_set(args: Mapping[str, Any], name: str) -> None:
    """A set field of photo hashes in wire form: a list (add) or {"add": [], "remove": []}."""
    if name not in args:
        return
    value = args[name]
    hashes: list[Any]
    if isinstance(value, list):
        hashes = value
    elif isinstance(value, dict) and set(value) <= {"add", "remove"}:
        if not all(isinstance(v, list) for v in value.values()):
            raise Refusal("invalid_args", f"{name}.add and .remove must be lists", name)
        hashes = [*value.get("add", []), *value.get("remove", [])]
    else:
        raise Refusal("invalid_args", f"{name} must be a list of photo hashes", name)
    if len(hashes) > MAX_PHOTOS or not all(isinstance(h, str) and SHA256.match(h) for h in hashes):
        raise Refusal("invalid_args", f"{name} must hold SHA-256 hex photo hashes", name)


def iso_date(args: Mapping[str, Any], name: str) -> None:
    if name in args and args[name] is not None:
        try:
            date.fromisoformat(args[name])
        except (TypeError, ValueError):
            raise Refusal("invalid_args", f"{name} must be YYYY-MM-DD", name) from None


def iso_datetime(args: Mapping[str, Any], name: str) -> None:
    if name in args and args[name] is not None:
        try:
            parsed = datetime.fromisoformat(args[name])
        except (TypeError, ValueError):
            raise Refusal("invalid_args", f"{name} must be an ISO date and time", name) from None
        if parsed.tzinfo is None:
            raise Refusal("invalid_args", f"{name} needs a time zone offset", name)


def unknown_fields(args: Mapping[str, Any], allowed: frozenset[str]) -> None:
    unknown = sorted(set(args) - allowed)
    if unknown:
        raise Refusal("invalid_args", f"unknown field {unknown[0]}", unknown[0])


def server_time(ctx: MutationContext) -> str:
    return datetime.fromtimestamp(ctx.now_ms / 1000, UTC).isoformat()


def in_site(ctx: MutationContext, site_id: Any, field: str = "site_id") -> None:
    if str(site_id) not in ctx.actor.site_ids:
        raise Refusal("forbidden", "this record belongs to another site", field)


async def live(ctx: MutationContext, collection: str, record_id: str, field: str) -> StoredRecord:
    """A record the actor may act on: it exists, is not deleted and is in one of their sites."""
    record = await ctx.get(collection, record_id)
    if record is None or record.deleted:
        raise Refusal("not_found", f"no {collection} record {record_id}", field)
    in_site(ctx, record.fields.get("site_id"), field)
    return record


class SiteHandler(Handler):
    """A collection whose records belong to the site named by their `site_id` field."""

    def sites_of(self, fields: Mapping[str, Any]) -> frozenset[str]:
        return frozenset({str(fields["site_id"])}) if "site_id" in fields else frozenset()


class LedgerHandler(SiteHandler):
    """An append-only collection written only by another collection's intents (comments, the
    key ledger): devices never upsert or delete its records themselves."""

    append_only = True
    written_by = ""  # the intent that writes it, for the refusal message

    async def check_upsert(
        self,
        ctx: MutationContext,
        record_id: str,
        args: Mapping[str, Any],
        current: StoredRecord | None,
    ) -> Mapping[str, Any]:
        raise Refusal(
            "unknown_mutation", f"{self.collection} records are made by {self.written_by}"
        )

    async def check_delete(self, ctx: MutationContext, current: StoredRecord | None) -> None:
        raise Refusal("append_only", f"{self.collection} records are never changed")
