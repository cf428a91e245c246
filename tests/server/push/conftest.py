"""Push tests run the real app against a push-service stand-in on 127.0.0.1, allowed (with
plain http) by setting; the sender polls fast so a test waits fractions of a second."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path

import pytest

from server.settings import Settings
from tests.conftest import empty_all_tables
from tests.server.push.helpers import push_env
from tests.server.push.push_service import PushServiceStandIn


@pytest.fixture
def push_service() -> Iterator[PushServiceStandIn]:
    stand_in = PushServiceStandIn()
    stand_in.start()
    yield stand_in
    stand_in.stop()


@pytest.fixture
def settings(database_url: str, tmp_path: Path, push_service: PushServiceStandIn) -> Settings:
    """Overrides the suite's settings: the stand-in is an allowed push service here."""
    asyncio.run(empty_all_tables(database_url))
    return Settings.from_env(push_env(database_url, tmp_path / "data", push_service))
