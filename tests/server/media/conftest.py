"""Fixtures for the media tests: two sites, their people, a way to upload, and the photo store.

The store is the data folder's disk unless a test asks for both: `@both_stores` runs it once on
disk and once on a bucket of a real S3-protocol server (moto's, started once per run).
"""

from __future__ import annotations

import dataclasses
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from server.media.config import MediaSettings
from server.media.service import file_name, media_storage
from server.settings import Settings
from tests.conftest import ApiClient, make_user
from tests.server.media.corpus import sha
from tests.server.media.s3_server import S3Server, running_s3_server
from tests.server.sync_device import make_site

both_stores = pytest.mark.parametrize("media_env", ["disk", "s3"], indirect=True)


@pytest.fixture(scope="session")
def s3_server() -> Iterator[S3Server]:
    with running_s3_server() as server:
        yield server


@pytest.fixture
def media_env(request: pytest.FixtureRequest) -> dict[str, str]:
    """The FIELDKEEP_* variables of the test's photo store: none for the disk, a new bucket's
    for S3."""
    if getattr(request, "param", "disk") == "disk":
        return {}
    server: S3Server = request.getfixturevalue("s3_server")
    return server.env(server.new_bucket())


@pytest.fixture
def settings(settings: Settings, media_env: dict[str, str]) -> Settings:
    return dataclasses.replace(settings, media=MediaSettings.from_env(media_env))


def stored_names(settings: Settings) -> list[str]:
    """The files the configured store holds, by name."""
    return sorted(media_storage(settings).names())


def stored_bytes(settings: Settings, name: str) -> bytes:
    data = media_storage(settings).get(name)
    assert data is not None, name
    return data


def stored_size(settings: Settings, sha256: str, thumb: bool = False) -> int | None:
    return media_storage(settings).size(file_name(sha256, thumb))


async def put_photo(client: ApiClient, data: bytes, name: str | None = None) -> Any:
    # The Content-Type says JPEG whatever the bytes are: the server must not believe it.
    return await client.put(
        f"/api/media/{name or sha(data)}", content=data, headers={"Content-Type": "image/jpeg"}
    )


def new_finding(site_id: int, **fields: Any) -> dict[str, Any]:
    """The arguments of a findings.upsert that creates a finding (photos go in `photos`)."""
    return {
        "id": str(uuid.uuid4()),
        "site_id": site_id,
        "category": "patrol",
        "description": "墙面渗水",
        **fields,
    }


def stored_files(settings: Settings) -> list[Path]:
    """The disk store's files as they lie in the folder (for what only a disk shows: mtimes)."""
    root = settings.data_dir / "media"
    return sorted(p for p in root.rglob("*") if p.is_file()) if root.exists() else []


@pytest.fixture
async def sites(client: ApiClient) -> dict[str, int]:
    return {"north": await make_site("north"), "south": await make_site("south")}


@pytest.fixture
async def people(sites: dict[str, int]) -> dict[str, int]:
    """zhang and li work at north, wang at south."""
    return {
        "zhang": await make_user("zhang", ["patrol"], [sites["north"]]),
        "li": await make_user("li", ["supervisor"], [sites["north"]]),
        "wang": await make_user("wang", ["patrol"], [sites["south"]]),
    }


@pytest.fixture
async def zhang(client: ApiClient, sites: dict[str, int]) -> ApiClient:
    """zhang of north, signed in (the only account: uploads need no more)."""
    await make_user("zhang", ["patrol"], [sites["north"]])
    r = await client.sign_in("zhang")
    assert r.status_code == 200, r.text
    return client
