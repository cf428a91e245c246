"""Schemathesis against the app's own OpenAPI (/schema/openapi.json), signed in as each role and
signed out, on the seeded demo world: no answer is a 5xx, and every answer is what the schema
says (a documented status code, its content type, a body that fits its schema)."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from typing import Any

import hypothesis
import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given
from hypothesis import strategies as st
from piccolo.table import Table
from schemathesis.checks import not_a_server_error
from schemathesis.core.failures import FailureGroup
from schemathesis.generation import GenerationMode
from schemathesis.python import asgi
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from server.app import create_app
from server.auth import service
from server.auth.tables import AppUser
from server.csrf import CSRF_COOKIE, SESSION_COOKIE
from server.demo import seed_demo, seed_synced
from server.media.tables import Media
from server.openapi import MAX_ID
from server.parking.tables import ExemptionReason, Gate
from server.permits.tables import Permit
from server.reports.catalog import REPORTS
from server.settings import Settings
from server.sites.tables import Building, Site, Unit
from server.syncing.tables import SyncRecord
from server.vendors.tables import TemplateVersion, Vendor
from tests.conftest import PASSWORD, ApiClient, make_user, site_today

# One demo user per role (server/demo.py); None: signed out.
IDENTITIES: dict[str, str | None] = {
    "patrol": "zhangwei",
    "environment": "wangfang",
    "cashier": "chenjing",
    "supervisor": "lina",
    "manager": "zhaolei",
    "admin": "admin",
    "signed out": None,
}
# Examples per operation (a fixed seed: a run repeats): the admin reaches every route, the other
# roles mostly their own and refusals, signed out only refusals. About 1,700 requests in all.
EXAMPLES = {"admin": 6, "signed out": 2}
OTHER_ROLES_EXAMPLES = 3
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
]


async def _real_values() -> dict[str, list[Any]]:
    """Values of seeded records by parameter name, so that paths hit real records too (the users
    the fuzz signs in as are left out: an admin's fuzzed PATCH would change their roles)."""

    async def ids(table: type[Table], column: str = "id") -> list[Any]:
        return [r[column] for r in await table.select(getattr(table, column))]

    async def records(collection: str) -> list[str]:
        rows = await SyncRecord.select(SyncRecord.record_id).where(
            SyncRecord.collection == collection
        )
        return [r["record_id"] for r in rows]

    others = AppUser.select(AppUser.id).where(
        AppUser.username.not_in([u for u in IDENTITIES.values() if u])
    )
    sites = await ids(Site)
    return {
        "site_id": sites,
        "building_id": await ids(Building),
        "unit_id": (await ids(Unit))[:20],
        "user_id": [r["id"] for r in await others],
        "key_id": await records("keys"),
        "finding_id": await records("findings"),
        "shift_id": await records("parking_shifts"),
        "gate_id": await ids(Gate),
        "reason_id": await ids(ExemptionReason),
        "vendor_id": await ids(Vendor),
        "version_id": await ids(TemplateVersion),
        "sha256": await ids(Media, "sha256") or ["0" * 64],
        "month": [site_today().strftime("%Y-%m")],
        "/api/reports/{name} name": list(REPORTS),
        "/api/permits/{name} name": [f"{i}.pdf" for i in await ids(Permit)],
    }


@pytest.fixture
def world(settings: Settings) -> Iterator[tuple[Any, dict[str, list[Any]]]]:
    async def seed() -> dict[str, list[Any]]:
        await seed_synced(settings, await seed_demo(PASSWORD))
        return await _real_values()

    real = asyncio.run(seed())
    app = create_app(settings)
    yield app, real
    asgi.shutdown_lifespans()


def _session_headers(app: Any, username: str | None) -> dict[str, str]:
    """A new session as the PWA holds it: the session cookie, the CSRF cookie bound to it and
    the same token in X-CSRF-Token."""

    async def start() -> str | None:
        if username is None:
            return None
        row = await AppUser.select(AppUser.id).where(AppUser.username == username).first()
        assert row is not None
        return await service.start_session(row["id"], "fuzz")

    token = asyncio.run(start())
    csrf = app.state.csrf.new_token(token)
    cookie = f"{CSRF_COOKIE}={csrf}" + (f"; {SESSION_COOKIE}={token}" if token else "")
    return {"Cookie": cookie, "X-CSRF-Token": csrf}


def _fuzz(
    operation: Any,
    app: Any,
    username: str | None,
    real: dict[str, list[Any]],
    sessions: dict[str | None, dict[str, str]],
    examples: int,
) -> None:
    modes = [
        operation.as_strategy(generation_mode=GenerationMode.POSITIVE),
        operation.as_strategy(generation_mode=GenerationMode.NEGATIVE),
    ]

    @hypothesis.settings(
        max_examples=examples,
        derandomize=True,
        database=None,
        deadline=None,
        phases=[Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    @given(case=st.one_of(modes), data=st.data())
    def run(case: Any, data: st.DataObject) -> None:
        for where in (case.path_parameters, case.query):
            for name in list(where or ()):
                values = real.get(f"{operation.path} {name}") or real.get(name)
                if values and data.draw(st.booleans()):
                    where[name] = data.draw(st.sampled_from(values))
        headers = sessions.get(username) or sessions.setdefault(
            username, _session_headers(app, username)
        )
        response = case.call(headers=headers)
        if response.status_code == 401 or operation.path == "/api/auth/logout":
            sessions.pop(username, None)  # a fuzzed sign-out or password change ended it
        case.validate_response(response, checks=CHECKS)

    run()


def _described(exc: BaseException) -> str:
    if isinstance(exc, FailureGroup):
        return "; ".join(f"{f.title}: {f.message}"[:600] for f in exc.exceptions)
    return f"{type(exc).__name__}: {str(exc)[:600]}"


def test_every_operation_answers_as_its_schema_says(
    world: tuple[Any, dict[str, list[Any]]],
) -> None:
    app, real = world
    schema = schemathesis.openapi.from_asgi("/schema/openapi.json", app)
    failures: list[str] = []
    sessions: dict[str | None, dict[str, str]] = {}
    operations = [result.ok() for result in schema.get_all_operations()]
    for operation in operations:
        for role, username in IDENTITIES.items():
            try:
                examples = EXAMPLES.get(role, OTHER_ROLES_EXAMPLES)
                _fuzz(operation, app, username, real, sessions, examples)
            except (Exception, FailureGroup) as exc:
                failures.append(f"{operation.label} as {role}: {_described(exc)}")
    assert not failures, f"{len(failures)} failures:\n" + "\n\n".join(failures)


def test_every_integer_parameter_fits_the_database(settings: Settings) -> None:
    """An id beyond the database's integer range is a bad parameter (400), never a query that
    fails (it was a 500: GET /api/sites/2547002829398314844160/keys/out)."""
    schema = create_app(settings).openapi_schema.to_schema()
    unbounded = [
        f"{method.upper()} {path} {parameter['name']}"
        for path, item in schema["paths"].items()
        for method, operation in item.items()
        for parameter in operation.get("parameters", [])
        if "integer" in str(parameter["schema"])
        and parameter["schema"].get("maximum") is None
        and parameter["name"] != "limit"
    ]
    assert unbounded == []


async def test_an_id_too_large_for_the_database_is_a_bad_parameter(client: ApiClient) -> None:
    await make_user("boss", ["admin"])
    await client.sign_in("boss")
    for path in ("/api/sites/2547002829398314844160/keys/out", f"/api/sites/{MAX_ID + 1}"):
        r = await client.get(path)
        assert r.status_code == 400
        assert r.json()["error"]["code"] == "validation_error"
        assert r.json()["error"]["field"] == "site_id"
    assert (await client.get(f"/api/sites/{MAX_ID}")).status_code == 404
