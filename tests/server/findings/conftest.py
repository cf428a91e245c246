"""The findings tests' site and crew (shared by the state machine and history tests)."""

from __future__ import annotations

import pytest

from tests.conftest import ApiClient, make_user
from tests.server.findings.test_state_machine import Crew
from tests.server.sync_device import make_site


@pytest.fixture
async def north(client: ApiClient) -> int:
    return await make_site("north")


@pytest.fixture
async def crew(client: ApiClient, north: int) -> Crew:
    """zhang reports, li fixes, env (environment role) and boss (supervisor) assign and verify,
    wang is another patrol."""
    ids = {
        "zhang": await make_user("zhang", ["patrol"], [north]),
        "li": await make_user("li", ["patrol"], [north]),
        "wang": await make_user("wang", ["patrol"], [north]),
        "env": await make_user("env", ["environment"], [north]),
        "boss": await make_user("boss", ["supervisor"], [north]),
    }
    return Crew(client, ids)
