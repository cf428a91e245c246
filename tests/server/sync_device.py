"""A phone as the sync contract sees it, for API tests: an id, a seq counter, a pull cursor."""

from __future__ import annotations

import time
import uuid
from typing import Any

from server.auth.service import now
from server.sites.tables import Site
from tests.conftest import ApiClient


def stamp(ms: int, device: str, counter: int = 0) -> str:
    return f"{ms:015d}-{counter:05d}-{device}"


def new_finding(site_id: int, **fields: Any) -> dict[str, Any]:
    """findings.upsert arguments of a new finding."""
    return {
        "id": str(uuid.uuid4()),
        "site_id": site_id,
        "category": "patrol",
        "description": "门锁损坏",
        **fields,
    }


def now_ms() -> int:
    return int(time.time() * 1000)


async def make_site(code: str) -> int:
    rows = await Site.insert(Site(name=code, code=code, created_at=now())).returning(Site.id)
    return int(rows[0]["id"])


class Device:
    """A phone as the sync contract sees it: an id, a seq counter and a pull cursor."""

    def __init__(self, client: ApiClient) -> None:
        self.client = client
        self.id = str(uuid.uuid4())
        self.seq = 0
        self.cursor: str | None = None

    def mutation(self, name: str, args: dict[str, Any], ms: int | None = None) -> dict[str, Any]:
        self.seq += 1
        return {
            "id": str(uuid.uuid4()),
            "seq": self.seq,
            "name": name,
            "args": args,
            "hlc": stamp(ms if ms is not None else now_ms(), self.id),
        }

    async def push(self, *mutations: dict[str, Any]) -> Any:
        return await self.client.post(
            "/api/sync/push", json={"device_id": self.id, "mutations": list(mutations)}
        )

    async def push_one(self, name: str, args: dict[str, Any], ms: int | None = None) -> Any:
        r = await self.push(self.mutation(name, args, ms))
        assert r.status_code == 200, r.text
        return r.json()["results"][0]

    async def pull_all(self) -> list[dict[str, Any]]:
        changes: list[dict[str, Any]] = []
        while True:
            params = {"cursor": self.cursor} if self.cursor else {}
            r = await self.client.get("/api/sync/pull", params=params)
            assert r.status_code == 200, r.text
            body = r.json()
            changes += body["changes"]
            self.cursor = body["cursor"]
            if not body["has_more"]:
                return changes


def scan(settings: Any, key_id: str) -> str:
    """The token a phone reads from a key's printed tag (`keys.checkout` / `keys.receive`)."""
    from server.keys.tags import derived_token

    return str(derived_token(settings.data_dir, key_id))
