"""Fieldkeep's sync engine (wire protocol v1): pure Python, no HTTP, no domain knowledge.

server/ registers one Handler per collection, gives the engine a Store, and maps
`SyncEngine.push` / `SyncEngine.pull` onto its HTTP routes.
"""

from ._conflicts import ConflictsHandler
from ._cursor import scope_fingerprint
from ._engine import (
    BASE_REVISION,
    DEFAULT_PULL_LIMIT,
    DEFAULT_TOMBSTONE_HORIZON_MS,
    MAX_PULL_LIMIT,
    RESOLVES,
    Access,
    SyncEngine,
)
from ._errors import BadCursor, BadLimit, DeviceMismatch, Refusal, StoreContention, SyncError
from ._handlers import (
    ALL_SITES,
    Actor,
    Handler,
    MutationContext,
    Write,
    audiences_of,
    role_audience,
    user_audience,
)
from ._hlc import (
    MAX_AHEAD_MS,
    SERVER_NODE,
    BadStamp,
    Clock,
    Stamp,
    clamp,
    format_stamp,
    parse_stamp,
)
from ._memory import MemoryStore
from ._merge import SetState
from ._store import (
    ConflictEntry,
    DeviceState,
    Event,
    FieldAuthor,
    PulledRecord,
    Store,
    StoredRecord,
    StoredResult,
    StoreInfo,
    photo_hashes,
)
from ._wire import (
    Change,
    Conflict,
    ErrorInfo,
    Mutation,
    MutationResult,
    PullResponse,
    PushRequest,
    PushResponse,
    Status,
    new_id,
)

__all__ = [
    "ALL_SITES",
    "BASE_REVISION",
    "DEFAULT_PULL_LIMIT",
    "DEFAULT_TOMBSTONE_HORIZON_MS",
    "MAX_AHEAD_MS",
    "MAX_PULL_LIMIT",
    "RESOLVES",
    "SERVER_NODE",
    "Access",
    "Actor",
    "BadCursor",
    "BadLimit",
    "BadStamp",
    "Change",
    "Clock",
    "Conflict",
    "ConflictEntry",
    "ConflictsHandler",
    "DeviceMismatch",
    "DeviceState",
    "ErrorInfo",
    "Event",
    "FieldAuthor",
    "Handler",
    "MemoryStore",
    "Mutation",
    "MutationContext",
    "MutationResult",
    "PullResponse",
    "PulledRecord",
    "PushRequest",
    "PushResponse",
    "Refusal",
    "SetState",
    "Stamp",
    "Status",
    "Store",
    "StoreContention",
    "StoreInfo",
    "StoredRecord",
    "StoredResult",
    "SyncEngine",
    "SyncError",
    "Write",
    "audiences_of",
    "clamp",
    "format_stamp",
    "new_id",
    "parse_stamp",
    "photo_hashes",
    "role_audience",
    "scope_fingerprint",
    "user_audience",
]
