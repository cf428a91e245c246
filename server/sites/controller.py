"""Sites, buildings and units: members read their own sites; admins create and update."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import msgspec
from litestar import Controller, Request, Response, get, patch, post
from litestar.di import Provide
from piccolo.columns import Column

from server.auth.guards import (
    provide_current_user,
)
from server.auth.service import CurrentUser, now
from server.auth.tables import UserRole
from server.errors import AppError
from server.i18n import language_of
from server.openapi import CSV, Id, files, refusals
from server.patrols.checklist import ensure_default_template
from server.sites import units_csv
from server.sites.schemas import (
    BuildingCreate,
    BuildingRead,
    BuildingUpdate,
    MemberRead,
    SiteCreate,
    SiteRead,
    SiteUpdate,
    UnitCreate,
    UnitImportRead,
    UnitRead,
    UnitUpdate,
)
from server.sites.service import ACTIVE_MEMBER, is_known_zone, site_clock
from server.sites.tables import Building, Site, SiteMember, Unit


def _site_read(row: dict[str, Any]) -> SiteRead:
    return SiteRead(
        id=row["id"],
        name=row["name"],
        code=row["code"],
        address=row["address"],
        timezone=row["timezone"],
    )


def _unit_read(row: dict[str, Any]) -> UnitRead:
    area = row["area_m2"]
    return UnitRead(
        id=row["id"],
        building_id=row["building"],
        building_name=row["building.name"],
        entrance=row["entrance"],
        number=row["number"],
        area_m2=float(area) if area is not None else None,
        vacant=row["vacant"],
        vacant_since=row["vacant_since"],
        patrol_interval_days=row["patrol_interval_days"],
    )


def _changes(data: msgspec.Struct) -> dict[Column | str, Any]:
    """Only the fields the caller sent (None means 'not given' in update bodies)."""
    values = {f: getattr(data, f) for f in data.__struct_fields__}
    return {k: v for k, v in values.items() if v is not None}


async def _site_of_building(building_id: int) -> int:
    row = await Building.select(Building.site).where(Building.id == building_id).first()
    if row is None:
        raise AppError("not_found", 404)
    return int(row["site"])


async def _unique_site_fields(data: SiteCreate | SiteUpdate, site_id: int | None = None) -> None:
    if data.timezone is not None and not is_known_zone(data.timezone):
        raise AppError("validation_error", 400, field="timezone", detail=data.timezone)
    for column, value in ((Site.name, data.name), (Site.code, getattr(data, "code", None))):
        if value is None:
            continue
        query = Site.exists().where(column == value)
        if site_id is not None:
            query = query.where(Site.id != site_id)
        if await query:
            raise AppError("conflict", 409, field=column._meta.name, detail=value)


UNIT_COLUMNS = (
    Unit.id,
    Unit.building,
    Unit.building.name,
    Unit.entrance,
    Unit.number,
    Unit.area_m2,
    Unit.vacant,
    Unit.vacant_since,
    Unit.patrol_interval_days,
)


class SitesController(Controller):
    path = "/api"
    dependencies = {"user": Provide(provide_current_user)}  # noqa: RUF012

    @get("/sites")
    async def list_sites(self, user: CurrentUser) -> list[SiteRead]:
        query = Site.select().order_by(Site.id)
        if "admin" not in user.roles:
            if not user.site_ids:
                return []
            query = query.where(Site.id.is_in(list(user.site_ids)))
        return [_site_read(r) for r in await query]

    @get("/sites/{site_id:int}")
    async def get_site(self, site_id: Id, user: CurrentUser) -> SiteRead:
        row = await Site.select().where(Site.id == site_id).first()
        if row is None:
            raise AppError("not_found", 404)
        return _site_read(row)

    @post("/sites", responses=refusals(409))
    async def create_site(self, request: Request[Any, Any, Any], data: SiteCreate) -> SiteRead:
        await _unique_site_fields(data)
        rows = await Site.insert(Site(**msgspec.structs.asdict(data), created_at=now())).returning(
            *Site.all_columns()
        )
        await ensure_default_template(request.app.state.sync_engine, rows[0]["id"])
        return _site_read(rows[0])

    @patch("/sites/{site_id:int}", responses=refusals(409))
    async def update_site(self, site_id: Id, data: SiteUpdate) -> SiteRead:
        await _unique_site_fields(data, site_id)
        changes = _changes(data)
        if changes:
            await Site.update(changes).where(Site.id == site_id)
        row = await Site.select().where(Site.id == site_id).first()
        if row is None:
            raise AppError("not_found", 404)
        return _site_read(row)

    @get("/sites/{site_id:int}/members")
    async def list_members(self, site_id: Id, user: CurrentUser) -> list[MemberRead]:
        """Active members of a site, for choosing an assignee or a key holder."""
        rows = await (
            SiteMember.select(
                SiteMember.user.id, SiteMember.user.username, SiteMember.user.display_name
            )
            .where((SiteMember.site == site_id) & ACTIVE_MEMBER)
            .order_by(SiteMember.user.username)
        )
        roles = await UserRole.select(UserRole.user, UserRole.role).where(
            UserRole.user.is_in([r["user.id"] for r in rows] or [0])
        )
        return [
            MemberRead(
                id=r["user.id"],
                username=r["user.username"],
                display_name=r["user.display_name"],
                roles=sorted(x["role"] for x in roles if x["user"] == r["user.id"]),
            )
            for r in rows
        ]

    @get("/sites/{site_id:int}/buildings")
    async def list_buildings(self, site_id: Id, user: CurrentUser) -> list[BuildingRead]:
        rows = await Building.select().where(Building.site == site_id).order_by(Building.id)
        return [BuildingRead(id=r["id"], site_id=r["site"], name=r["name"]) for r in rows]

    @post("/sites/{site_id:int}/buildings")
    async def create_building(self, site_id: Id, data: BuildingCreate) -> BuildingRead:
        if not await Site.exists().where(Site.id == site_id):
            raise AppError("unknown_site", 404, site_id=site_id)
        rows = await Building.insert(
            Building(site=site_id, name=data.name, created_at=now())
        ).returning(Building.id)
        return BuildingRead(id=rows[0]["id"], site_id=site_id, name=data.name)

    @patch("/buildings/{building_id:int}")
    async def update_building(self, building_id: Id, data: BuildingUpdate) -> BuildingRead:
        site_id = await _site_of_building(building_id)
        await Building.update({Building.name: data.name}).where(Building.id == building_id)
        return BuildingRead(id=building_id, site_id=site_id, name=data.name)

    @get("/sites/{site_id:int}/units")
    async def list_units(
        self, site_id: Id, user: CurrentUser, vacant: bool | None = None
    ) -> list[UnitRead]:
        query = (
            Unit.select(*UNIT_COLUMNS)
            .where(Unit.building.site == site_id)
            .order_by(Unit.building)
            .order_by(Unit.entrance)
            .order_by(Unit.number)
        )
        if vacant is not None:
            query = query.where(Unit.vacant == vacant)
        return [_unit_read(r) for r in await query]

    @post("/buildings/{building_id:int}/units")
    async def create_unit(self, building_id: Id, data: UnitCreate) -> UnitRead:
        await _site_of_building(building_id)
        values = msgspec.structs.asdict(data)
        if values["area_m2"] is not None:
            values["area_m2"] = Decimal(str(values["area_m2"]))
        rows = await Unit.insert(Unit(building=building_id, created_at=now(), **values)).returning(
            Unit.id
        )
        return await self._unit(rows[0]["id"])

    @patch("/units/{unit_id:int}")
    async def update_unit(self, unit_id: Id, data: UnitUpdate) -> UnitRead:
        await self._unit(unit_id)
        changes = _changes(data)
        if "area_m2" in changes:
            changes["area_m2"] = Decimal(str(changes["area_m2"]))
        if changes:
            await Unit.update(changes).where(Unit.id == unit_id)
        return await self._unit(unit_id)

    @get(
        "/sites/{site_id:int}/units.csv",
        media_type=CSV,
    )
    async def export_units(
        self, request: Request[Any, Any, Any], site_id: Id, user: CurrentUser
    ) -> Response[bytes]:
        """The site's units as CSV, headers and statuses in the caller's language."""
        rows = await (
            Unit.select(*UNIT_COLUMNS)
            .where(Unit.building.site == site_id)
            .order_by(Unit.building)
            .order_by(Unit.entrance)
            .order_by(Unit.number)
        )
        return Response(
            units_csv.export(
                rows, language_of(user.language, request.headers.get("accept-language"))
            ),
            media_type=CSV,
            headers={"Content-Disposition": 'attachment; filename="units.csv"'},
        )

    @post(
        "/sites/{site_id:int}/units/import",
        status_code=200,
        request_max_body_size=2 * 1024 * 1024,
        operation_class=files(body=(CSV,)),
        responses=refusals(422),
    )
    async def import_units(
        self, site_id: Id, request: Request[Any, Any, Any], dry_run: bool = False
    ) -> UnitImportRead:
        """Units from a CSV body (楼栋, 单元, 房号, 面积, 状态; UTF-8 or GBK). With dry_run, a
        preview; otherwise every row or, on any row error, none (422 with the errors)."""
        if not await Site.exists().where(Site.id == site_id):
            raise AppError("unknown_site", 404, site_id=site_id)
        existing_rows = await Unit.select(Unit.building.name, Unit.entrance, Unit.number).where(
            Unit.building.site == site_id
        )
        existing = {(r["building.name"], r["entrance"], r["number"]) for r in existing_rows}
        parsed = units_csv.parse(await request.body(), existing)
        if parsed.missing_columns:
            raise AppError(
                "csv_missing_columns",
                400,
                field="header",
                columns="、".join(parsed.missing_columns),
            )
        buildings = {
            r["name"]: r["id"]
            for r in await Building.select(Building.id, Building.name).where(
                Building.site == site_id
            )
        }
        new_buildings = sorted({r.building for r in parsed.rows} - set(buildings))
        result = UnitImportRead(
            encoding=parsed.encoding,
            rows=len(parsed.rows),
            new_buildings=new_buildings,
            errors=parsed.errors,
            imported=0,
        )
        if dry_run:
            return result
        if parsed.errors:
            raise AppError(
                "csv_invalid", 422, extra={"errors": parsed.errors}, count=len(parsed.errors)
            )
        today = (await site_clock(site_id)).today()
        async with Unit._meta.db.transaction():
            at = now()
            for name in new_buildings:
                rows = await Building.insert(
                    Building(site=site_id, name=name, created_at=at)
                ).returning(Building.id)
                buildings[name] = rows[0]["id"]
            if parsed.rows:
                await Unit.insert(
                    *(
                        Unit(
                            building=buildings[r.building],
                            entrance=r.entrance,
                            number=r.number,
                            area_m2=r.area_m2,
                            vacant=r.vacant,
                            vacant_since=today if r.vacant else None,
                            created_at=at,
                        )
                        for r in parsed.rows
                    )
                )
        result.imported = len(parsed.rows)
        return result

    async def _unit(self, unit_id: int) -> UnitRead:
        row = await Unit.select(*UNIT_COLUMNS).where(Unit.id == unit_id).first()
        if row is None:
            raise AppError("not_found", 404)
        return _unit_read(row)
