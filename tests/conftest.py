"""Shared fixtures: a real database (SQLite file, or a fresh PostgreSQL database with --db
postgres), migrated once per run and emptied before each test, and a client of the real app."""

from __future__ import annotations

import asyncio
import os
import secrets
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from datetime import date
from pathlib import Path
from typing import Any

import asyncpg
import httpx
import pytest
from argon2 import PasswordHasher, profiles
from litestar.testing import AsyncTestClient

from server import db
from server.app import create_app
from server.auth import service
from server.settings import Settings
from server.sites.service import SiteClock, zone_named

POSTGRES_ADMIN_URL = os.environ.get(
    "FIELDKEEP_TEST_POSTGRES", "postgresql://postgres@127.0.0.1:5432/postgres"
)
PASSWORD = "correct horse 42"


def site_today() -> date:
    """Today on a test site's calendar (sites are made in the default zone), never the
    machine's date: the two differ for hours of every day."""
    return SiteClock(zone_named(None)).today()


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--db",
        choices=("sqlite", "postgres"),
        default=os.environ.get("FIELDKEEP_TEST_DB", "sqlite"),
        help="which database the suite runs against",
    )


async def _create_postgres_database(name: str) -> str:
    try:
        conn = await asyncpg.connect(POSTGRES_ADMIN_URL, timeout=10)
    except (OSError, asyncpg.PostgresError) as exc:
        raise RuntimeError(
            f"PostgreSQL is not reachable at {POSTGRES_ADMIN_URL} ({exc}); "
            "start it (make test does) — the PostgreSQL suite never skips"
        ) from exc
    try:
        await conn.execute(f'CREATE DATABASE "{name}"')
    finally:
        await conn.close()
    return POSTGRES_ADMIN_URL.rsplit("/", 1)[0] + "/" + name


async def _drop_postgres_database(name: str) -> None:
    conn = await asyncpg.connect(POSTGRES_ADMIN_URL, timeout=10)
    try:
        await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await conn.close()


@pytest.fixture(scope="session", autouse=True)
def production_password_hasher() -> Iterator[PasswordHasher]:
    """The suite signs in thousands of times: argon2 runs with the profile argon2-cffi keeps
    for tests (`profiles.CHEAPEST`; still real argon2, and a production hash still verifies,
    its cost being in the hash). Yields the production hasher, whose cost test_auth asserts;
    the browser tests' server processes use production's."""
    production = service.password_hasher
    service.password_hasher = PasswordHasher.from_parameters(profiles.CHEAPEST)
    yield production
    service.password_hasher = production


@pytest.fixture(scope="session")
def database_url(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[str]:
    """One migrated database for the whole run; PostgreSQL's is created fresh and dropped after."""
    kind = request.config.getoption("--db")
    if kind == "sqlite":
        url = f"sqlite:///{tmp_path_factory.mktemp('db') / 'test.sqlite3'}"
        asyncio.run(db.migrate(db.engine_from_url(url)))
        yield url
        return
    name = f"fieldkeep_test_{os.getpid()}_{secrets.token_hex(3)}"
    url = asyncio.run(_create_postgres_database(name))
    try:
        asyncio.run(db.migrate(db.engine_from_url(url)))
        yield url
    finally:
        asyncio.run(_drop_postgres_database(name))


async def empty_all_tables(url: str) -> None:
    engine = db.engine_from_url(url)
    db.configure(engine)
    tables = [t for t in db.all_tables() if t._meta.tablename != "migration"]
    names = ", ".join(t._meta.tablename for t in tables)
    if url.startswith("sqlite"):
        await engine._run_in_new_connection("PRAGMA foreign_keys = OFF")
        for t in tables:
            await engine._run_in_new_connection(f"DELETE FROM {t._meta.tablename}")
    else:
        await engine._run_in_new_connection(f"TRUNCATE {names} RESTART IDENTITY CASCADE")


@pytest.fixture
def settings(database_url: str, tmp_path: Path) -> Settings:
    asyncio.run(empty_all_tables(database_url))
    return Settings.from_env(
        {
            "FIELDKEEP_DATA_DIR": str(tmp_path / "data"),
            "FIELDKEEP_DATABASE_URL": database_url,
            "FIELDKEEP_PWA_DIR": str(tmp_path / "pwa"),
            # The test client runs the app on its own event loop while tests seed data from
            # theirs: a pool would be shared across both loops.
            "FIELDKEEP_DATABASE_POOL": "0",
        }
    )


class ApiClient(AsyncTestClient):  # type: ignore[type-arg]
    """The real app over ASGI, with the CSRF header sent like the PWA sends it."""

    async def sign_in(self, username: str, password: str = PASSWORD, **kwargs: Any) -> Any:
        await self.prepare_csrf()
        r = await self.post(
            "/api/auth/login", json={"username": username, "password": password}, **kwargs
        )
        # The CSRF token is bound to the session: a sign-in brings a new one, as in the PWA.
        await self.prepare_csrf()
        return r

    async def prepare_csrf(self) -> None:
        token = (await self.get("/api/auth/csrf")).json()["csrf_token"]
        self.headers["X-CSRF-Token"] = token


@pytest.fixture
async def client(settings: Settings) -> AsyncIterator[ApiClient]:
    async with ApiClient(app=create_app(settings)) as c:
        yield c


@pytest.fixture
async def another_client(settings: Settings) -> AsyncIterator[ApiClient]:
    """A second device: its own cookies, the same server."""
    async with ApiClient(app=create_app(settings)) as c:
        yield c


@asynccontextmanager
async def concurrent_client(settings: Settings) -> AsyncIterator[httpx.AsyncClient]:
    """The app on the test's own event loop, so requests really run at the same time (the
    test client hands each request to another loop and waits for it). Without lifespan: for
    routes that need only the database. CSRF is prepared like `ApiClient.prepare_csrf`."""
    transport = httpx.ASGITransport(app=create_app(settings))
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as c:
        token = (await c.get("/api/auth/csrf")).json()["csrf_token"]
        c.headers["X-CSRF-Token"] = token
        yield c


async def make_user(
    username: str,
    roles: list[str],
    site_ids: list[int] | None = None,
    password: str = PASSWORD,
) -> int:
    return await service.create_user(
        username, password, display_name=username.title(), roles=roles, site_ids=site_ids
    )
