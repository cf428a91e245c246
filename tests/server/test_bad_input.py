"""A client's mistake gets a 4xx with a stable code and a readable message, never a 500."""

from pathlib import Path

import pytest
from litestar import get

from server import access
from server.app import create_app
from server.settings import Settings
from tests.conftest import ApiClient, make_user
from tests.server.sync_device import Device, make_site, new_finding


async def signed_in_admin(client: ApiClient) -> None:
    await make_user("root", ["admin"])
    await client.sign_in("root")


async def test_malformed_json_is_400_malformed_json(client: ApiClient) -> None:
    await client.prepare_csrf()
    r = await client.post(
        "/api/auth/login",
        content=b'{"username": "a", ',
        headers={"Content-Type": "application/json"},
    )
    assert r.status_code == 400, r.text
    assert r.json()["error"]["code"] in ("malformed_json", "bad_request")
    assert r.json()["error"]["message"]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"username": 5, "password": "x"}, "username"),
        ({"username": "a"}, "password"),
        ({"username": "", "password": "x"}, "username"),
        ({"username": "a", "password": "x", "admin": True}, "admin"),
    ],
)
async def test_validation_errors_name_the_bad_field(
    client: ApiClient, body: dict[str, object], field: str
) -> None:
    await client.prepare_csrf()
    r = await client.post("/api/auth/login", json=body)
    assert r.status_code == 400, r.text
    error = r.json()["error"]
    assert error["code"] == "validation_error"
    assert error["field"] == field
    assert field in error["message"]


@pytest.mark.parametrize(
    "body",
    [
        {"name": "x" * 101, "code": "ok"},
        {"name": "ok", "code": "has space"},
        {"name": ["list"], "code": "ok"},
        {"name": "ok", "code": "ok", "timezone": 7},
        [],
        "just a string",
        None,
    ],
)
async def test_hostile_site_bodies_are_4xx(client: ApiClient, body: object) -> None:
    await signed_in_admin(client)
    r = await client.post("/api/sites", json=body)
    assert 400 <= r.status_code < 500, r.text
    assert r.json()["error"]["code"]


async def test_unit_with_impossible_values_is_refused(client: ApiClient) -> None:
    await signed_in_admin(client)
    site = (await client.post("/api/sites", json={"name": "A", "code": "a"})).json()
    b = (await client.post(f"/api/sites/{site['id']}/buildings", json={"name": "1栋"})).json()
    for body in (
        {"number": "1", "patrol_interval_days": 0},
        {"number": "1", "area_m2": -3},
        {"number": "1", "vacant_since": "not a date"},
        {"number": ""},
    ):
        r = await client.post(f"/api/buildings/{b['id']}/units", json=body)
        assert r.status_code == 400, (body, r.text)
        assert r.json()["error"]["code"] == "validation_error"


async def test_oversized_body_is_413_payload_too_large(client: ApiClient) -> None:
    await client.prepare_csrf()
    big = b'{"username": "' + b"a" * 2_000_000 + b'", "password": "x"}'
    r = await client.post(
        "/api/auth/login", content=big, headers={"Content-Type": "application/json"}
    )
    assert r.status_code == 413
    assert r.json()["error"]["code"] == "payload_too_large"


async def test_unknown_api_route_is_a_json_404(client: ApiClient) -> None:
    r = await client.get("/api/no/such/thing")
    assert r.status_code == 404
    assert r.json()["error"]["code"] == "not_found"


async def test_wrong_method_is_405(client: ApiClient) -> None:
    await client.prepare_csrf()
    r = await client.delete("/api/health")
    assert r.status_code == 405
    assert r.json()["error"]["code"] == "method_not_allowed"


async def test_non_numeric_path_id_is_4xx(client: ApiClient) -> None:
    await signed_in_admin(client)
    r = await client.get("/api/sites/abc")
    assert 400 <= r.status_code < 500


async def test_server_error_shows_only_a_request_id(
    settings: Settings, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A new route needs its row in the access table, like any other.
    monkeypatch.setitem(access.ROUTES, "GET /api/boom", access.PUBLIC)

    @get("/api/boom", sync_to_thread=False)
    def boom() -> None:
        raise RuntimeError("secret internals: password=hunter2")

    app = create_app(settings)
    app.register(boom)
    async with ApiClient(app=app) as c:
        r = await c.get("/api/boom", headers={"Accept-Language": "en"})
    assert r.status_code == 500
    error = r.json()["error"]
    assert error["code"] == "internal_error"
    assert error["request_id"] in error["message"]
    assert "hunter2" not in r.text
    assert any(error["request_id"] in rec.getMessage() for rec in caplog.records)


def test_openapi_schema_is_served(settings: Settings, tmp_path: Path) -> None:
    from litestar.testing import TestClient

    with TestClient(app=create_app(settings)) as c:
        r = c.get("/schema/openapi.json")
    assert r.status_code == 200
    assert "/api/auth/login" in r.json()["paths"]


async def test_a_nul_character_refuses_its_mutation_alone(client: ApiClient) -> None:
    """PostgreSQL stores no NUL in text: the mutation carrying one is refused by itself, and
    the batch's others are applied (a failed batch would wedge the phone's outbox)."""
    site = await make_site("north")
    await make_user("zhang", ["patrol"], [site])
    await client.sign_in("zhang")
    phone = Device(client)
    r = await phone.push(
        phone.mutation("findings.upsert", new_finding(site, description="门锁\x00损坏")),
        phone.mutation("findings.upsert", new_finding(site, description="门锁损坏")),
    )
    assert r.status_code == 200, r.text
    refused, applied = r.json()["results"]
    assert (refused["status"], refused["error"]["code"]) == ("rejected", "invalid_args")
    assert refused["error"]["field"] == "description"
    assert applied["status"] == "applied"
    assert r.json()["applied_through"] == 2


async def test_a_nul_character_in_a_rest_body_is_400_on_postgresql(
    client: ApiClient, settings: Settings
) -> None:
    """PostgreSQL stores no NUL in text: the value is the client's mistake (400), not a 500.
    SQLite stores it as sent."""
    await make_user("root", ["admin"])
    await client.sign_in("root")
    r = await client.post("/api/sites", json={"name": "翠湖\x00花园", "code": "cuihu"})
    if settings.database.is_sqlite:
        assert r.status_code == 201, r.text
        assert r.json()["name"] == "翠湖\x00花园"
    else:
        assert r.status_code == 400, r.text
        assert r.json()["error"]["code"] == "validation_error"
