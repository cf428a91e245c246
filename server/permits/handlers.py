"""The `permits` collection, plugged into the sync engine: what phones pull (each permit of
their sites with its QR text and status, so a phone knows the revocations and used passes
offline) and the intents that change it.

Records are made and changed only by intents, never upserted by a device:
`permits.issue` and `permits.renew` (a new permit for a new period, same holder; the old one
then names its renewal) by the customer-service desk (`patrol`), supervisors and admins;
`permits.revoke` (注销, with a reason) by the same; `permits.use` by anyone of the site at the
gate: a release pass is taken once. The first use to reach the server wins; a later use of
the same pass from another phone is kept as a finding for the supervisor (the guard there
already let the goods out), a repeat from the same phone is refused `pass_already_used`.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

import msgspec

from server.errors import AppError
from server.permits import issuing
from server.permits.issuing import COLLECTION, Issue, iso
from server.permits.schemas import (
    Details,
    MonthlyParking,
    PermitIssueArgs,
    PermitRenewArgs,
    PermitRevokeArgs,
    PermitUseArgs,
)
from server.syncing.handler_kit import Services, SiteHandler, decode_args, in_site, live
from sync import MutationContext, Refusal, StoredRecord, Write

# 客服专员 (the app's `patrol` role) issues, renews and revokes (DOMAIN.md), as do their
# supervisors and the admins.
ARGS: dict[str, type[Any]] = {
    "issue": PermitIssueArgs,
    "renew": PermitRenewArgs,
    "revoke": PermitRevokeArgs,
    "use": PermitUseArgs,
}
# A scan time from a phone may be late (offline), not in the future.
CLOCK_SLACK = timedelta(minutes=5)


class PermitsHandler(SiteHandler):
    collection = COLLECTION
    intents = frozenset(ARGS)

    def __init__(self, services: Services) -> None:
        self._services = services

    async def check_upsert(
        self,
        ctx: MutationContext,
        record_id: str,
        args: Mapping[str, Any],
        current: StoredRecord | None,
    ) -> Mapping[str, Any]:
        raise Refusal("forbidden", "permits change only through permits.issue/renew/revoke/use")

    async def check_delete(self, ctx: MutationContext, current: StoredRecord | None) -> None:
        raise Refusal("forbidden", "permits are never deleted; revoke them")

    async def apply(
        self,
        ctx: MutationContext,
        intent: str,
        args: Mapping[str, Any],
        current: StoredRecord | None,
    ) -> Sequence[Write]:
        given = decode_args(args, ARGS[intent])
        now = datetime.fromtimestamp(ctx.now_ms / 1000, UTC)
        actor_id = int(ctx.actor.user_id)
        if isinstance(given, PermitUseArgs):
            return await self._use(ctx, given, now, actor_id)
        if isinstance(given, PermitRevokeArgs):
            permit = await live(ctx, COLLECTION, given.permit_id, "permit_id")
            fields = issuing.revoke_fields(permit.fields, given.reason, now)
            return [Write(collection=COLLECTION, id=given.permit_id, fields=fields, decided=True)]
        if await ctx.get(COLLECTION, given.id) is not None:
            raise Refusal("invalid_args", "a permit with this id exists", "id")
        if isinstance(given, PermitIssueArgs):
            in_site(ctx, given.site_id)
            issue = await self._issue_of(given, now, actor_id)
            fields = await issuing.issue_fields(ctx.store, self._data_dir(), issue)
            return [Write(collection=COLLECTION, id=given.id, fields=fields)]
        assert isinstance(given, PermitRenewArgs)
        old = await live(ctx, COLLECTION, given.permit_id, "permit_id")
        f = old.fields
        if f["status"] == "revoked":
            raise Refusal("permit_revoked", "a revoked permit is not renewed", "permit_id")
        details = msgspec.convert(f["details"], Details)
        if isinstance(details, MonthlyParking) and given.fee_fen is not None:
            details = msgspec.structs.replace(details, fee_fen=given.fee_fen)
        site = await self._services.site_settings(f["site_id"])
        zone = site.clock.zone
        first = given.valid_from or (
            datetime.fromtimestamp(f["expires"], UTC).astimezone(zone).date()
        )
        issue = Issue(
            permit_id=given.id,
            site_id=f["site_id"],
            zone=zone,
            valid_from=first,
            valid_to=given.valid_to,
            details=details,
            subject=f["subject"],
            issued_by=actor_id,
            now=now,
            renews=given.permit_id,
        )
        fields = await issuing.issue_fields(ctx.store, self._data_dir(), issue)
        return [
            Write(collection=COLLECTION, id=given.id, fields=fields),
            Write(
                collection=COLLECTION,
                id=given.permit_id,
                fields={"renewed_by": given.id},
                decided=True,
            ),
        ]

    async def _issue_of(self, given: PermitIssueArgs, now: datetime, actor_id: int) -> Issue:
        # Imported here: service.py imports this domain's Piccolo tables and sites' service.
        from server.permits.service import subject_of

        site = await self._services.site_settings(given.site_id)
        try:
            details, subject = await subject_of(given.site_id, given.details)
        except AppError as exc:  # a plate we cannot read, a unit of another site
            if exc.code not in ("plate_invalid", "unknown_unit"):
                raise
            where = "details.plate" if exc.code == "plate_invalid" else "details.unit_id"
            raise Refusal("invalid_args", f"{where}: {exc.code}", "details") from None
        return Issue(
            permit_id=given.id,
            site_id=given.site_id,
            zone=site.clock.zone,
            valid_from=given.valid_from,
            valid_to=given.valid_to,
            details=details,
            subject=subject,
            issued_by=actor_id,
            now=now,
        )

    async def _use(
        self, ctx: MutationContext, given: PermitUseArgs, now: datetime, actor_id: int
    ) -> Sequence[Write]:
        permit = await live(ctx, COLLECTION, given.permit_id, "permit_id")
        at = now if given.scanned_at is None else min(given.scanned_at, now + CLOCK_SLACK)
        f = permit.fields
        if f.get("used_at") is not None and f.get("used_device") not in (None, ctx.device_id):
            # The guard at this phone let the goods out offline: what happened is kept, as a
            # finding for the supervisor, rather than refused and lost.
            return [_reuse_finding(ctx, f, given.permit_id, at, actor_id)]
        fields = issuing.use_fields(f, at, actor_id, ctx.device_id)
        return [Write(collection=COLLECTION, id=given.permit_id, fields=fields, decided=True)]

    def _data_dir(self) -> Any:
        if self._services.data_dir is None:
            raise RuntimeError("the permits handler needs the data folder (signing keys)")
        return self._services.data_dir


def _reuse_finding(
    ctx: MutationContext, permit: Mapping[str, Any], permit_id: str, at: datetime, by: int
) -> Write:
    """A finding of the site: this pass was taken at the gate a second time."""
    finding_id = str(uuid.uuid5(uuid.NAMESPACE_URL, f"permit-reuse/{ctx.mutation_id}"))
    first = permit.get("used_at") or ""
    return Write(
        collection="findings",
        id=finding_id,
        fields={
            "site_id": permit["site_id"],
            "unit_id": permit.get("unit_id"),
            "location": permit["subject"],
            "category": "other",
            "description": (
                f"物品放行条 No. {permit['serial']:06d} 重复使用：首次 {first}，再次 {iso(at)}"
                f" / Release pass No. {permit['serial']:06d} used again: first {first},"
                f" again {iso(at)}"
            ),
            "status": "open",
            "fix_note": "",
            "assignee_id": None,
            "due_date": None,
            "permit_id": permit_id,
            "created_by": by,
            "created_at": iso(at),
        },
    )
