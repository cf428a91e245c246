"""The rules of issuing, renewing, revoking and using permits, on the sync store: the permit's
record fields, the overlap check, the site's next running number and its signing key. Shared by
the sync intents (handlers.py) and the desk's service calls (service.py), which both run them
inside a sync store transaction: on SQLite the write lock, on PostgreSQL the counter row's lock
(server/syncing/store.py) makes writers take turns, so two desks issuing the same space at the
same moment cannot both pass the overlap check."""

from __future__ import annotations

import json
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import msgspec

from server.permits.keys import KEY_FOLDER
from server.permits.schemas import Details, MonthlyParking, ReleasePass
from server.permits.signing import (
    ALG,
    Claims,
    SigningKey,
    kid_of,
    new_private_pem,
    public_jwk,
    sign,
)
from server.secret_files import write_secret_file
from server.syncing.store import SqlStore
from sync import Refusal, Store

COLLECTION = "permits"


def day_bounds(first: date, last: date, zone: ZoneInfo) -> tuple[datetime, datetime]:
    """From the start of `first` to the start of the day after `last`, in the zone."""
    start = datetime.combine(first, time(0), zone)
    end = datetime.combine(last + timedelta(days=1), time(0), zone)
    return start, end


def iso(at: datetime) -> str:
    return at.astimezone(UTC).isoformat()


@dataclass(frozen=True)
class Issue:
    """A permit to sign: what both the intent and the desk's call know before the store."""

    permit_id: str
    site_id: int
    zone: ZoneInfo
    valid_from: date
    valid_to: date
    details: Details
    subject: str  # the plate as printed, or the unit's label
    issued_by: int | None
    now: datetime
    renews: str | None = None
    past_allowed: bool = False  # the desk may record a period already over; a phone may not


def _sql(store: Store) -> SqlStore:
    # Permits live beside the SQL store's projection table; only the server's store has it.
    assert isinstance(store, SqlStore), "permits need the SQL sync store"
    return store


async def signing_key(store: Store, data_dir: Path, site_id: int, now: datetime) -> SigningKey:
    """The site's active signing key, read in the store's transaction; made (and the older ones
    retired) when the site has none or its private file has gone. Written through the store's
    own connection: a second connection would wait for the lock this transaction holds."""
    db = _sql(store)
    folder = data_dir / KEY_FOLDER
    rows = await db.query(
        "SELECT kid FROM permit_signing_key WHERE site = ? AND retired_at IS NULL"
        " ORDER BY id DESC LIMIT 1",
        site_id,
    )
    if rows:
        try:
            return SigningKey(rows[0][0], (folder / f"{rows[0][0]}.pem").read_bytes().strip())
        except FileNotFoundError:
            pass
    pem = new_private_pem()
    jwk = public_jwk(pem)
    kid = kid_of(jwk)
    write_secret_file(folder, f"{kid}.pem", pem)
    await db.query(
        "UPDATE permit_signing_key SET retired_at = ? WHERE site = ? AND retired_at IS NULL",
        now,
        site_id,
    )
    await db.query(
        "INSERT INTO permit_signing_key (site, kid, alg, public_jwk, created_at)"
        " VALUES (?, ?, ?, ?, ?)",
        site_id,
        kid,
        ALG,
        json.dumps(jwk),
        now,
    )
    return SigningKey(kid, pem)


async def refuse_overlap(
    store: Store, site_id: int, space: str, start: int, end: int, *, but: str = ""
) -> None:
    """permit_overlaps: another monthly permit in force for this space shares a day."""
    rows = await _sql(store).query(
        "SELECT id FROM permit WHERE site = ? AND kind = 'monthly_parking' AND space = ?"
        " AND status = 'issued' AND id <> ?",
        site_id,
        space,
        but,
    )
    for (other_id,) in rows:
        other = await store.get_record(COLLECTION, other_id)
        if other is None or other.deleted:
            continue
        f = other.fields
        if f["not_before"] < end and f["expires"] > start:
            raise Refusal(
                "permit_overlaps",
                f"space {space} is taken by No. {f['serial']:06d} ({f['subject']})",
                "details.space" if "details" in f else "valid_from",
                {"space": space, "serial": f["serial"], "plate": f["subject"]},
            )


async def next_serial(store: Store, site_id: int) -> int:
    rows = await _sql(store).query("SELECT MAX(serial) FROM permit WHERE site = ?", site_id)
    return int(rows[0][0] or 0) + 1 if rows else 1


async def issue_fields(store: Store, data_dir: Path, issue: Issue) -> dict[str, Any]:
    """The record of a new permit, signed; refusals: the dates (invalid_args), a period already
    over (permit_expired), a space taken for a day of it (permit_overlaps)."""
    details = issue.details
    if issue.valid_to < issue.valid_from:
        raise Refusal("invalid_args", "valid_to is before valid_from", "valid_to")
    if isinstance(details, ReleasePass) and issue.valid_to != issue.valid_from:
        raise Refusal("invalid_args", "a release pass is for one day", "valid_to")
    not_before, expires = day_bounds(issue.valid_from, issue.valid_to, issue.zone)
    if expires <= issue.now and not issue.past_allowed:
        raise Refusal("permit_expired", "the period is already over", "valid_to")
    start, end = int(not_before.timestamp()), int(expires.timestamp())
    if isinstance(details, MonthlyParking):
        await refuse_overlap(store, issue.site_id, details.space, start, end)
    key = await signing_key(store, data_dir, issue.site_id, issue.now)
    serial = await next_serial(store, issue.site_id)
    claims = Claims(
        kind=details.__struct_config__.tag,  # type: ignore[arg-type]
        permit_id=uuid.UUID(issue.permit_id).bytes,
        site_id=issue.site_id,
        subject=issue.subject,
        not_before=start,
        expires=end,
        serial=serial,
    )
    monthly = details if isinstance(details, MonthlyParking) else None
    return {
        "site_id": issue.site_id,
        "kind": claims.kind,
        "subject": issue.subject,
        "serial": serial,
        "status": "issued",
        "not_before": start,
        "expires": end,
        "valid_from": issue.valid_from.isoformat(),
        "valid_to": issue.valid_to.isoformat(),
        "kid": key.kid,
        "qr": sign(claims, key),
        "details": msgspec.to_builtins(details),
        "unit_id": None if isinstance(details, MonthlyParking) else details.unit_id,
        "space": monthly.space if monthly else None,
        "fee_fen": monthly.fee_fen if monthly else None,
        "issued_by": issue.issued_by,
        "created_at": iso(issue.now),
        "revoked_at": None,
        "revoked_reason": "",
        "used_at": None,
        "used_by": None,
        "used_device": None,
        "renews": issue.renews,
        "renewed_by": None,
    }


def revoke_fields(current: Mapping[str, Any], reason: str, now: datetime) -> dict[str, Any]:
    if current.get("status") == "revoked":
        raise Refusal("permit_revoked", "the permit is revoked already", "permit_id")
    return {"status": "revoked", "revoked_at": iso(now), "revoked_reason": reason}


def use_fields(
    current: Mapping[str, Any], at: datetime, by: int | None, device: str
) -> dict[str, Any]:
    """The gate takes a release pass: not revoked, in date at the scan, once."""
    if current.get("kind") != "release_pass":
        raise Refusal("invalid_args", "only a release pass is used up", "permit_id")
    if current.get("status") == "revoked":
        raise Refusal("permit_revoked", "the pass is revoked", "permit_id")
    moment = at.timestamp()
    if moment < current["not_before"] or moment >= current["expires"]:
        raise Refusal("permit_expired", "the pass is not valid on this day", "permit_id")
    if current.get("used_at") is not None:
        raise Refusal("pass_already_used", "the pass was used already", "permit_id")
    return {"used_at": iso(at), "used_by": by, "used_device": device}
