"""Demo data for `fieldkeep seed --demo`: two sites, ~150 units (~20 vacant), one user per role,
and each domain's own demo data; at 翠湖花园 also keys, patrols and findings made through the
sync engine by the demo users' phones."""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from server.auth import service
from server.auth.tables import AppUser
from server.findings.demo import seed_findings
from server.keys.demo import seed_keys
from server.parking.demo import seed_parking, seed_shifts
from server.patrols.checklist import ensure_default_template
from server.patrols.demo import seed_patrols
from server.settings import Settings
from server.sites.service import SiteClock, zone_named
from server.sites.tables import DEFAULT_TIMEZONE, Building, Site, Unit
from server.syncing.demo import demo_devices, demo_site
from server.syncing.engine import open_engine
from server.vendors.demo import seed_inspections, seed_vendors


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
    # A second cashier at 翠湖花园: the next shift, who confirms the hand-over on her own phone.
    DemoUser("sunli", "孙丽", ("cashier",), ("cuihu",)),
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
    today = today or SiteClock(zone_named(DEFAULT_TIMEZONE)).today()  # the demo sites' zone
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
    await seed_parking(site_ids)
    await seed_vendors(site_ids["cuihu"], today)
    return list(site_ids.values())


async def seed_synced(settings: Settings, site_ids: list[int], *, records: bool = True) -> None:
    """Each site's first checklist, then (unless `records` is false) 翠湖花园's keys, patrols,
    findings, parking shifts and vendor inspections, pushed by the demo users' phones at moments
    before now (after `seed_demo`)."""
    async with open_engine(settings) as engine:
        for site_id in site_ids:
            await ensure_default_template(engine, site_id)
    if not records:
        return
    site = await demo_site("cuihu")
    async with demo_devices(settings) as devices:
        await seed_keys(devices.phones("keys"), site, settings.data_dir)
        await seed_patrols(devices.phones("patrols"), site)
        await seed_findings(devices.phones("findings"), site, settings)
        await seed_shifts(devices.phones("parking"), site)
        await seed_inspections(devices.phones("vendors"), site, settings)
