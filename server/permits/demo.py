"""Demo permits for 翠湖花园: one to scan for each answer the scanner gives."""

from __future__ import annotations

from datetime import date, timedelta

from server.auth.tables import AppUser
from server.permits import service as permits
from server.permits.schemas import MonthlyParking, PermitCreate, ReleasePass
from server.settings import Settings
from server.sites.service import site_clock
from server.sites.tables import Site, Unit


async def seed_permits(settings: Settings, today: date | None = None) -> list[str]:
    """翠湖花园's permits, one to scan for each answer: a monthly permit in force, one expired,
    one revoked, one whose last day is in 3 days, and an unused release pass. Returns their ids."""
    site = await Site.select(Site.id).where(Site.code == "cuihu").first()
    desk = await AppUser.select(AppUser.id).where(AppUser.username == "zhangwei").first()
    if site is None:
        return []
    site_id, desk_id = site["id"], desk["id"] if desk else None
    today = today or (await site_clock(site_id)).today()

    def monthly(plate: str, space: str, first: int, last: int, fee_fen: int) -> PermitCreate:
        return PermitCreate(
            site_id=site_id,
            valid_from=today + timedelta(days=first),
            valid_to=today + timedelta(days=last),
            details=MonthlyParking(
                plate=plate, space=space, vehicle_class="small", fee_fen=fee_fen
            ),
        )

    ids = []
    for create in (
        monthly("浙A·D12345", "B2-017", -10, 20, 30_000),
        monthly("浙A·88B61", "B2-021", -70, -40, 30_000),
        monthly("浙A·Q7M20", "B2-033", -5, 25, 30_000),
        monthly("浙A·F31688", "B2-046", -27, 3, 35_000),
    ):
        ids.append((await permits.issue_permit(settings, create, issued_by=desk_id)).id)
    await permits.revoke_permit(settings, ids[2], "车辆已转让")
    unit = await Unit.select(Unit.id).where(Unit.building.site == site_id).order_by(Unit.id).first()
    if unit is not None:
        release = PermitCreate(
            site_id=site_id,
            valid_from=today,
            valid_to=today,
            details=ReleasePass(unit_id=unit["id"], items=["旧沙发一张", "纸箱 4 个"]),
        )
        ids.append((await permits.issue_permit(settings, release, issued_by=desk_id)).id)
    return ids
