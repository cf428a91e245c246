"""Tests here marked `postgres` need PostgreSQL's row-level concurrency (two pushes inside their
transactions at once): they run under --db postgres and are deselected (not skipped) under
--db sqlite, as in tests/server/syncing."""

from __future__ import annotations

from pathlib import Path

import pytest

HERE = Path(__file__).parent


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
