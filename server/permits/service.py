"""Issuing, revoking, using and verifying permits: the queries other code (demo data, tests,
later the sync intents) calls."""

from __future__ import annotations

import json
import re
import uuid
from collections.abc import Collection
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import msgspec
from piccolo.query.functions.aggregate import Max

from server.auth.service import now as utc_now
from server.db import write_transaction
from server.errors import AppError
from server.permits import keys
from server.permits.schemas import (
    ClaimsRead,
    MonthlyParking,
    PermitCreate,
    PermitRead,
    ReleasePass,
    VerifyRead,
)
from server.permits.signing import Claims, Verdict, read_claims, sign, verify
from server.permits.tables import Permit
from server.settings import Settings
from server.sites.service import site_names, site_zone, unit_labels
from server.sites.tables import Unit

# 浙A·D12345: a province, the city letter, then 5 (fuel) or 6 (new energy) letters and digits;
# the last may be 挂/学/警/港/澳. Stored with the middle dot, as printed on the plate.
PLATE = re.compile(
    r"^([京津沪渝冀豫云辽黑湘皖鲁新苏浙赣鄂桂甘晋蒙陕吉闽贵粤青藏川宁琼])([A-Z])"
    r"([A-HJ-NP-Z0-9]{4,5}[A-HJ-NP-Z0-9挂学警港澳])$"
)


def normalise_plate(text: str) -> str:
    """The plate as printed (浙A·D12345), whatever spaces, dots or case it was typed with."""
    bare = re.sub(r"[\s·.•\-]", "", text).upper()
    match = PLATE.match(bare)
    if match is None:
        raise AppError("plate_invalid", 422, field="details.plate", plate=text)
    return f"{match[1]}{match[2]}·{match[3]}"


def epoch(at: datetime) -> int:
    return int(at.timestamp())


async def site_place(site_id: int) -> tuple[str, ZoneInfo]:
    """The site's name and time zone (refuses an unknown site)."""
    names = await site_names([site_id])
    if site_id not in names:
        raise AppError("unknown_site", 422, field="site_id", site_id=site_id)
    return names[site_id], await site_zone(site_id)


def day_bounds(first: date, last: date, zone: ZoneInfo) -> tuple[datetime, datetime]:
    """From the start of `first` to the start of the day after `last`, in the zone."""
    start = datetime.combine(first, time(0), zone)
    end = datetime.combine(last + timedelta(days=1), time(0), zone)
    return start, end


async def _unit_of_site(unit_id: int, site_id: int) -> str:
    row = (
        await Unit.select(Unit.id)
        .where((Unit.id == unit_id) & (Unit.building.site == site_id))
        .first()
    )
    if row is None:
        raise AppError("unknown_unit", 422, field="details.unit_id", unit_id=unit_id)
    return (await unit_labels({unit_id}))[unit_id]


def read_of(row: dict[str, Any]) -> PermitRead:
    return PermitRead(
        id=row["id"],
        site_id=row["site"],
        kind=row["kind"],
        subject=row["subject"],
        serial=row["serial"],
        status=row["status"],
        not_before=epoch(row["not_before"]),
        expires=epoch(row["expires"]),
        qr=row["qr"],
        details=json.loads(row["details"]),
        revoked_reason=row["revoked_reason"],
        used_at=None if row["used_at"] is None else epoch(row["used_at"]),
    )


async def issue_permit(
    settings: Settings,
    permit: PermitCreate,
    issued_by: int | None = None,
    permit_id: str | None = None,
) -> PermitRead:
    """Signs and stores a new permit. A monthly permit for a space whose period overlaps
    another one in force is refused (permit_overlaps)."""
    _, zone = await site_place(permit.site_id)
    details = permit.details
    if permit.valid_to < permit.valid_from:
        raise AppError("validation_error", 422, field="valid_to", detail="ends before valid_from")
    if isinstance(details, ReleasePass) and permit.valid_to != permit.valid_from:
        raise AppError(
            "validation_error", 422, field="valid_to", detail="a release pass is for one day"
        )
    not_before, expires = day_bounds(permit.valid_from, permit.valid_to, zone)
    unit_id = None if isinstance(details, MonthlyParking) else details.unit_id
    if isinstance(details, MonthlyParking):
        details = msgspec.structs.replace(details, plate=normalise_plate(details.plate))
        subject = details.plate
    else:
        assert unit_id is not None
        subject = await _unit_of_site(unit_id, permit.site_id)
    key = await keys.signing_key(settings, permit.site_id)
    permit_id = permit_id or str(uuid.uuid4())
    async with write_transaction():
        if isinstance(details, MonthlyParking):
            await _refuse_overlap(permit.site_id, details.space, not_before, expires)
        last = (
            await Permit.select(Max(Permit.serial, alias="last"))
            .where(Permit.site == permit.site_id)
            .first()
        )
        serial = ((last or {}).get("last") or 0) + 1
        claims = Claims(
            kind=details.__struct_config__.tag,  # type: ignore[arg-type]
            permit_id=uuid.UUID(permit_id).bytes,
            site_id=permit.site_id,
            subject=subject,
            not_before=epoch(not_before),
            expires=epoch(expires),
            serial=serial,
        )
        row = {
            "id": permit_id,
            "site": permit.site_id,
            "kind": claims.kind,
            "subject": subject,
            "serial": serial,
            "status": "issued",
            "not_before": not_before,
            "expires": expires,
            "kid": key.kid,
            "qr": sign(claims, key),
            "details": msgspec.json.encode(details).decode(),
            "unit_id": unit_id,
            "space": details.space if isinstance(details, MonthlyParking) else None,
            "fee_fen": details.fee_fen if isinstance(details, MonthlyParking) else None,
            "issued_by": issued_by,
            "created_at": utc_now(),
            "revoked_reason": "",
            "used_at": None,
        }
        await Permit.insert(Permit(**row))  # type: ignore[arg-type]
    return read_of(row)


async def _refuse_overlap(site_id: int, space: str, start: datetime, end: datetime) -> None:
    clash = (
        await Permit.select(Permit.serial, Permit.subject)
        .where(
            (Permit.site == site_id)
            & (Permit.kind == "monthly_parking")
            & (Permit.space == space)
            & (Permit.status == "issued")
            & (Permit.not_before < end)
            & (Permit.expires > start)
        )
        .first()
    )
    if clash is not None:
        raise AppError(
            "permit_overlaps",
            409,
            field="details.space",
            space=space,
            serial=clash["serial"],
            plate=clash["subject"],
        )


async def _row(permit_id: str) -> dict[str, Any]:
    row = await Permit.select().where(Permit.id == permit_id).first()
    if row is None:
        raise AppError("not_found", 404)
    return row


async def get_permit(permit_id: str) -> PermitRead:
    return read_of(await _row(permit_id))


async def revoke_permit(permit_id: str, reason: str, at: datetime | None = None) -> PermitRead:
    """注销: the permit verifies as revoked from now on (once the phones have pulled)."""
    at = at or utc_now()
    done = (
        await Permit.update(
            {Permit.status: "revoked", Permit.revoked_at: at, Permit.revoked_reason: reason}
        )
        .where((Permit.id == permit_id) & (Permit.status == "issued"))
        .returning(Permit.id)
    )
    if not done:
        await _row(permit_id)  # not_found when there is none
        raise AppError("permit_revoked", 409)
    return await get_permit(permit_id)


async def use_pass(permit_id: str, at: datetime | None = None) -> PermitRead:
    """The gate takes a release pass: once only, in date, not revoked."""
    at = at or utc_now()
    row = await _row(permit_id)
    if row["kind"] != "release_pass":
        raise AppError("not_single_use", 409)
    if row["status"] == "revoked":
        raise AppError("permit_revoked", 409)
    if at < row["not_before"]:
        raise AppError("permit_not_yet_valid", 409)
    if at >= row["expires"]:
        raise AppError("permit_expired", 409)
    # Only one of two gates taking the same pass at once sees its update succeed.
    taken = (
        await Permit.update({Permit.used_at: at})
        .where((Permit.id == permit_id) & Permit.used_at.is_null())
        .returning(Permit.id)
    )
    if not taken:
        raise AppError("pass_already_used", 409)
    return await get_permit(permit_id)


async def list_permits(site_id: int) -> list[PermitRead]:
    rows = (
        await Permit.select().where(Permit.site == site_id).order_by(Permit.serial, ascending=False)
    )
    return [read_of(r) for r in rows]


async def verify_qr(
    qr: str, site_ids: Collection[int] | None, at: datetime | None = None
) -> VerifyRead:
    """The desk's check of a scanned QR against the keys of `site_ids` (all sites: None) and
    the permit's current state. It never uses a pass up."""
    at = at or utc_now()
    public = {k.kid: k for k in await keys.verification_keys(site_ids, at)}
    revoked: set[str] = set()
    used: set[str] = set()
    claims = read_claims(qr)
    if claims is not None:
        state = (
            await Permit.select(Permit.status, Permit.used_at)
            .where(Permit.id == claims.permit_uuid)
            .first()
        )
        if state is not None and state["status"] == "revoked":
            revoked.add(claims.permit_uuid)
        if state is not None and state["used_at"] is not None:
            used.add(claims.permit_uuid)
    verdict = verify(qr, public, at.timestamp(), revoked, used)
    return VerifyRead(valid=verdict.valid, reason=verdict.reason, permit=claims_read(verdict))


def claims_read(verdict: Verdict) -> ClaimsRead | None:
    c = verdict.claims
    if c is None:
        return None
    return ClaimsRead(
        id=c.permit_uuid,
        kind=c.kind,
        site_id=c.site_id,
        subject=c.subject,
        not_before=c.not_before,
        expires=c.expires,
        serial=c.serial,
        kid=verdict.kid or "",
    )
