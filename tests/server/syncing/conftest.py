"""A site and a patrol's device for the sync tests. Tests here marked `postgres` need
PostgreSQL's row-level concurrency (several transactions open at once): they run under
--db postgres, where a missing server fails them, and are deselected (not skipped) under
--db sqlite."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import ApiClient, make_user
from tests.server.sync_device import Device, make_site

HERE = Path(__file__).parent


@pytest.fixture
async def north(client: ApiClient) -> int:
    return await make_site("north")


@pytest.fixture
async def patrol(client: ApiClient, north: int) -> Device:
    await make_user("zhang", ["patrol"], [north])
    await client.sign_in("zhang")
    return Device(client)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if config.getoption("--db") == "postgres":
        return
    dropped = [
        item
        for item in items
        if item.get_closest_marker("postgres") and Path(str(item.fspath)).parent == HERE
    ]
    if dropped:
        config.hook.pytest_deselected(items=dropped)
        items[:] = [item for item in items if item not in dropped]
