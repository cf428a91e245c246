"""Issuing, revoking, using and verifying permits: the queries other code (demo data, tests,
later the sync intents) calls."""

from __future__ import annotations

import json
import re
from collections.abc import AsyncIterator, Awaitable, Callable, Collection
from contextlib import asynccontextmanager
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import msgspec

from server.auth.service import now as utc_now
from server.errors import AppError
from server.permits import issuing, keys
from server.permits.issuing import COLLECTION, Issue
from server.permits.schemas import (
    ClaimsRead,
    Details,
    MonthlyParking,
    PermitCreate,
    PermitRead,
    ReleasePass,
    RemindersRead,
    VerifyRead,
)
from server.permits.signing import Verdict, read_claims, verify
from server.permits.tables import Permit
from server.settings import Settings
from server.sites.service import site_names, site_settings, site_zone, unit_labels
from server.sites.tables import Unit
from server.syncing.collections import handlers
from server.syncing.engine import open_store
from server.syncing.store import SqlStore
from sync import Refusal, SyncEngine, Write, new_id

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


async def _unit_of_site(unit_id: int, site_id: int) -> str:
    row = (
        await Unit.select(Unit.id)
        .where((Unit.id == unit_id) & (Unit.building.site == site_id))
        .first()
    )
    if row is None:
        raise AppError("unknown_unit", 422, field="details.unit_id", unit_id=unit_id)
    return (await unit_labels({unit_id}))[unit_id]


async def subject_of(site_id: int, details: Details) -> tuple[Details, str]:
    """The details with the plate as printed, and the permit's subject: the plate, or the
    label of the unit (which must be of the site)."""
    if isinstance(details, MonthlyParking):
        details = msgspec.structs.replace(details, plate=normalise_plate(details.plate))
        return details, details.plate
    return details, await _unit_of_site(details.unit_id, site_id)


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


@asynccontextmanager
async def _store_of(settings: Settings) -> AsyncIterator[tuple[SqlStore, SyncEngine]]:
    collections = handlers(settings.data_dir)
    async with open_store(settings, collections) as store:
        yield (
            store,
            SyncEngine(store, collections, cursor_secret=settings.secrets.derive("sync-cursor")),
        )


async def _write(settings: Settings, plan: Callable[[SqlStore], Awaitable[list[Write]]]) -> None:
    """The desk's change as a server write of the `permits` collection (so phones pull it),
    planned and written in one store transaction; the rules' refusals as REST errors."""
    async with _store_of(settings) as (store, engine):
        try:
            async with store.batch():
                await engine.server_write(await plan(store))
        except Refusal as refusal:
            status = 422 if refusal.code == "invalid_args" else 409
            params: dict[str, Any] = dict(refusal.params)
            raise AppError(refusal.code, status, field=refusal.field, **params) from None


async def issue_permit(
    settings: Settings,
    permit: PermitCreate,
    issued_by: int | None = None,
    permit_id: str | None = None,
) -> PermitRead:
    """Signs and stores a new permit (also for a period already over: the desk may record
    one). A monthly permit for a space whose period overlaps another one in force is refused
    (permit_overlaps)."""
    _, zone = await site_place(permit.site_id)
    if permit.valid_to < permit.valid_from:
        raise AppError("validation_error", 422, field="valid_to", detail="ends before valid_from")
    if isinstance(permit.details, ReleasePass) and permit.valid_to != permit.valid_from:
        raise AppError(
            "validation_error", 422, field="valid_to", detail="a release pass is for one day"
        )
    details, subject = await subject_of(permit.site_id, permit.details)
    issue = Issue(
        permit_id=permit_id or new_id(),
        site_id=permit.site_id,
        zone=zone,
        valid_from=permit.valid_from,
        valid_to=permit.valid_to,
        details=details,
        subject=subject,
        issued_by=issued_by,
        now=utc_now(),
        past_allowed=True,
    )

    async def plan(store: SqlStore) -> list[Write]:
        fields = await issuing.issue_fields(store, settings.data_dir, issue)
        return [Write(collection=COLLECTION, id=issue.permit_id, fields=fields)]

    await _write(settings, plan)
    return await get_permit(issue.permit_id)


async def _row(permit_id: str) -> dict[str, Any]:
    row = await Permit.select().where(Permit.id == permit_id).first()
    if row is None:
        raise AppError("not_found", 404)
    return row


async def get_permit(permit_id: str) -> PermitRead:
    return read_of(await _row(permit_id))


async def revoke_permit(
    settings: Settings, permit_id: str, reason: str, at: datetime | None = None
) -> PermitRead:
    """注销: the permit verifies as revoked from now on (once the phones have pulled)."""
    moment = at or utc_now()
    await _row(permit_id)  # not_found when there is none

    async def plan(store: SqlStore) -> list[Write]:
        current = await store.get_record(COLLECTION, permit_id)
        assert current is not None
        fields = issuing.revoke_fields(current.fields, reason, moment)
        return [Write(collection=COLLECTION, id=permit_id, fields=fields, decided=True)]

    await _write(settings, plan)
    return await get_permit(permit_id)


async def use_pass(
    settings: Settings, permit_id: str, at: datetime | None = None, by: int | None = None
) -> PermitRead:
    """The gate takes a release pass: once only, in date, not revoked."""
    moment = at or utc_now()
    row = await _row(permit_id)
    if row["kind"] != "release_pass":
        raise AppError("not_single_use", 409)
    if row["status"] != "revoked" and moment < row["not_before"]:
        raise AppError("permit_not_yet_valid", 409)

    async def plan(store: SqlStore) -> list[Write]:
        current = await store.get_record(COLLECTION, permit_id)
        assert current is not None
        # Read in the store's transaction: of two gates at once, the second finds it used.
        fields = issuing.use_fields(current.fields, moment, by, "desk")
        return [Write(collection=COLLECTION, id=permit_id, fields=fields, decided=True)]

    await _write(settings, plan)
    return await get_permit(permit_id)


async def reminders(site_id: int, at: datetime | None = None) -> RemindersRead:
    """Monthly permits in force and not renewed whose last day is within the site's reminder
    days (the same rule as the push: notices.py)."""
    at = at or utc_now()
    days = (await site_settings(site_id)).permit_reminder_days
    rows = (
        await Permit.select()
        .where(
            (Permit.site == site_id)
            & (Permit.kind == "monthly_parking")
            & (Permit.status == "issued")
            & Permit.renewed_by.is_null()
            & (Permit.expires > at)
            & (Permit.expires <= at + timedelta(days=days + 1))
        )
        .order_by(Permit.expires)
    )
    return RemindersRead(days=days, permits=[read_of(r) for r in rows])


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
