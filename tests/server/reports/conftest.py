"""Fixtures of the parking tests: a third client (a third person's phone)."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from server.app import create_app
from server.settings import Settings
from tests.conftest import ApiClient


@pytest.fixture
async def third_client(settings: Settings) -> AsyncIterator[ApiClient]:
    async with ApiClient(app=create_app(settings)) as c:
        yield c
