"""Sync throughput: 20,000 findings.upsert mutations pushed through /api/sync/push in-process
(batches of 500) vs the same rows inserted with raw sqlite3.executemany; then a pull of all
20,000 records from scratch. Targets: push rate >= 1/3 of raw, pull >= 5,000 records/s."""

from __future__ import annotations

import asyncio
import os
import sqlite3
import tempfile
import time
from pathlib import Path
from typing import Any

from litestar.testing import AsyncTestClient

from server import db
from server.app import create_app
from server.auth import service
from server.settings import Settings
from server.sites.tables import Site
from sync import new_id

MUTATIONS = int(os.environ.get("BENCH_MUTATIONS", "20000"))
BATCH = 500


def findings(site_id: int, device: str) -> list[dict[str, Any]]:
    base = int(time.time() * 1000)
    return [
        {
            "id": new_id(),
            "seq": i + 1,
            "name": "findings.upsert",
            "args": {
                "id": new_id(),
                "site_id": site_id,
                "category": "patrol",
                "description": f"第 {i} 号问题：门锁损坏",
                "location": f"{i % 12 + 1}栋",
            },
            "hlc": f"{base + i:015d}-00000-{device}",
        }
        for i in range(MUTATIONS)
    ]


def raw_baseline(rows: list[dict[str, Any]], folder: Path) -> float:
    conn = sqlite3.connect(folder / "raw.sqlite3")
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute(
        "CREATE TABLE finding (id TEXT PRIMARY KEY, site_id INTEGER, category TEXT,"
        " description TEXT, location TEXT, status TEXT, created_by INTEGER, created_at TEXT)"
    )
    values = [
        (
            m["args"]["id"],
            m["args"]["site_id"],
            "patrol",
            m["args"]["description"],
            m["args"]["location"],
            "open",
            1,
            "2026-11-25T00:00:00+00:00",
        )
        for m in rows
    ]
    start = time.perf_counter()
    with conn:
        conn.executemany("INSERT INTO finding VALUES (?, ?, ?, ?, ?, ?, ?, ?)", values)
    elapsed = time.perf_counter() - start
    conn.close()
    return elapsed


async def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        settings = Settings.from_env(
            {
                "FIELDKEEP_DATA_DIR": str(folder / "data"),
                "FIELDKEEP_DATABASE_URL": f"sqlite:///{folder / 'bench.sqlite3'}",
            }
        )
        await db.migrate(db.engine_from_url(settings.database.url))
        rows = await Site.insert(
            Site(name="基准", code="bench", created_at=service.now())
        ).returning(Site.id)
        site_id = int(rows[0]["id"])
        await service.create_user(
            "bench", "bench-password", display_name="B", roles=["patrol"], site_ids=[site_id]
        )
        device = new_id()
        mutations = findings(site_id, device)
        raw_s = raw_baseline(mutations, folder)

        async with AsyncTestClient(app=create_app(settings)) as client:
            token = (await client.get("/api/auth/csrf")).json()["csrf_token"]
            client.headers["X-CSRF-Token"] = token
            r = await client.post(
                "/api/auth/login", json={"username": "bench", "password": "bench-password"}
            )
            assert r.status_code == 200, r.text
            # The sign-in brings the session's own CSRF token.
            token = (await client.get("/api/auth/csrf")).json()["csrf_token"]
            client.headers["X-CSRF-Token"] = token
            start = time.perf_counter()
            for i in range(0, len(mutations), BATCH):
                r = await client.post(
                    "/api/sync/push",
                    json={"device_id": device, "mutations": mutations[i : i + BATCH]},
                )
                assert r.status_code == 200, r.text
                assert r.json()["applied_through"] == min(i + BATCH, len(mutations))
            push_s = time.perf_counter() - start

            start = time.perf_counter()
            pulled, cursor = 0, None
            while True:
                params = {"limit": "1000", **({"cursor": cursor} if cursor else {})}
                body = (await client.get("/api/sync/pull", params=params)).json()
                pulled += len(body["changes"])
                cursor = body["cursor"]
                if not body["has_more"]:
                    break
            pull_s = time.perf_counter() - start
        assert pulled == len(mutations)

    ours = len(mutations) / push_s
    raw = len(mutations) / raw_s
    print(f"sync push: {len(mutations)} findings.upsert in batches of {BATCH} (SQLite)")
    print(f"  ours (HTTP push, in-process test client):      {ours:10.0f} mutations/s")
    print(f"  raw sqlite3.executemany, one transaction:       {raw:10.0f} rows/s")
    print(f"  ratio ours/raw: {ours / raw:.3f}  (target >= 0.333)")
    print(f"sync pull from scratch: {pulled / pull_s:.0f} records/s  (target >= 5000)")


if __name__ == "__main__":
    asyncio.run(main())
