"""The public surface of sync/ and what it must not depend on."""

from __future__ import annotations

import ast
from pathlib import Path

import sync

SYNC_DIR = Path(sync.__file__).parent

INTENDED = {
    # wire protocol v1
    "Mutation", "PushRequest", "PushResponse", "MutationResult", "Status", "Conflict",
    "ErrorInfo", "Change", "PullResponse", "new_id",
    # hybrid logical clock
    "Clock", "Stamp", "BadStamp", "parse_stamp", "format_stamp", "clamp", "MAX_AHEAD_MS",
    "SERVER_NODE",
    # engine and what handlers see
    "SyncEngine", "Access", "Handler", "Actor", "MutationContext", "Write", "ALL_SITES",
    "scope_fingerprint", "DEFAULT_PULL_LIMIT", "MAX_PULL_LIMIT", "DEFAULT_TOMBSTONE_HORIZON_MS",
    # concurrent edits: the upsert args that are no fields, audiences, the conflicts collection
    "BASE_REVISION", "RESOLVES", "audiences_of", "user_audience", "role_audience",
    "ConflictsHandler",
    # errors
    "SyncError", "Refusal", "DeviceMismatch", "BadCursor", "BadLimit", "StoreContention",
    # storage
    "Store", "StoredRecord", "PulledRecord", "StoredResult", "DeviceState", "ConflictEntry",
    "StoreInfo", "Event",
    "FieldAuthor", "photo_hashes",
    "MemoryStore", "SetState",
}  # fmt: skip


def test_all_is_exactly_the_intended_surface() -> None:
    assert set(sync.__all__) == INTENDED
    assert len(sync.__all__) == len(INTENDED)
    for name in sync.__all__:
        assert getattr(sync, name) is not None


def test_sync_imports_nothing_of_http_orm_or_server() -> None:
    allowed_roots = {
        "__future__", "abc", "asyncio", "base64", "binascii", "collections", "contextlib",
        "contextvars", "dataclasses", "hashlib", "hmac", "msgspec", "re", "secrets", "time",
        "typing",
    }  # fmt: skip
    for path in SYNC_DIR.glob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                roots = {alias.name.split(".")[0] for alias in node.names}
            elif isinstance(node, ast.ImportFrom) and node.level == 0:
                roots = {(node.module or "").split(".")[0]}
            else:
                continue
            assert roots <= allowed_roots, f"{path.name} imports {roots - allowed_roots}"


def test_every_module_starts_with_a_one_sentence_docstring() -> None:
    for path in SYNC_DIR.glob("*.py"):
        doc = ast.get_docstring(ast.parse(path.read_text(encoding="utf-8")))
        assert doc, path.name
        assert doc.splitlines()[0].endswith("."), path.name
