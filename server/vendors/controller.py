"""REST for vendors' master data: admins and managers write; a site's members read its vendors,
contracts and zones; another site's are answered as if they did not exist (404)."""

from __future__ import annotations

import re
from typing import Annotated, Any

from litestar import Controller, Response, get, patch, post
from litestar.di import Provide
from litestar.params import QueryParameter

from server.auth.guards import (
    check_site_access,
    provide_current_user,
)
from server.auth.service import CurrentUser
from server.errors import AppError
from server.media.service import media_storage
from server.media.storage import StorageUnavailable
from server.openapi import PDF, XLSX, Id, OptionalId, files, refusals
from server.printing import FontMissing
from server.settings import Settings
from server.vendors import evaluation, statement
from server.vendors import service as vendors
from server.vendors.schemas import (
    ContractCreate,
    ContractRead,
    EvaluationRead,
    Service,
    TemplateVersionCreate,
    TemplateVersionRead,
    VendorCreate,
    VendorRead,
    VendorUpdate,
    ZoneCreate,
    ZoneRead,
)

WRITERS = ("admin", "manager")
MONTH = re.compile(r"\d{4}-(0[1-9]|1[0-2])")
ServiceParam = Annotated[Service, QueryParameter(name="service")]


def _visible_sites(user: CurrentUser) -> frozenset[int] | None:
    """The sites whose contracts the user sees; None: all of them (admins)."""
    return None if "admin" in user.roles else user.site_ids


def _month(month: str) -> str:
    if not MONTH.fullmatch(month):
        raise AppError("validation_error", 400, field="month", detail="YYYY-MM")
    return month


def _found(version: TemplateVersionRead | None) -> TemplateVersionRead:
    if version is None:
        raise AppError("not_found", 404)
    return version


class VendorsController(Controller):
    path = "/api/vendors"
    dependencies = {"user": Provide(provide_current_user)}  # noqa: RUF012

    @get("/")
    async def list_vendors(self, user: CurrentUser, site_id: OptionalId = None) -> list[VendorRead]:
        """A site's vendors with the contract in force there; without a site, every vendor for
        admins and managers (they choose whom to contract), else those of the user's sites."""
        if site_id is not None:
            return await vendors.list_vendors([site_id], contracted_only=True)
        return await vendors.list_vendors(
            _visible_sites(user), contracted_only=not user.has_any_role(*WRITERS)
        )

    @post("/", responses=refusals(409))
    async def create_vendor(self, data: VendorCreate) -> VendorRead:
        return await vendors.create_vendor(data)

    @get("/{vendor_id:int}")
    async def get_vendor(self, vendor_id: Id, user: CurrentUser) -> VendorRead:
        return await self._vendor(vendor_id, user)

    @patch("/{vendor_id:int}", responses=refusals(409))
    async def update_vendor(
        self, vendor_id: Id, data: VendorUpdate, user: CurrentUser
    ) -> VendorRead:
        await self._vendor(vendor_id, user)
        await vendors.update_vendor(vendor_id, data)
        return await self._vendor(vendor_id, user)

    @get("/{vendor_id:int}/contracts")
    async def list_contracts(self, vendor_id: Id, user: CurrentUser) -> list[ContractRead]:
        await self._vendor(vendor_id, user)
        return await vendors.list_contracts(vendor_id, _visible_sites(user))

    @post("/{vendor_id:int}/contracts", responses=refusals(409))
    async def create_contract(
        self, vendor_id: Id, data: ContractCreate, user: CurrentUser
    ) -> ContractRead:
        for site_id in data.site_ids:
            check_site_access(user, site_id)
        await self._vendor(vendor_id, user)
        return await vendors.create_contract(vendor_id, data)

    @get(
        "/{vendor_id:int}/evaluations/{month:str}",
        operation_class=files(answers=(PDF, XLSX)),
        responses=refusals(503),
    )
    async def evaluation(
        self, vendor_id: Id, month: str, user: CurrentUser, settings: Settings
    ) -> Response[Any]:
        """The vendor's evaluation of a month: `YYYY-MM` as JSON, `YYYY-MM.pdf` the A4 statement,
        `YYYY-MM.xlsx` the same as a workbook."""
        name, _, kind = month.partition(".")
        if kind not in ("", "pdf", "xlsx"):
            raise AppError("not_found", 404)
        # The statement is in zh-CN whoever asks; the JSON in the reader's language.
        language = user.language if kind == "" else "zh-CN"
        found = await self._evaluation(
            vendor_id, _month(name), user, language, with_items=kind != ""
        )
        filename = f"vendor-{vendor_id}-{name}.{kind}"
        if kind == "pdf":
            try:
                pdf = await statement.pdf(found, media_storage(settings))
            except FontMissing:
                raise AppError("font_missing", 503) from None
            except StorageUnavailable:  # the photo store (S3) is down: try again later
                raise AppError("service_unavailable", 503) from None
            return Response(
                pdf,
                media_type=PDF,
                headers={"Content-Disposition": f'inline; filename="{filename}"'},
            )
        if kind == "xlsx":
            return Response(
                await statement.xlsx(found),
                media_type=XLSX,
                headers={"Content-Disposition": f'attachment; filename="{filename}"'},
            )
        return Response(found)

    @post(
        "/{vendor_id:int}/evaluations/{month:str}/sign-off",
        status_code=200,
        responses=refusals(409),
    )
    async def sign_off(self, vendor_id: Id, month: str, user: CurrentUser) -> EvaluationRead:
        """The manager signs the month off: locked from now on (`evaluation_locked`)."""
        month = _month(month)
        await self._evaluation(vendor_id, month, user)
        await evaluation.sign_off(vendor_id, month, user.id, user.display_name)
        return await self._evaluation(vendor_id, month, user)

    async def _evaluation(
        self,
        vendor_id: int,
        month: str,
        user: CurrentUser,
        language: str | None = None,
        *,
        with_items: bool = False,
    ) -> EvaluationRead:
        """Managers and admins read every vendor's; members of a contract site read theirs."""
        if not user.has_any_role(*WRITERS):
            await self._vendor(vendor_id, user)
        found = await evaluation.evaluate(
            vendor_id, month, language or user.language, with_items=with_items
        )
        if not user.has_any_role(*WRITERS) and not user.site_ids & set(found.site_ids):
            raise AppError("not_found", 404)
        return found

    @get("/zones")
    async def list_zones(self, site_id: Id, user: CurrentUser) -> list[ZoneRead]:
        return await vendors.list_zones(site_id)

    @post("/zones", responses=refusals(404, 409))
    async def create_zone(self, data: ZoneCreate, user: CurrentUser) -> ZoneRead:
        check_site_access(user, data.site_id)
        return await vendors.create_zone(data)

    @get("/templates")
    async def current_template(self, service: ServiceParam) -> TemplateVersionRead:
        """The version of the service's template that new inspections use."""
        return _found(await vendors.current_template_version(service))

    @get("/templates/versions")
    async def template_versions(self, service: ServiceParam) -> list[TemplateVersionRead]:
        return await vendors.list_template_versions(service)

    @get("/templates/versions/{version_id:int}")
    async def template_version(self, version_id: Id) -> TemplateVersionRead:
        """Any version, retired or not: an inspection shows the version it was made with."""
        return _found(await vendors.template_version(version_id))

    @post("/templates", responses=refusals(409))
    async def create_template_version(
        self, data: TemplateVersionCreate, user: CurrentUser
    ) -> TemplateVersionRead:
        return await vendors.create_template_version(data, created_by=user.id)

    async def _vendor(self, vendor_id: int, user: CurrentUser) -> VendorRead:
        """The vendor, if the user may see it: admins and managers see every vendor; others
        those with a contract on one of their sites."""
        found = await vendors.list_vendors(
            _visible_sites(user),
            contracted_only=not user.has_any_role(*WRITERS),
            vendor_id=vendor_id,
        )
        if not found:
            raise AppError("not_found", 404)
        return found[0]
