"""Photo store: PUT, HEAD and GET through the real app (in-process) with photos on disk and on an
S3-protocol server (moto's, on this machine: its figures are moto's, not a cloud's); and the
Python memory held at the peak (tracemalloc, client and server) while a 12 MB upload goes over
real HTTP in 64 KB chunks to the app served by uvicorn in a thread, and while a photo is
downloaded, against the body's size (what reading it whole would hold at least)."""

from __future__ import annotations

import asyncio
import os
import statistics
import tempfile
import threading
import time
import tracemalloc
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path

import httpx
import uvicorn

from server import db
from server.app import create_app
from server.auth import service
from server.settings import Settings
from server.sites.tables import Site
from tests.browser.conftest import free_port
from tests.conftest import ApiClient
from tests.server.media import corpus
from tests.server.media.corpus import sha
from tests.server.media.s3_server import running_s3_server

PASSWORD = "bench password 1"  # noqa: S105 (a throwaway user of a throwaway database)
PHOTOS = int(os.environ.get("BENCH_MEDIA_STORE_PHOTOS", "20"))


async def _timed(op: Callable[[], Awaitable[int]], expected: int) -> float:
    start = time.perf_counter()
    status = await op()
    assert status == expected, status
    return time.perf_counter() - start


async def _peak(op: Callable[[], Awaitable[int]], expected: int) -> int:
    tracemalloc.start()
    try:
        tracemalloc.reset_peak()
        base = tracemalloc.get_traced_memory()[0]
        status = await op()
        assert status == expected, status
        return tracemalloc.get_traced_memory()[1] - base
    finally:
        tracemalloc.stop()


async def one_store(label: str, env: dict[str, str], folder: Path, offset: int) -> None:
    settings = Settings.from_env(
        {
            "FIELDKEEP_DATA_DIR": str(folder / label),
            "FIELDKEEP_DATABASE_URL": f"sqlite:///{folder / 'db.sqlite3'}",
            **env,
        }
    )
    photos = [corpus.jpeg(1600, 1200, seed=offset + seed) for seed in range(PHOTOS)]
    # A 12 MB body, judged on content (its served image is tiny).
    big = corpus.jpeg(64, 64, seed=offset) + b"\0" * (12 * 1024 * 1024)
    async with ApiClient(app=create_app(settings)) as c:
        await c.sign_in("u", PASSWORD)
        put = [
            await _timed(lambda d=d: _status(c.put(f"/api/media/{sha(d)}", content=d)), 201)
            for d in photos
        ]
        head = [
            await _timed(lambda d=d: _status(c.head(f"/api/media/{sha(d)}")), 200) for d in photos
        ]
        get = [
            await _timed(lambda d=d: _status(c.get(f"/api/media/{sha(d)}")), 200) for d in photos
        ]
        served = len((await c.get(f"/api/media/{sha(photos[0])}")).content)
    put_peak, get_peak = await _over_http(settings, big, sha(photos[0]))
    ms = lambda xs: statistics.median(xs) * 1000  # noqa: E731
    print(
        f"  {label:5} PUT {ms(put):6.1f} ms  HEAD {ms(head):5.1f} ms  GET {ms(get):5.1f} ms"
        f" (median of {PHOTOS}, 1600×1200)"
    )
    print(
        f"        peak Python memory: PUT of {len(big) / 2**20:.0f} MB"
        f" {put_peak / 2**20:5.1f} MB; GET of {served / 1024:.0f} KB {get_peak / 1024:6.0f} KB"
    )


async def _over_http(settings: Settings, big: bytes, photo: str) -> tuple[int, int]:
    """Peak memory of a chunked upload of `big` and of a streamed download of `photo`."""
    port = free_port()
    server = uvicorn.Server(
        uvicorn.Config(create_app(settings), host="127.0.0.1", port=port, log_level="warning")
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    try:
        while not server.started:  # noqa: ASYNC110 (set by uvicorn's thread: nothing to await)
            await asyncio.sleep(0.05)
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", timeout=120) as c:
            c.headers["X-CSRF-Token"] = (await c.get("/api/auth/csrf")).json()["csrf_token"]
            r = await c.post("/api/auth/login", json={"username": "u", "password": PASSWORD})
            assert r.status_code == 200, r.text
            c.headers["X-CSRF-Token"] = (await c.get("/api/auth/csrf")).json()["csrf_token"]

            async def chunks() -> AsyncIterator[bytes]:
                view = memoryview(big)
                for i in range(0, len(big), 64 * 1024):
                    yield bytes(view[i : i + 64 * 1024])

            async def upload() -> int:
                return (await c.put(f"/api/media/{sha(big)}", content=chunks())).status_code

            async def download() -> int:
                async with c.stream("GET", f"/api/media/{photo}") as r:
                    async for _ in r.aiter_bytes():
                        pass
                    return r.status_code

            return await _peak(upload, 201), await _peak(download, 200)
    finally:
        server.should_exit = True
        thread.join()


async def _status(request: Awaitable[object]) -> int:
    response = await request
    return int(response.status_code)  # type: ignore[attr-defined]


async def main() -> None:
    print("media store: the real app, photos on disk vs on moto's S3 server (same machine)")
    with tempfile.TemporaryDirectory() as tmp, running_s3_server() as s3:
        url = f"sqlite:///{Path(tmp) / 'db.sqlite3'}"
        await db.migrate(db.engine_from_url(url))
        db.configure(db.engine_from_url(url))
        rows = await Site.insert(Site(name="s", code="s", created_at=service.now())).returning(
            Site.id
        )
        await service.create_user(
            "u", PASSWORD, display_name="U", roles=["patrol"], site_ids=[rows[0]["id"]]
        )
        await one_store("disk", {}, Path(tmp), 0)
        await one_store("s3", s3.env(s3.new_bucket()), Path(tmp), 1000)


if __name__ == "__main__":
    asyncio.run(main())
