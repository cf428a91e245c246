"""Who may do what, decided here and nowhere else: one table for the REST routes (method and
path template) and one for the sync collections (pull, and each intent).

Read it as a table: a row's roles (any one of them lets the caller through; `EVERYONE` is any
signed-in user, `PUBLIC` anyone) and its site rule:

- `NO_SITE`: nothing of one site (public, the caller's own things, or a list the handler
  filters to the caller's sites);
- `NAMED`: the site named by `site_id` in the path or the query must be one of the caller's;
  the guard checks it;
- `RECORD`: the site of the record the path names (a key, a finding, a shift, a vendor's
  contract sites…); the handler loads the record and asks `check_site_access`.

Another site's data is answered 404 `not_found` (as if it did not exist); a role the row does
not list is answered 403 `forbidden`. Admins reach every site, over REST and over sync alike
(they keep the master data of every site); `reach_every_site` names the few rows where more
roles do (managers read every vendor's evaluations). Over sync every record also belongs to the
sites it names: handlers refuse (`forbidden`) a record of a site not the actor's.

Rules about the data itself stay with the domain (the fixer may not verify, only the shift's
cashier closes it, a supervisor closes an unverified finding): they are not access.

`tests/server/test_access_matrix.py` walks every route and intent against these tables: a new
route or intent without a row fails the suite.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from litestar.connection import ASGIConnection
from litestar.handlers.base import BaseRouteHandler

from server.auth.service import CurrentUser
from sync import Actor

PATROL, ENVIRONMENT, CASHIER = "patrol", "environment", "cashier"
SUPERVISOR, MANAGER, ADMIN = "supervisor", "manager", "admin"
ROLES = (PATROL, ENVIRONMENT, CASHIER, SUPERVISOR, MANAGER, ADMIN)


class Site(StrEnum):
    NO_SITE = "—"
    NAMED = "site_id"
    RECORD = "record's site"


@dataclass(frozen=True)
class Rule:
    # None: every signed-in user; PUBLIC_ROLES: anyone, signed in or not.
    roles: frozenset[str] | None
    site: Site = Site.NO_SITE
    reach_every_site: frozenset[str] = frozenset({ADMIN})

    @property
    def public(self) -> bool:
        return self.roles == PUBLIC_ROLES

    def admits(self, roles: frozenset[str]) -> bool:
        return self.public or self.roles is None or not self.roles.isdisjoint(roles)


PUBLIC_ROLES = frozenset({"*"})
PUBLIC = Rule(PUBLIC_ROLES)
EVERYONE = Rule(None)


def only(*roles: str, site: Site = Site.NO_SITE) -> Rule:
    return Rule(frozenset(roles), site)


def anyone(site: Site) -> Rule:
    return Rule(None, site)


# Who works with what (each set is named once and used by both tables).
REPORTERS = frozenset(ROLES)  # everyone reports a problem they see
VERIFIERS = frozenset({SUPERVISOR, ENVIRONMENT})
CUSTODIANS = frozenset({PATROL, SUPERVISOR, ENVIRONMENT})  # hold keys
KEEPERS = frozenset({SUPERVISOR, ADMIN})  # register keys, print their tags
KEY_READERS = CUSTODIANS | KEEPERS  # pull keys and their ledger (not cashiers: owners' phones)
PATROLLERS = frozenset({PATROL, SUPERVISOR})
ISSUERS = frozenset({PATROL, SUPERVISOR, ADMIN})  # issue, renew, revoke permits
PERMIT_READERS = ISSUERS | {CASHIER, MANAGER}  # scan permits, see the desk list
INSPECTORS = frozenset({ENVIRONMENT, SUPERVISOR, MANAGER})
VENDOR_KEEPERS = frozenset({MANAGER, ADMIN})
REVIEWERS = frozenset({SUPERVISOR})
REPORT_READERS = frozenset({SUPERVISOR, MANAGER, ADMIN})
AUDITORS = frozenset({MANAGER, ADMIN})

N, R = Site.NAMED, Site.RECORD

# ---- REST: "METHOD /path/{template}" → rule ------------------------------------------------
ROUTES: Mapping[str, Rule] = {
    # the shell
    "GET /api/health": PUBLIC,
    "GET /": PUBLIC,
    "GET /{path}": PUBLIC,
    "GET /schema": PUBLIC,
    "GET /schema/swagger": PUBLIC,
    "GET /schema/{path}": PUBLIC,
    "GET /schema/openapi.json": PUBLIC,
    "GET /schema/oauth2-redirect.html": PUBLIC,
    # accounts
    "GET /api/auth/csrf": PUBLIC,
    "POST /api/auth/login": PUBLIC,
    "POST /api/auth/logout": EVERYONE,
    "GET /api/auth/me": EVERYONE,
    "PATCH /api/auth/me": EVERYONE,
    "GET /api/users": only(ADMIN),
    "POST /api/users": only(ADMIN),
    "PATCH /api/users/{user_id}": only(ADMIN),
    # sites, buildings, units (the list: the caller's sites, every site for admins)
    "GET /api/sites": EVERYONE,
    "POST /api/sites": only(ADMIN),
    "GET /api/sites/{site_id}": anyone(N),
    "PATCH /api/sites/{site_id}": only(ADMIN, site=N),
    "GET /api/sites/{site_id}/members": anyone(N),
    "GET /api/sites/{site_id}/buildings": anyone(N),
    "POST /api/sites/{site_id}/buildings": only(ADMIN, site=N),
    "PATCH /api/buildings/{building_id}": only(ADMIN, site=R),
    "GET /api/sites/{site_id}/units": anyone(N),
    "POST /api/buildings/{building_id}/units": only(ADMIN, site=R),
    "PATCH /api/units/{unit_id}": only(ADMIN, site=R),
    "GET /api/sites/{site_id}/units.csv": only(ADMIN, SUPERVISOR, site=N),
    "POST /api/sites/{site_id}/units/import": only(ADMIN, site=N),
    # findings
    "GET /api/findings/{finding_id}/history": anyone(R),
    # keys
    "GET /api/keys/labels.pdf": only(*KEEPERS, site=R),
    "GET /api/sites/{site_id}/keys/out": only(*KEY_READERS, MANAGER, site=N),
    "GET /api/keys/{key_id}/ledger": only(*KEY_READERS, MANAGER, site=R),
    "GET /api/sites/{site_id}/key-events": only(*KEY_READERS, MANAGER, site=N),
    # patrols
    "GET /api/sites/{site_id}/patrols/due": only(*PATROLLERS, site=N),
    # photos (readable by their uploader and the members of the sites of records naming them)
    "GET /api/media/{sha256}": anyone(R),
    "HEAD /api/media/{sha256}": anyone(R),
    "PUT /api/media/{sha256}": EVERYONE,
    "GET /api/media/{sha256}/info": anyone(R),
    # push (the caller's own subscriptions and preferences)
    "GET /api/push/vapid-public-key": PUBLIC,
    "POST /api/push/subscriptions": EVERYONE,
    "DELETE /api/push/subscriptions": EVERYONE,
    "GET /api/push/preferences": EVERYONE,
    "PUT /api/push/preferences": EVERYONE,
    # sync (what each mutation and pull may touch: SYNC below)
    "POST /api/sync/push": EVERYONE,
    "GET /api/sync/pull": EVERYONE,
    # parking
    "GET /api/sites/{site_id}/parking/gates": anyone(N),
    "POST /api/sites/{site_id}/parking/gates": only(ADMIN, site=N),
    "PUT /api/parking/gates/{gate_id}": only(ADMIN, site=R),
    "GET /api/sites/{site_id}/parking/tariffs": anyone(N),
    "POST /api/sites/{site_id}/parking/tariffs": only(ADMIN, site=N),
    "GET /api/sites/{site_id}/parking/exemption-reasons": anyone(N),
    "POST /api/sites/{site_id}/parking/exemption-reasons": only(ADMIN, site=N),
    "PUT /api/parking/exemption-reasons/{reason_id}": only(ADMIN, site=R),
    "GET /api/sites/{site_id}/parking/denominations": anyone(N),
    "PUT /api/sites/{site_id}/parking/denominations": only(ADMIN, site=N),
    "GET /api/parking/quote": anyone(R),  # the gate's site
    "POST /api/parking/receipt-prefix": only(CASHIER),
    "GET /api/sites/{site_id}/parking/setup": anyone(N),
    # the shift's cashier, or a report reader (a data rule in the handler)
    "GET /api/parking/shifts/{shift_id}/slip.pdf": anyone(R),
    "GET /api/parking/reports/day": only(*REPORT_READERS, site=N),
    # vendors (lists: the contracts of the caller's sites; managers and admins: every site)
    "GET /api/vendors": anyone(N),
    "POST /api/vendors": only(*VENDOR_KEEPERS),
    "GET /api/vendors/{vendor_id}": anyone(R),
    "PATCH /api/vendors/{vendor_id}": only(*VENDOR_KEEPERS),
    "GET /api/vendors/{vendor_id}/contracts": anyone(R),
    "POST /api/vendors/{vendor_id}/contracts": only(*VENDOR_KEEPERS, site=R),
    "GET /api/vendors/{vendor_id}/evaluations/{month}": Rule(None, R, VENDOR_KEEPERS),
    "POST /api/vendors/{vendor_id}/evaluations/{month}/sign-off": only(MANAGER, site=R),
    "GET /api/vendors/zones": anyone(N),
    "POST /api/vendors/zones": only(*VENDOR_KEEPERS, site=R),
    "GET /api/vendors/templates": EVERYONE,
    "POST /api/vendors/templates": only(*VENDOR_KEEPERS),
    "GET /api/vendors/templates/versions": EVERYONE,
    "GET /api/vendors/templates/versions/{version_id}": EVERYONE,
    # permits
    "GET /api/permits/keys": EVERYONE,
    "GET /api/permits": only(*ISSUERS, MANAGER, site=N),
    "GET /api/permits/reminders": only(*ISSUERS, MANAGER, site=N),
    "GET /api/permits/{name}": only(*ISSUERS, MANAGER, site=R),
    "POST /api/permits/verify": EVERYONE,
    # audit and reports (each report also names its readers: server/reports/ledgers.py)
    "GET /api/audit": only(*AUDITORS, site=N),
    "GET /api/reports": EVERYONE,
    "GET /api/reports/{name}": only(*REPORT_READERS, site=N),
}


# ---- sync: collection → who pulls it, and who may send each of its mutations --------------
# NOBODY: no device sends it; the handler answers why (unknown_mutation: made by another
# intent; append_only: a ledger; forbidden: kept by the server).
NOBODY = frozenset[str]()
ALL = frozenset(ROLES)


@dataclass(frozen=True)
class Collection:
    pull: frozenset[str]
    send: Mapping[str, frozenset[str]]


SYNC: Mapping[str, Collection] = {
    "findings": Collection(
        pull=ALL,
        send={
            "upsert": REPORTERS,
            "delete": REVIEWERS,
            "comment": ALL,
            "assign": VERIFIERS,  # reassigning: supervisors only (a state rule)
            "accept": ALL,  # the assignee (a data rule)
            "fix": ALL,  # the assignee (a data rule)
            "verify": VERIFIERS,
            "close": VERIFIERS,  # an unverified one: supervisors only (a state rule)
            "reopen": REVIEWERS,
        },
    ),
    "finding_comments": Collection(pull=ALL, send={"upsert": NOBODY, "delete": NOBODY}),
    "keys": Collection(
        pull=KEY_READERS,
        send={
            "upsert": KEEPERS,
            "delete": NOBODY,
            **dict.fromkeys(
                ("checkout", "checkin", "handover", "receive", "lost", "return_to_owner"),
                CUSTODIANS,
            ),
        },
    ),
    "key_events": Collection(pull=KEY_READERS, send={"upsert": NOBODY, "delete": NOBODY}),
    "key_tags": Collection(pull=NOBODY, send={"upsert": NOBODY, "delete": NOBODY}),
    "patrol_templates": Collection(
        pull=PATROLLERS | {ADMIN}, send={"upsert": frozenset({ADMIN}), "delete": NOBODY}
    ),
    "patrols": Collection(
        pull=PATROLLERS,
        send={"upsert": NOBODY, "delete": PATROLLERS, "save": PATROLLERS, "submit": PATROLLERS},
    ),
    "review": Collection(
        pull=NOBODY,
        send={"upsert": NOBODY, "delete": NOBODY, "approve": REVIEWERS, "reject": REVIEWERS},
    ),
    "parking_shifts": Collection(
        pull=frozenset({CASHIER}) | REVIEWERS,
        send={
            "upsert": NOBODY,
            "delete": NOBODY,
            **dict.fromkeys(("open", "close", "confirm_handover"), frozenset({CASHIER})),
        },
    ),
    "parking_transactions": Collection(
        pull=frozenset({CASHIER}) | REVIEWERS,
        send={
            "upsert": NOBODY,
            "delete": NOBODY,
            "record": frozenset({CASHIER}),
            "void": frozenset({CASHIER}),
        },
    ),
    "parking_events": Collection(
        pull=frozenset({CASHIER}) | REVIEWERS,
        send={"upsert": NOBODY, "delete": NOBODY, "record": frozenset({CASHIER})},
    ),
    "parking_books": Collection(pull=NOBODY, send={"upsert": NOBODY, "delete": NOBODY}),
    "permits": Collection(
        pull=PERMIT_READERS,
        send={
            "upsert": NOBODY,
            "delete": NOBODY,
            "issue": ISSUERS,
            "renew": ISSUERS,
            "revoke": ISSUERS,
            "use": PERMIT_READERS,
        },
    ),
    "inspections": Collection(
        pull=INSPECTORS,
        send={"upsert": NOBODY, "delete": NOBODY, "submit": INSPECTORS, "verify": INSPECTORS},
    ),
    "inspection_items": Collection(pull=INSPECTORS, send={"upsert": NOBODY, "delete": NOBODY}),
    # Shown only to its two authors and the site's supervisors (audience tokens, docs/SYNC.md).
    "conflicts": Collection(pull=ALL, send={"upsert": NOBODY, "delete": NOBODY, "dismiss": ALL}),
}


class SyncAccess:
    """The sync engine's access hook (`sync.Access`), read from SYNC. A collection or intent
    without a row is refused and never pulled."""

    def may_send(self, actor: Actor, collection: str, intent: str) -> bool:
        rows = SYNC.get(collection)
        roles = rows.send.get(intent) if rows else None
        if roles is None:
            return False
        return roles is NOBODY or not roles.isdisjoint(actor.roles)

    def may_pull(self, actor: Actor, collection: str) -> bool:
        rows = SYNC.get(collection)
        return rows is not None and not rows.pull.isdisjoint(actor.roles)


# ---- REST: the guard every route passes -----------------------------------------------------


def route_key(method: str, path_template: str) -> str:
    return f"{method} {path_template}"


def reaches(roles: frozenset[str], site_ids: frozenset[int], site_id: int, rule: Rule) -> bool:
    return site_id in site_ids or not rule.reach_every_site.isdisjoint(roles)


def reaches_every_site(roles: frozenset[str]) -> bool:
    """Over sync, where no route names the row: admins (EVERYONE's rule)."""
    return not EVERYONE.reach_every_site.isdisjoint(roles)


def rule_of(connection: ASGIConnection[Any, Any, Any, Any]) -> Rule | None:
    method = str(connection.scope.get("method", "GET"))
    if method == "OPTIONS":  # Litestar's own answer: which methods a path takes
        return PUBLIC
    return ROUTES.get(route_key(method, str(connection.scope.get("path_template", ""))))


def named_site(connection: ASGIConnection[Any, Any, Any, Any]) -> int | None:
    """The site_id of the path or the query; None when absent or not an id (the handler's
    validation answers that)."""
    value: Any = connection.path_params.get("site_id", connection.query_params.get("site_id"))
    if isinstance(value, str) and value.isascii() and value.isdigit() and len(value) < 12:
        value = int(value)
    return value if isinstance(value, int) and 1 <= value < 2**31 else None


async def enforce(connection: ASGIConnection[Any, Any, Any, Any], _: BaseRouteHandler) -> None:
    """The app's one guard: the route's row in ROUTES decides (a route without one: 403)."""
    from server.auth.guards import load_user
    from server.errors import AppError

    rule = rule_of(connection)
    if rule is None:
        raise AppError("forbidden", 403)
    if rule.public:
        return
    user = await load_user(connection)
    if not rule.admits(user.roles):
        raise AppError("forbidden", 403)
    if rule.site is Site.NAMED:
        site_id = named_site(connection)
        if site_id is not None and not reaches(user.roles, user.site_ids, site_id, rule):
            raise AppError("not_found", 404)


def check_site_access(user: CurrentUser, site_id: int) -> None:
    """For a RECORD row: the record's site must be one of the caller's (admins: any); else
    404, as if it did not exist."""
    from server.errors import AppError

    if not reaches(user.roles, user.site_ids, site_id, EVERYONE):
        raise AppError("not_found", 404)
