"""Push and pull against a real `fieldkeep serve` process over HTTP (SQLite, one process), in
one run, as ratios (issue #21):

- push: rounds of 10,000 `findings.upsert` in batches of 500, against raw
  `sqlite3.executemany` of the same rows into a table of their own (target >= 0.1);
- the same round into a database already holding 100,000 records, against the first round
  into an empty one (target >= 0.9: push cost does not grow with the data);
- pull from scratch in pages of 500, against reading the same rows with plain SQL.

`BENCH_ROUND` (10000) and `BENCH_FILL` (100000) make it smaller or larger. The request bodies
are encoded before the clock starts; the client runs on the same machine.
"""

from __future__ import annotations

import asyncio
import os
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx
import msgspec

from bench.sync_throughput import raw_baseline
from server import db
from server.auth import service
from server.sites.tables import Site
from sync import new_id

ROUND = int(os.environ.get("BENCH_ROUND", "10000"))
FILL = int(os.environ.get("BENCH_FILL", "100000"))
BATCH = 500
PASSWORD = "bench-password"  # noqa: S105  (a throwaway database's user)


def mutations(site_id: int, device: str, first_seq: int, n: int) -> list[dict[str, Any]]:
    base = int(time.time() * 1000)
    return [
        {
            "id": new_id(),
            "seq": first_seq + i,
            "name": "findings.upsert",
            "args": {
                "id": new_id(),
                "site_id": site_id,
                "category": "patrol",
                "description": f"第 {first_seq + i} 号问题：门锁损坏",
                "location": f"{i % 12 + 1}栋",
            },
            "hlc": f"{base + i:015d}-00000-{device}",
        }
        for i in range(n)
    ]


class Phone:
    """One device pushing over HTTP, its seq running on across rounds."""

    def __init__(self, client: httpx.Client, site_id: int) -> None:
        self.client = client
        self.site_id = site_id
        self.device = new_id()
        self.seq = 0

    def round(self, n: int) -> float:
        """Push n mutations in batches; mutations per second."""
        rows = mutations(self.site_id, self.device, self.seq + 1, n)
        bodies = [
            msgspec.json.encode({"device_id": self.device, "mutations": rows[i : i + BATCH]})
            for i in range(0, n, BATCH)
        ]
        headers = {"Content-Type": "application/json"}
        start = time.perf_counter()
        for body in bodies:
            r = self.client.post("/api/sync/push", content=body, headers=headers)
            assert r.status_code == 200, r.text
        elapsed = time.perf_counter() - start
        self.seq += n
        assert r.json()["applied_through"] == self.seq
        return n / elapsed


def pull_all(client: httpx.Client) -> tuple[int, float]:
    pulled, cursor = 0, None
    start = time.perf_counter()
    while True:
        params = {"limit": str(BATCH), **({"cursor": cursor} if cursor else {})}
        body = msgspec.json.decode(client.get("/api/sync/pull", params=params).content)
        pulled += len(body["changes"])
        cursor = body["cursor"]
        if not body["has_more"]:
            return pulled, time.perf_counter() - start


def plain_read(path: Path) -> tuple[int, float]:
    """The same rows, pages of 500 by revision, fields decoded: what a pull reads at least."""
    conn = sqlite3.connect(path)
    read, after = 0, 0
    start = time.perf_counter()
    while True:
        rows = conn.execute(
            "SELECT record_id, revision, fields FROM sync_record WHERE revision > ?"
            " ORDER BY revision LIMIT ?",
            (after, BATCH),
        ).fetchall()
        if not rows:
            break
        for row in rows:
            msgspec.json.decode(row[2])
        read += len(rows)
        after = rows[-1][1]
    elapsed = time.perf_counter() - start
    conn.close()
    return read, elapsed


def serve(folder: Path, url: str, port: int) -> subprocess.Popen[bytes]:
    env = dict(os.environ)
    env.update(
        FIELDKEEP_DATA_DIR=str(folder / "data"),
        FIELDKEEP_DATABASE_URL=url,
        FIELDKEEP_LOG_LEVEL="warning",
        FIELDKEEP_PUSH_SENDER="0",
        FIELDKEEP_PWA_DIR=str(folder / "no-pwa"),
    )
    log = (folder / "serve.log").open("wb")
    process = subprocess.Popen(
        [sys.executable, "-m", "server.cli", "serve", "--port", str(port)],
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError((folder / "serve.log").read_text())
        try:
            if httpx.get(f"http://127.0.0.1:{port}/api/health", timeout=2).status_code == 200:
                return process
        except httpx.TransportError:
            pass
        time.sleep(0.2)
    process.terminate()
    raise RuntimeError("fieldkeep serve did not answer")


def sign_in(base: str) -> httpx.Client:
    client = httpx.Client(base_url=base, timeout=300)
    client.get("/api/auth/csrf")
    client.headers["X-CSRF-Token"] = client.cookies["fieldkeep_csrf"]
    r = client.post("/api/auth/login", json={"username": "bench", "password": PASSWORD})
    assert r.status_code == 200, r.text
    client.headers["X-CSRF-Token"] = client.cookies["fieldkeep_csrf"]
    return client


async def prepare(url: str) -> int:
    await db.migrate(db.engine_from_url(url))
    rows = await Site.insert(Site(name="基准", code="bench", created_at=service.now())).returning(
        Site.id
    )
    site_id = int(rows[0]["id"])
    await service.create_user(
        "bench", PASSWORD, display_name="B", roles=["patrol"], site_ids=[site_id]
    )
    return site_id


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        path = folder / "bench.sqlite3"
        url = f"sqlite:///{path}"
        site_id = asyncio.run(prepare(url))
        raw_s = raw_baseline(mutations(site_id, new_id(), 1, ROUND), folder)
        raw = ROUND / raw_s
        port = 20000 + os.getpid() % 20000
        process = serve(folder, url, port)
        try:
            client = sign_in(f"http://127.0.0.1:{port}")
            phone = Phone(client, site_id)
            rounds = [phone.round(ROUND) for _ in range(3)]
            while phone.seq < FILL:  # untimed: the database grows to FILL records
                phone.round(min(ROUND, FILL - phone.seq))
            full = phone.round(ROUND)
            pulled, pull_s = pull_all(client)
        finally:
            process.terminate()
            process.wait(timeout=60)
        read, read_s = plain_read(path)
    assert pulled == read == phone.seq, (pulled, read, phone.seq)
    print(f"sync push over HTTP to `fieldkeep serve` (SQLite), findings.upsert, batches of {BATCH}")
    print(f"  three rounds of {ROUND} from empty: " + " → ".join(f"{r:.0f}" for r in rounds))
    print(f"  raw sqlite3.executemany of the same rows: {raw:.0f} rows/s")
    print(f"  ratio push/raw: {rounds[0] / raw:.3f}  (target >= 0.1)")
    print(f"  a round into {phone.seq - ROUND} records: {full:.0f} mutations/s")
    print(f"  ratio full/empty: {full / rounds[0]:.2f}  (target >= 0.9)")
    print(f"sync pull from scratch, pages of {BATCH}: {pulled / pull_s:.0f} records/s")
    print(f"  plain SQL read of the same rows: {read / read_s:.0f} rows/s")
    print(f"  ratio pull/plain: {pulled / pull_s / (read / read_s):.3f}")


if __name__ == "__main__":
    main()
