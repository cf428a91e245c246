"""Exceptions the sync engine raises or expects handlers to raise."""

from __future__ import annotations


class SyncError(Exception):
    """Base of every error the sync package raises on purpose."""


class Refusal(SyncError):
    """A rule refused a mutation: final, recorded, shown to its author as `code`.

    Handlers raise it from their checks; the engine turns it into a `rejected` result.
    `params` are the values the device's text for `code` names (e.g. who holds a key); they
    go out as the error's `args`.
    """

    def __init__(
        self,
        code: str,
        message: str,
        field: str | None = None,
        params: dict[str, str | int] | None = None,
    ) -> None:
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message
        self.field = field
        self.params = dict(params or {})


class DeviceMismatch(SyncError):
    """The device id is bound to another user (HTTP 409)."""


class BadCursor(SyncError):
    """A pull cursor that this server did not make, or that was altered (HTTP 400)."""


class BadLimit(SyncError, ValueError):
    """A pull limit outside 1..MAX_PULL_LIMIT (HTTP 400)."""


class StoreContention(SyncError):
    """The store's transaction lost a race with another writer (e.g. a deadlock between two
    pushes locking the same records in opposite orders) and was rolled back whole; running the
    push again is safe, and the engine does so."""
