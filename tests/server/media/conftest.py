"""Fixtures for the media tests: two sites, their people, and a way to upload."""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import Any

import pytest

from server.media.service import file_name
from server.media.storage import LocalDiskStorage
from server.settings import Settings
from tests.conftest import ApiClient, make_user
from tests.server.media.corpus import sha
from tests.server.sync_device import make_site


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
    root = settings.data_dir / "media"
    return sorted(p for p in root.rglob("*") if p.is_file()) if root.exists() else []


def path_of(settings: Settings, sha256: str, thumb: bool = False) -> Path:
    return LocalDiskStorage(settings.data_dir / "media").path_of(file_name(sha256, thumb))


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
