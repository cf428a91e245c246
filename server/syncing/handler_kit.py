"""What the domains' sync handlers are built from: argument types and their decoding into
per-intent Structs, shared checks, the base classes of site-scoped and ledger collections, and
the lookups into master data they are given."""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, Any, TypeVar

import msgspec

from server.errors import field_of
from server.media.service import SHA256
from server.sites.service import SiteSettings
from sync import Handler, MutationContext, Refusal, StoredRecord

MAX_TEXT = 2000
MAX_PHOTOS = 50


@dataclass(frozen=True)
class Services:
    """Master data the rules read on every mutation: lookups the server supplies (cached
    briefly, see server/syncing/collections.py) so that handlers stay free of queries."""

    # (site id) -> ids of the site's active members (never cached: it decides access)
    members_of: Callable[[int], Awaitable[frozenset[int]]]
    # (user id) -> display name, for telling who holds a key
    name_of: Callable[[int], Awaitable[str]]
    # (site id) -> the site's rules and clock
    site_settings: Callable[[int], Awaitable[SiteSettings]]
    # (unit id) -> the id of the site it belongs to, None for no such unit
    site_of_unit: Callable[[int], Awaitable[int | None]]
    # (site id, unit id) -> the unit's last accepted meter readings (not cached: a patrol
    # approved a moment ago counts)
    last_readings: Callable[[int, int], Awaitable[dict[str, float]]]
    # The data folder (permits: the sites' private signing keys); None where nothing signs.
    data_dir: Path | None = None

    async def check_unit(self, site_id: Any, unit_id: Any, field: str = "unit_id") -> None:
        """Refuse (`invalid_args`) a unit that is not one of the site's."""
        if unit_id is not None and await self.site_of_unit(int(unit_id)) != int(site_id):
            raise Refusal("invalid_args", "the unit is not one of this site's units", field)


# Argument types the domains' Structs (their schemas.py) are made of.
RecordRef = Annotated[str, msgspec.Meta(min_length=1, max_length=64)]
PositiveId = Annotated[int, msgspec.Meta(ge=1)]
Text = Annotated[str, msgspec.Meta(max_length=MAX_TEXT)]
ShortText = Annotated[str, msgspec.Meta(max_length=200)]
# Text that says something: not empty, not only blanks.
Said = Annotated[str, msgspec.Meta(max_length=MAX_TEXT, pattern=r"\S")]
PhotoHash = Annotated[str, msgspec.Meta(pattern=SHA256.pattern)]
# A date and time that says its offset (the server never guesses a device's zone).
ZonedDateTime = Annotated[datetime, msgspec.Meta(tz=True)]


class PhotoSetChange(msgspec.Struct, forbid_unknown_fields=True):
    """A set field's change in wire form: hashes to add and to remove."""

    add: list[PhotoHash] = msgspec.field(default_factory=list)
    remove: list[PhotoHash] = msgspec.field(default_factory=list)

    def __post_init__(self) -> None:
        if len(self.add) + len(self.remove) > MAX_PHOTOS:
            raise ValueError(f"at most {MAX_PHOTOS} photo hashes")


# A photo set field in args: a list means "add these"; or {"add": [...], "remove": [...]}.
PhotoSet = Annotated[list[PhotoHash], msgspec.Meta(max_length=MAX_PHOTOS)] | PhotoSetChange

T = TypeVar("T")
_TOP_LEVEL = re.compile(r"[^.\[]*")


def decode_args(args: Mapping[str, Any], as_type: type[T], at: str = "") -> T:
    """`args` decoded into the Struct declared for them; what msgspec refuses becomes
    `invalid_args` naming the argument (`$.photos[0]` → photos; `at` names a nested value, e.g.
    one checklist item) with msgspec's reason at its full path."""
    try:
        return msgspec.convert(args, as_type)
    except msgspec.ValidationError as exc:
        path, reason = field_of(str(exc))
        where = ".".join(p for p in (at, path) if p)
        field = at or _TOP_LEVEL.match(path).group(0)  # type: ignore[union-attr]
        message = f"{where}: {reason}" if where else reason
        raise Refusal("invalid_args", message, field or None) from None


def required(value: T | msgspec.UnsetType | None, name: str) -> T:
    """The value of an argument a create needs (an upsert's Struct has every field optional,
    for partial updates); refused when left out, null or blank."""
    if value is msgspec.UNSET or value is None or (isinstance(value, str) and not value.strip()):
        raise Refusal("invalid_args", f"{name} is required", name)
    return value


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


class ServerKeptHandler(Handler):
    """A collection the server writes for itself (a shift's bookkeeping, old key tags): its
    records belong to no site, so no device pulls them, and no device writes them."""

    refusal = "the server keeps these"

    def sites_of(self, fields: Mapping[str, Any]) -> frozenset[str]:
        return frozenset()

    async def check_upsert(
        self,
        ctx: MutationContext,
        record_id: str,
        args: Mapping[str, Any],
        current: StoredRecord | None,
    ) -> Mapping[str, Any]:
        raise Refusal("forbidden", self.refusal)

    async def check_delete(self, ctx: MutationContext, current: StoredRecord | None) -> None:
        raise Refusal("forbidden", self.refusal)


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
