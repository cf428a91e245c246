"""Every response carries the security headers; HSTS only when the public address is https."""

from dataclasses import replace

from server.app import create_app
from server.security_headers import APP_POLICY, SCHEMA_POLICY
from server.settings import Settings
from tests.conftest import ApiClient


async def test_every_kind_of_response_carries_the_headers(client: ApiClient) -> None:
    answers = [
        await client.get("/api/health"),
        await client.get("/"),
        await client.get("/api/no-such-thing"),
        await client.post("/api/auth/logout"),  # refused: no CSRF token
    ]
    assert [r.status_code for r in answers] == [200, 200, 404, 403]
    for r in answers:
        assert r.headers["content-security-policy"] == APP_POLICY
        assert r.headers["x-frame-options"] == "DENY"
        assert r.headers["referrer-policy"] == "same-origin"
        assert r.headers["x-content-type-options"] == "nosniff"
        assert "strict-transport-security" not in r.headers


def test_the_policy_lets_the_pwa_work_and_nothing_else_in() -> None:
    directives = dict(d.split(" ", 1) for d in APP_POLICY.split("; "))
    assert directives["frame-ancestors"] == "'none'"
    assert directives["connect-src"] == "'self'"
    assert directives["script-src"] == "'self' 'wasm-unsafe-eval'"  # the ZXing QR reader
    assert "blob:" in directives["img-src"]  # photo previews
    assert directives["worker-src"] == "'self'"
    assert "'unsafe-inline'" not in APP_POLICY


async def test_the_api_explorer_gets_the_policy_its_page_needs(client: ApiClient) -> None:
    r = await client.get("/schema/swagger")
    assert r.status_code == 200
    assert r.headers["content-security-policy"] == SCHEMA_POLICY
    assert "frame-ancestors 'none'" in SCHEMA_POLICY


async def test_https_public_address_adds_hsts(settings: Settings) -> None:
    https = replace(
        settings, server=replace(settings.server, public_base_url="https://fk.example.cn")
    )
    async with ApiClient(app=create_app(https)) as c:
        r = await c.get("/api/health")
    assert r.headers["strict-transport-security"].startswith("max-age=31536000")
