"""The access matrix, generated from the app's route table and the sync handlers' intents and
checked against server/access.py: every role (and nobody signed in) × every route × own site /
another site, and every role × every intent. A route or intent without a row fails here."""

from __future__ import annotations

import uuid
from typing import Any

from litestar.routes import HTTPRoute

from server.access import (
    NOBODY,
    ROLES,
    ROUTES,
    SYNC,
    Rule,
    Site,
    SyncAccess,
    route_key,
)
from server.app import create_app
from server.settings import Settings
from server.syncing.collections import handlers
from sync import Actor
from tests.conftest import ApiClient, make_user
from tests.server.sync_device import Device, make_site, new_finding

POLICY_REFUSAL = "your role may not send"
NOT_SITE_SCOPED = (None,)


def app_routes(settings: Settings) -> list[str]:
    app = create_app(settings)
    return sorted(
        route_key(method, route.path_format)
        for route in app.routes
        if isinstance(route, HTTPRoute)
        for method in route.route_handler_map
        if method != "OPTIONS"
    )


def app_intents() -> list[tuple[str, str]]:
    return sorted(
        (h.collection, intent)
        for h in handlers()
        for intent in ("upsert", "delete", *sorted(h.intents))
    )


def test_every_route_has_a_row_and_every_row_a_route(settings: Settings) -> None:
    routes = app_routes(settings)
    assert [r for r in routes if r not in ROUTES] == [], "routes without a row in ROUTES"
    assert [r for r in ROUTES if r not in routes] == [], "rows in ROUTES without a route"


def test_every_intent_has_a_row_and_every_row_an_intent() -> None:
    intents = app_intents()
    missing = [f"{c}.{i}" for c, i in intents if c not in SYNC or i not in SYNC[c].send]
    assert missing == [], "sync intents without a row in SYNC"
    extra = [f"{c}.{i}" for c, row in SYNC.items() for i in row.send if (c, i) not in intents]
    assert extra == [], "rows in SYNC without an intent"


def _expected(rule: Rule, roles: frozenset[str], own: bool | None) -> str:
    """'allowed', 'unauthenticated', 'forbidden' or 'not_found'."""
    if rule.public:
        return "allowed"
    if not roles:
        return "unauthenticated"
    if not rule.admits(roles):
        return "forbidden"
    if rule.site is Site.NAMED and own is False and rule.reach_every_site.isdisjoint(roles):
        return "not_found"
    return "allowed"


def _path(template: str, site_id: int, names: dict[str, Any]) -> str:
    values = {**names, "site_id": site_id}
    if template.startswith("/api/permits/"):
        values["name"] = "P-0001.pdf"  # not "keys": that is another route
    out = template
    for key, value in values.items():
        out = out.replace("{" + key + "}", str(value))
    return out


async def test_rest_matrix(settings: Settings, client: ApiClient) -> None:
    own, other = await make_site("OWN"), await make_site("OTHER")
    for role in ROLES:
        await make_user(f"m_{role}", [role], [own])
    names = {
        "building_id": 1,
        "unit_id": 1,
        "user_id": 999_999,
        "gate_id": 999_999,
        "reason_id": 999_999,
        "key_id": "k",
        "finding_id": "f",
        "shift_id": "s",
        "vendor_id": 999_999,
        "version_id": 999_999,
        "month": "2026-01",
        "name": "keys",
        "sha256": "0" * 64,
        "path": "nothing-here",
    }
    query = {"from": "2026-01-01", "to": "2026-01-31", "ids": "k"}
    cases, wrong = 0, []
    for role in (None, *ROLES):
        roles = frozenset({role}) if role else frozenset()
        client.cookies.clear()
        if role:
            assert (await client.sign_in(f"m_{role}")).status_code == 200
        else:
            await client.prepare_csrf()
        # Signing out last: it ends the session the other cases use.
        keys = sorted(ROUTES, key=lambda k: k == "POST /api/auth/logout")
        for key in keys:
            rule = ROUTES[key]
            method, template = key.split(" ", 1)
            sites: tuple[bool | None, ...] = (
                (True, False) if rule.site is Site.NAMED else NOT_SITE_SCOPED
            )
            for is_own in sites:
                site_id = own if is_own is not False else other
                path = _path(template, site_id, names)
                params = {**query, "site_id": site_id} if "{site_id}" not in template else query
                body = {} if method in ("POST", "PUT", "PATCH", "DELETE") else None
                r = await client.request(method, path, params=params, json=body)
                expected = _expected(rule, roles, is_own)
                code = _error_code(r)
                got = {401: "unauthenticated", 403: "forbidden"}.get(r.status_code, "allowed")
                if r.status_code == 404 and code == "not_found" and rule.site is Site.NAMED:
                    got = "not_found"
                if r.status_code == 403 and code == "csrf_failed":
                    got = "csrf_failed"
                cases += 1
                ok = got == expected and (expected != "forbidden" or code == "forbidden")
                if not ok or r.status_code >= 500:
                    wrong.append((role, key, is_own, expected, r.status_code, code))
    assert wrong == [], "\n".join(map(str, wrong))
    assert cases >= len(ROUTES) * (len(ROLES) + 1)
    print(f"REST access matrix: {cases} cases")


def _error_code(r: Any) -> str | None:
    try:
        return str(r.json()["error"]["code"])
    except (ValueError, KeyError, TypeError):
        return None


async def test_sync_matrix(settings: Settings, client: ApiClient) -> None:
    """Every role × every collection's intents: the policy's refusal exactly where SYNC says."""
    own = await make_site("OWN")
    for role in ROLES:
        await make_user(f"m_{role}", [role], [own])
    cases, wrong = 0, []
    for role in ROLES:
        client.cookies.clear()
        assert (await client.sign_in(f"m_{role}")).status_code == 200
        device = Device(client)
        mutations = []
        for collection, intent in app_intents():
            args: dict[str, Any] = {"id": str(uuid.uuid4())}
            if intent != "delete":  # a delete takes only an id
                args["site_id"] = own
            mutations.append(device.mutation(f"{collection}.{intent}", args))
        r = await device.push(*mutations)
        assert r.status_code == 200, r.text
        for m, result in zip(mutations, r.json()["results"], strict=True):
            collection, intent = m["name"].split(".")
            allowed = SYNC[collection].send[intent]
            error = result.get("error") or {}
            by_policy = error.get("code") == "forbidden" and str(
                error.get("message", "")
            ).startswith(POLICY_REFUSAL)
            cases += 1
            if allowed is NOBODY:
                ok = result["status"] == "rejected" and error.get("code") in (
                    "unknown_mutation",
                    "append_only",
                    "forbidden",
                )
            elif role in allowed:
                ok = not by_policy
            else:
                ok = by_policy
            if not ok:
                wrong.append((role, m["name"], result["status"], error))
    assert wrong == [], "\n".join(map(str, wrong))
    print(f"sync access matrix: {cases} cases")


async def test_pulls_follow_the_roles_and_the_sites(
    settings: Settings, client: ApiClient, another_client: ApiClient
) -> None:
    """A role pulls the collections SYNC gives it, of its own sites only: a cashier pulls no
    keys (owners' names, phones, tag tokens); nobody pulls another site's records."""
    own, other = await make_site("OWN"), await make_site("OTHER")
    await make_user("keeper", ["supervisor"], [own, other])
    for role in ROLES:
        await make_user(f"m_{role}", [role], [own])
    await another_client.sign_in("keeper")
    keeper = Device(another_client)
    key = {"code": "K1", "kind": "vacant", "label": "1-101"}
    r = await keeper.push(
        keeper.mutation("keys.upsert", {"id": "key-own", "site_id": own, **key}),
        keeper.mutation("keys.upsert", {"id": "key-other", "site_id": other, **key}),
        keeper.mutation("findings.upsert", new_finding(own)),
        keeper.mutation("findings.upsert", new_finding(other)),
    )
    assert [x["status"] for x in r.json()["results"]] == ["applied"] * 4, r.text
    policy = SyncAccess()
    for role in ROLES:
        client.cookies.clear()
        await client.sign_in(f"m_{role}")
        changes = (await client.get("/api/sync/pull")).json()["changes"]
        seen = {(c["collection"], c["fields"].get("site_id")) for c in changes}
        actor = Actor(user_id="0", roles=frozenset({role}))
        sites = {own, other} if role == "admin" else {own}  # admins reach every site
        for collection in ("keys", "findings"):
            expected = (
                {(collection, s) for s in sites} if policy.may_pull(actor, collection) else set()
            )
            assert {x for x in seen if x[0] == collection} == expected, (role, collection)
