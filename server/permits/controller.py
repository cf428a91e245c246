"""HTTP: the sites' public keys, the permits of a site with their QR text, a permit's printable
PDF, and the desk's verification of a scanned QR."""

from __future__ import annotations

from litestar import Controller, Response, get, post
from litestar.di import Provide

from server.auth.guards import check_site_access, provide_current_user
from server.auth.service import CurrentUser
from server.errors import AppError
from server.openapi import PDF, Id, refusals
from server.permits import keys, service
from server.permits.document import render_permit
from server.permits.schemas import (
    KeySetRead,
    PermitRead,
    PublicKeyRead,
    RemindersRead,
    VerifyRead,
    VerifyRequest,
)
from server.permits.signing import ALG
from server.printing import FontMissing

# Whoever may see a permit's QR text can print a genuine copy: only the desk that issues them.
ISSUERS = ("patrol", "supervisor", "manager", "admin")


def _sites_of(user: CurrentUser) -> frozenset[int] | None:
    """None: every site (an admin)."""
    return None if "admin" in user.roles else user.site_ids


class PermitsController(Controller):
    path = "/api/permits"
    dependencies = {"user": Provide(provide_current_user)}  # noqa: RUF012

    @get("/keys")
    async def public_keys(self, user: CurrentUser) -> KeySetRead:
        """The keys that verify the permits of the caller's sites. Public keys are no secret,
        but a phone should trust only its own sites' keys: a key vouches for one site."""
        found = await keys.verification_keys(_sites_of(user))
        return KeySetRead(
            keys=[
                PublicKeyRead(kid=k.kid, alg=ALG, jwk=dict(k.jwk), site_id=k.site_id) for k in found
            ]
        )

    @get("")
    async def list_permits(self, user: CurrentUser, site_id: Id) -> list[PermitRead]:
        """The site's permits, newest first, with their QR text and status."""
        return await service.list_permits(site_id)

    @get("/reminders")
    async def reminders(self, user: CurrentUser, site_id: Id) -> RemindersRead:
        """Monthly permits about to end (the site's reminder days): the renter is to be told."""
        return await service.reminders(site_id)

    @get(
        "/{name:str}",
        media_type=PDF,
        responses=refusals(503),
    )
    async def permit_pdf(self, user: CurrentUser, name: str) -> Response[bytes]:
        """GET /api/permits/<id>.pdf: the permit to print (A6)."""
        permit_id = name.removesuffix(".pdf")
        if permit_id == name:
            raise AppError("not_found", 404)
        permit = await service.get_permit(permit_id)
        check_site_access(user, permit.site_id)
        site_name, zone = await service.site_place(permit.site_id)
        try:
            pdf = render_permit(permit, site_name, zone)
        except FontMissing:
            raise AppError("font_missing", 503) from None
        return Response(
            pdf,
            media_type=PDF,
            headers={"Content-Disposition": f'inline; filename="permit-{permit.serial:06d}.pdf"'},
        )

    @post("/verify", status_code=200)
    async def verify(self, user: CurrentUser, data: VerifyRequest) -> VerifyRead:
        """Is this QR a genuine permit of one of the caller's sites, in date, not revoked and
        not used? Verifying does not use a pass up."""
        return await service.verify_qr(data.qr, _sites_of(user))


ROUTES = [PermitsController]
