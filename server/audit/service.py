"""What is audited, and writing and reading the log. One table says which sync intents are
privileged; every REST write is audited (server/audit/middleware.py). Rows are only ever
inserted: nothing here or anywhere else updates or deletes them."""

from __future__ import annotations

import json
import time
from collections.abc import Iterable, Mapping
from fnmatch import fnmatchcase
from typing import Any

from server.audit.tables import AuditEntry

# Sync intents audited when answered (applied, merged or refused), by name pattern.
AUDITED_INTENTS: Mapping[str, str] = {
    "review.*": "审核通过或退回 approvals and returns",
    "keys.*": "钥匙借出、归还、转交、遗失 key custody",
    "findings.assign": "派单 assigning a finding",
    "findings.verify": "验收 verifying a fix",
    "findings.close": "关闭 closing a finding",
    "findings.reopen": "重新打开 reopening",
    "*.delete": "删除 deletes",
    "parking_shifts.*": "开班、交班、盘点 shift opens, closes and hand-overs",
    "parking_transactions.void": "作废收费 voided fees",
    "permits.*": "卡证办理、续期、注销、使用 permits",
    "conflicts.*": "冲突处理 conflict decisions",
}

# REST paths not audited: reads, sign-in itself, and writes audited elsewhere (sync intents one
# by one, photos by the records that hold them) or of no privilege (one's own push settings).
UNAUDITED_PATHS = ("/api/sync/", "/api/media/", "/api/auth/csrf", "/api/push/")


def is_audited_intent(name: str) -> bool:
    return any(fnmatchcase(name, pattern) for pattern in AUDITED_INTENTS)


def site_list(site_ids: Iterable[int | str]) -> str:
    """The `sites` column's text: ",1,12," (see AuditEntry)."""
    ids = [str(s) for s in site_ids]
    return f",{','.join(ids)}," if ids else ""


def now_ms() -> int:
    return int(time.time() * 1000)


async def record_web_action(
    *,
    user_id: int | None,
    action: str,
    outcome: str,
    target: str = "",
    sites: list[int] | None = None,
    details: Mapping[str, Any] | None = None,
    address: str = "",
) -> None:
    await AuditEntry.insert(
        AuditEntry(
            at_ms=now_ms(),
            user_id="" if user_id is None else str(user_id),
            source="web",
            action=action,
            outcome=outcome,
            target=target,
            sites=site_list(sites or []),
            details=json.dumps(dict(details or {}), ensure_ascii=False, default=str),
            address=address,
        )
    )
