"""Every REST write that succeeded, in the audit log: who, what (method and route), on which
site, from which address. A `before_send` hook, so a new route is audited without anyone
remembering to; a handler may add what the path does not say (`add_details`)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from litestar import Request
from litestar.datastructures import State
from litestar.types import Message, Scope

from server.audit.service import UNAUDITED_PATHS, record_web_action
from server.auth.service import CurrentUser
from server.client_address import client_address

WRITES = frozenset({"POST", "PUT", "PATCH", "DELETE"})
DETAILS = "audit_details"


def add_details(state: State, **details: Any) -> None:
    """What the handler changed, for this request's audit row (never a password)."""
    state[DETAILS] = {**state.get(DETAILS, {}), **details}


def audit_writes(trusted_proxies: tuple[str, ...]) -> Callable[[Message, Scope], Awaitable[None]]:
    async def hook(message: Message, scope: Scope) -> None:
        method = scope.get("method")
        if message["type"] != "http.response.start" or method not in WRITES:
            return
        path: str = scope.get("path", "")
        if not path.startswith("/api/") or path.startswith(UNAUDITED_PATHS):
            return
        status = int(message["status"])
        state: dict[str, Any] = scope.get("state", {})
        user = state.get("user")
        if status >= 400 or not isinstance(user, CurrentUser):
            return  # refused, or nobody signed in
        params: dict[str, Any] = dict(scope.get("path_params", {}))
        site = params.pop("site_id", None)
        await record_web_action(
            user_id=user.id,
            action=f"{method} {scope.get('path_template', path)}",
            outcome=str(status),
            target=path,
            sites=[site] if isinstance(site, int) else [],
            details={**params, **state.get(DETAILS, {})},
            address=client_address(Request(scope), trusted_proxies),
        )

    return hook
