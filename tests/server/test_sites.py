"""Sites, buildings and units: admins write, members read their own sites, others see nothing."""

from datetime import UTC, datetime
from typing import Any

import pytest

from server.sites.tables import Building, Site, Unit
from tests.conftest import ApiClient, make_user


async def two_sites() -> dict[str, Any]:
    at = datetime(2026, 1, 1, tzinfo=UTC)
    ids: dict[str, Any] = {}
    for code, name in (("north", "北苑"), ("south", "南苑")):
        site = (await Site.insert(Site(name=name, code=code, created_at=at)).returning(Site.id))[0]
        b = (
            await Building.insert(Building(site=site["id"], name="1栋", created_at=at)).returning(
                Building.id
            )
        )[0]
        u = (
            await Unit.insert(
                Unit(building=b["id"], number="101", vacant=True, created_at=at)
            ).returning(Unit.id)
        )[0]
        ids[code] = {"site": site["id"], "building": b["id"], "unit": u["id"]}
    return ids


async def test_admin_creates_a_site_building_and_unit(client: ApiClient) -> None:
    await make_user("root", ["admin"])
    await client.sign_in("root")
    site = await client.post("/api/sites", json={"name": "翠湖花园", "code": "cuihu"})
    assert site.status_code == 201, site.text
    site_id = site.json()["id"]
    b = await client.post(f"/api/sites/{site_id}/buildings", json={"name": "3栋"})
    assert b.status_code == 201
    u = await client.post(
        f"/api/buildings/{b.json()['id']}/units",
        json={
            "number": "1202",
            "entrance": "2单元",
            "area_m2": 89.5,
            "vacant": True,
            "vacant_since": "2026-03-01",
            "patrol_interval_days": 14,
        },
    )
    assert u.status_code == 201, u.text
    unit = u.json()
    assert unit["building_name"] == "3栋"
    assert unit["area_m2"] == 89.5
    assert unit["vacant_since"] == "2026-03-01"
    patched = await client.patch(f"/api/units/{unit['id']}", json={"vacant": False})
    assert patched.json()["vacant"] is False
    assert patched.json()["number"] == "1202"
    listed = await client.get(f"/api/sites/{site_id}/units", params={"vacant": "false"})
    assert [x["number"] for x in listed.json()] == ["1202"]


async def test_duplicate_site_code_is_a_409_naming_the_field(client: ApiClient) -> None:
    await make_user("root", ["admin"])
    await client.sign_in("root")
    await client.post("/api/sites", json={"name": "A", "code": "a"})
    r = await client.post("/api/sites", json={"name": "B", "code": "a"})
    assert r.status_code == 409
    assert r.json()["error"]["field"] == "code"


async def test_member_sees_only_own_sites(client: ApiClient) -> None:
    ids = await two_sites()
    await make_user("zhang", ["patrol"], [ids["north"]["site"]])
    await client.sign_in("zhang")
    r = await client.get("/api/sites")
    assert [s["code"] for s in r.json()] == ["north"]
    me = await client.get("/api/auth/me")
    assert [s["code"] for s in me.json()["user"]["sites"]] == ["north"]


async def test_members_lists_active_users_of_the_site_with_roles(client: ApiClient) -> None:
    from server.auth import service

    ids = await two_sites()
    north = ids["north"]["site"]
    await make_user("zhang", ["patrol"], [north])
    await make_user("li", ["supervisor", "patrol"], [north])
    await make_user("gone", ["patrol"], [north])
    await make_user("south_only", ["patrol"], [ids["south"]["site"]])
    gone = await service.authenticate("gone", "correct horse 42")
    assert gone is not None
    await service.set_active(gone, False)
    await client.sign_in("zhang")
    r = await client.get(f"/api/sites/{north}/members")
    assert [(m["username"], m["roles"]) for m in r.json()] == [
        ("li", ["patrol", "supervisor"]),
        ("zhang", ["patrol"]),
    ]


READ_OTHER_SITE = [
    "/api/sites/{south}/members",
    "/api/sites/{south}",
    "/api/sites/{south}/buildings",
    "/api/sites/{south}/units",
]


@pytest.mark.parametrize("path", READ_OTHER_SITE)
async def test_another_sites_data_is_404_never_data(client: ApiClient, path: str) -> None:
    ids = await two_sites()
    await make_user("zhang", ["patrol", "supervisor", "manager"], [ids["north"]["site"]])
    await client.sign_in("zhang")
    own = await client.get(path.format(south=ids["north"]["site"]))
    assert own.status_code == 200
    other = await client.get(path.format(south=ids["south"]["site"]))
    assert other.status_code == 404
    assert other.json()["error"]["code"] == "not_found"


def admin_writes(ids: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    n = ids["north"]
    return [
        ("POST", "/api/sites", {"name": "新项目", "code": "new"}),
        ("PATCH", f"/api/sites/{n['site']}", {"name": "改名"}),
        ("POST", f"/api/sites/{n['site']}/buildings", {"name": "9栋"}),
        ("PATCH", f"/api/buildings/{n['building']}", {"name": "9栋"}),
        ("POST", f"/api/buildings/{n['building']}/units", {"number": "909"}),
        ("PATCH", f"/api/units/{n['unit']}", {"vacant": False}),
    ]


@pytest.mark.parametrize("role", ["patrol", "environment", "cashier", "supervisor", "manager"])
async def test_only_admins_write_master_data(client: ApiClient, role: str) -> None:
    ids = await two_sites()
    await make_user("someone", [role], [ids["north"]["site"]])
    await client.sign_in("someone")
    for method, path, body in admin_writes(ids):
        r = await client.request(method, path, json=body)
        assert r.status_code == 403, (method, path, r.text)
        assert r.json()["error"]["code"] == "forbidden"
    assert await Site.count() == 2
    assert (await Unit.select(Unit.vacant).where(Unit.id == ids["north"]["unit"]).first())["vacant"]


async def test_every_sites_endpoint_needs_a_session(client: ApiClient) -> None:
    ids = await two_sites()
    await client.prepare_csrf()
    reads = [p.format(south=ids["south"]["site"]) for p in READ_OTHER_SITE] + ["/api/sites"]
    for path in reads:
        r = await client.get(path)
        assert r.status_code == 401, path
    for method, path, body in admin_writes(ids):
        r = await client.request(method, path, json=body)
        assert r.status_code == 401, (method, path)


async def test_admin_writes_to_missing_records_are_404(client: ApiClient) -> None:
    await make_user("root", ["admin"])
    await client.sign_in("root")
    for method, path, body in [
        ("PATCH", "/api/sites/999", {"name": "x"}),
        ("POST", "/api/sites/999/buildings", {"name": "x"}),
        ("PATCH", "/api/buildings/999", {"name": "x"}),
        ("POST", "/api/buildings/999/units", {"number": "1"}),
        ("PATCH", "/api/units/999", {"vacant": True}),
    ]:
        r = await client.request(method, path, json=body)
        assert r.status_code == 404, (method, path, r.text)
