"""The built PWA at `/`: SPA fallback, year-long caching of hashed assets, shell never cached."""

from pathlib import Path

import pytest

from server.app import create_app
from server.settings import Settings
from tests.conftest import ApiClient


@pytest.fixture
async def pwa_client(settings: Settings) -> ApiClient:
    root = settings.server.pwa_dir
    (root / "assets").mkdir(parents=True)
    (root / "index.html").write_text("<!doctype html><title>shell</title>", encoding="utf-8")
    (root / "sw.js").write_text("self.addEventListener('fetch', () => {})")
    (root / "manifest.webmanifest").write_text('{"name": "Fieldkeep"}')
    (root / "assets" / "index-3f9a1c.js").write_text("console.log(1)")
    (root / "icons").mkdir()
    (root / "icons" / "icon-192.png").write_bytes(b"\x89PNG\r\n\x1a\n")
    (settings.data_dir / "outside.txt").write_text("secret")
    async with ApiClient(app=create_app(settings)) as c:
        yield c


async def test_root_serves_the_shell_uncached(pwa_client: ApiClient) -> None:
    r = await pwa_client.get("/")
    assert r.status_code == 200
    assert "shell" in r.text
    assert r.headers["cache-control"] == "no-cache"


async def test_unknown_app_paths_fall_back_to_the_shell(pwa_client: ApiClient) -> None:
    r = await pwa_client.get("/findings/123/edit")
    assert r.status_code == 200
    assert "shell" in r.text
    assert r.headers["content-type"].startswith("text/html")


async def test_hashed_assets_are_immutable_for_a_year(pwa_client: ApiClient) -> None:
    r = await pwa_client.get("/assets/index-3f9a1c.js")
    assert r.status_code == 200
    assert r.headers["cache-control"] == "public, max-age=31536000, immutable"
    assert "javascript" in r.headers["content-type"]


@pytest.mark.parametrize("name", ["sw.js", "manifest.webmanifest", "index.html"])
async def test_service_worker_manifest_and_index_are_never_cached(
    pwa_client: ApiClient, name: str
) -> None:
    r = await pwa_client.get(f"/{name}")
    assert r.status_code == 200
    assert r.headers["cache-control"] == "no-cache"


async def test_manifest_has_its_media_type(pwa_client: ApiClient) -> None:
    r = await pwa_client.get("/manifest.webmanifest")
    assert r.headers["content-type"].startswith("application/manifest+json")


async def test_path_traversal_gets_the_shell_not_the_file(pwa_client: ApiClient) -> None:
    for path in (
        "/../data/outside.txt",
        "/%2e%2e/%2e%2e/data/outside.txt",
        "/..%2F..%2Fetc%2Fpasswd",
    ):
        r = await pwa_client.get(path)
        assert "secret" not in r.text
        assert "root:" not in r.text


async def test_without_a_build_a_placeholder_page_says_how_to_build(
    settings: Settings, tmp_path: Path
) -> None:
    async with ApiClient(app=create_app(settings)) as c:
        r = await c.get("/")
    assert r.status_code == 200
    assert "make run" in r.text
