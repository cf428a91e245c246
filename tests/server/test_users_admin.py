"""Admins keep users, roles and sites; a user keeps their own language."""

from __future__ import annotations

import pytest

from tests.conftest import ApiClient, make_user
from tests.server.sync_device import make_site


@pytest.fixture
async def admin(client: ApiClient) -> ApiClient:
    await make_user("root", ["admin"])
    await client.sign_in("root")
    return client


async def test_admin_creates_a_user_who_can_sign_in(
    admin: ApiClient, another_client: ApiClient
) -> None:
    site = await make_site("north")
    r = await admin.post(
        "/api/users",
        json={
            "username": "wu",
            "display_name": "吴敏",
            "password": "a long password",
            "roles": ["patrol", "cashier"],
            "site_ids": [site],
        },
    )
    assert r.status_code == 201, r.text
    assert (r.json()["roles"], r.json()["site_ids"]) == (["cashier", "patrol"], [site])
    signed = await another_client.sign_in("wu", "a long password")
    assert signed.json()["user"]["display_name"] == "吴敏"
    listed = await admin.get("/api/users")
    assert [u["username"] for u in listed.json()] == ["root", "wu"]


async def test_changing_roles_and_sites_takes_effect_and_disabling_ends_sessions(
    admin: ApiClient, another_client: ApiClient
) -> None:
    north, south = await make_site("north"), await make_site("south")
    user_id = await make_user("wu", ["patrol"], [north])
    await another_client.sign_in("wu")
    r = await admin.patch(
        f"/api/users/{user_id}", json={"roles": ["supervisor"], "site_ids": [south]}
    )
    assert r.status_code == 200
    me = (await another_client.get("/api/auth/me")).json()["user"]
    assert (me["roles"], [s["id"] for s in me["sites"]]) == (["supervisor"], [south])
    await admin.patch(f"/api/users/{user_id}", json={"active": False})
    assert (await another_client.get("/api/auth/me")).status_code == 401


@pytest.mark.parametrize(
    ("body", "status", "field"),
    [
        (
            {"username": "Bad Name", "display_name": "x", "password": "long enough", "roles": []},
            400,
            "username",
        ),
        (
            {"username": "ok", "display_name": "x", "password": "short", "roles": []},
            400,
            "password",
        ),
        (
            {"username": "ok", "display_name": "x", "password": "long enough", "roles": ["king"]},
            400,
            "roles[0]",
        ),
        (
            {
                "username": "ok",
                "display_name": "x",
                "password": "long enough",
                "roles": [],
                "site_ids": [999],
            },
            422,
            "site_ids",
        ),
        (
            {"username": "root", "display_name": "x", "password": "long enough", "roles": []},
            409,
            "username",
        ),
    ],
)
async def test_bad_user_bodies_are_refused_naming_the_field(
    admin: ApiClient, body: dict[str, object], status: int, field: str
) -> None:
    r = await admin.post("/api/users", json=body)
    assert r.status_code == status, r.text
    assert r.json()["error"]["field"].startswith(field.split("[")[0])


async def test_only_admins_manage_users(client: ApiClient) -> None:
    await make_user("boss", ["supervisor", "manager"])
    await client.sign_in("boss")
    assert (await client.get("/api/users")).status_code == 403
    r = await client.post(
        "/api/users",
        json={"username": "x", "display_name": "x", "password": "long enough", "roles": []},
    )
    assert r.status_code == 403


async def test_a_user_sets_their_own_language(client: ApiClient) -> None:
    await make_user("zhang", ["patrol"])
    await client.sign_in("zhang")
    r = await client.patch("/api/auth/me", json={"language": "en"})
    assert r.json()["user"]["language"] == "en"
    assert (await client.get("/api/auth/me")).json()["user"]["language"] == "en"
    bad = await client.patch("/api/auth/me", json={"language": "fr"})
    assert bad.status_code == 400
