"""Demo data for `fieldkeep seed --demo`: two sites, ~150 units (~20 vacant), one user per role,
and permits to scan."""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from server.auth import service
from server.auth.tables import AppUser
from server.permits import service as permits
from server.permits.schemas import MonthlyParking, PermitCreate, ReleasePass
from server.settings import Settings
from server.sites.tables import Building, Site, Unit


@dataclass(frozen=True)
class DemoUser:
    username: str
    display_name: str
    roles: tuple[str, ...]
    site_codes: tuple[str, ...]


SITES = (
    # (name, code, address, buildings, entrances, floors, units per floor)
    ("翠湖花园", "cuihu", "杭州市西湖区翠湖路 88 号", 3, 2, 6, 2),
    ("锦江华府", "jinjiang", "成都市锦江区华府大道 6 号", 3, 2, 7, 2),
)

USERS = (
    DemoUser("zhangwei", "张伟", ("patrol",), ("cuihu",)),
    DemoUser("liuyang", "刘洋", ("patrol",), ("cuihu", "jinjiang")),
    DemoUser("wangfang", "王芳", ("environment",), ("cuihu", "jinjiang")),
    DemoUser("chenjing", "陈静", ("cashier",), ("cuihu",)),
    DemoUser("lina", "李娜", ("supervisor",), ("cuihu", "jinjiang")),
    DemoUser("zhaolei", "赵磊", ("manager",), ("cuihu", "jinjiang")),
    DemoUser("admin", "系统管理员", ("admin",), ("cuihu", "jinjiang")),
)


async def database_is_empty() -> bool:
    return not await Site.exists() and not await AppUser.exists()


async def demo_users_present() -> list[DemoUser]:
    names = {u.username for u in USERS}
    rows = await AppUser.select(AppUser.username).where(AppUser.username.is_in(list(names)))
    found = {r["username"] for r in rows}
    return [u for u in USERS if u.username in found]


async def seed_demo(password: str, today: date | None = None) -> list[int]:
    """Creates the demo sites, buildings, units and users (call on an empty database);
    returns the site ids."""
    today = today or date.today()
    rng = random.Random(20261125)  # the same demo every time
    site_ids: dict[str, int] = {}
    for name, code, address, buildings, entrances, floors, per_floor in SITES:
        at = service.now()
        rows = await Site.insert(
            Site(name=name, code=code, address=address, created_at=at)
        ).returning(Site.id)
        site_id = site_ids[code] = rows[0]["id"]
        for b in range(1, buildings + 1):
            rows = await Building.insert(
                Building(site=site_id, name=f"{b}栋", created_at=at)
            ).returning(Building.id)
            building_id = rows[0]["id"]
            units = []
            for entrance in range(1, entrances + 1):
                for floor in range(1, floors + 1):
                    for n in range(1, per_floor + 1):
                        vacant = rng.random() < 0.15
                        units.append(
                            Unit(
                                building=building_id,
                                entrance=f"{entrance}单元",
                                number=f"{floor}{n:02d}",
                                area_m2=Decimal(
                                    rng.choice(("89.50", "105.20", "128.00", "143.60"))
                                ),
                                vacant=vacant,
                                vacant_since=today - timedelta(days=rng.randint(20, 400))
                                if vacant
                                else None,
                                patrol_interval_days=rng.choice((7, 14)),
                                created_at=at,
                            )
                        )
            await Unit.insert(*units)
    for user in USERS:
        await service.create_user(
            user.username,
            password,
            display_name=user.display_name,
            roles=list(user.roles),
            site_ids=[site_ids[c] for c in user.site_codes],
        )
    return list(site_ids.values())


async def seed_demo_permits(settings: Settings, today: date | None = None) -> list[str]:
    """翠湖花园's permits, one to scan for each answer: a monthly permit in force, one expired,
    one revoked, one whose last day is in 3 days, and an unused release pass. Returns their ids."""
    today = today or date.today()
    site = await Site.select(Site.id).where(Site.code == "cuihu").first()
    desk = await AppUser.select(AppUser.id).where(AppUser.username == "zhangwei").first()
    if site is None:
        return []
    site_id, desk_id = site["id"], desk["id"] if desk else None

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
    await permits.revoke_permit(ids[2], "车辆已转让")
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
