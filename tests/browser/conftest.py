"""A real server (the `fieldkeep serve` command with demo data) and Debian's Chromium driven by
Playwright. Missing Chromium or an unbuilt PWA fails the run; nothing here skips."""

from __future__ import annotations

import json
import os
import re
import shutil
import socket
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from playwright.sync_api import (
    Browser,
    BrowserContext,
    Page,
    Playwright,
    Request,
    Response,
    Route,
    expect,
    sync_playwright,
)

from server.settings import REPO_ROOT

CHROMIUM = os.environ.get("FIELDKEEP_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    # The machine has no network beyond localhost; without this Chromium keeps calling out.
    "--host-resolver-rules=MAP * ~NOTFOUND , EXCLUDE localhost , EXCLUDE 127.0.0.1",
]
DEMO_PASSWORD = "demo-pass-2026"
# Waits for a condition, not a threshold: generous so a loaded machine does not fail a test.
expect.set_options(timeout=15_000)
PWA_DIST = REPO_ROOT / "pwa" / "dist"


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    here = Path(__file__).parent
    for item in items:
        if here in Path(str(item.fspath)).parents:
            item.add_marker(pytest.mark.browser)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class LiveServer:
    url: str
    data_dir: Path
    env: dict[str, str]
    port: int
    process: subprocess.Popen[str] | None = None
    pwa_dir: Path = PWA_DIST

    @property
    def database(self) -> Path:
        return self.data_dir / "fieldkeep.sqlite3"

    def start(self) -> None:
        self.process = subprocess.Popen(
            [sys.executable, "-m", "server.cli", "serve", "--port", str(self.port)],
            env=self.env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError("fieldkeep serve exited early")
            try:
                httpx.get(self.url + "/api/health", timeout=2)
                return
            except httpx.TransportError:
                time.sleep(0.1)
        raise RuntimeError("fieldkeep serve did not answer within 60 s")

    def stop(self, kill: bool = False) -> None:
        if self.process and self.process.poll() is None:
            if kill:
                self.process.kill()
            else:
                self.process.terminate()
            self.process.wait(timeout=20)


def _live_server(tmp_path: Path, pwa_dir: Path) -> LiveServer:
    if not (pwa_dir / "index.html").is_file():
        pytest.fail("the PWA is not built: run `make test` (it builds pwa/dist first)")
    port = free_port()
    env = dict(os.environ)
    env.update(
        FIELDKEEP_DATA_DIR=str(tmp_path / "data"),
        FIELDKEEP_DATABASE_URL=f"sqlite:///{tmp_path / 'data' / 'fieldkeep.sqlite3'}",
        FIELDKEEP_DEMO_PASSWORD=DEMO_PASSWORD,
        FIELDKEEP_PWA_DIR=str(pwa_dir),
        FIELDKEEP_LOG_LEVEL="warning",
    )
    # The demo's master data without its keys, patrols and findings: the tests count what they make.
    seeded = subprocess.run(
        [sys.executable, "-m", "server.cli", "seed", "--demo", "--if-empty", "--no-records"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert seeded.returncode == 0, seeded.stderr
    server = LiveServer(
        url=f"http://127.0.0.1:{port}",
        data_dir=tmp_path / "data",
        env=env,
        port=port,
        pwa_dir=pwa_dir,
    )
    server.start()
    return server


@pytest.fixture
def live_server(tmp_path: Path) -> Iterator[LiveServer]:
    server = _live_server(tmp_path, PWA_DIST)
    yield server
    server.stop()


@pytest.fixture
def demo_server(tmp_path: Path) -> Iterator[LiveServer]:
    """The whole demo, records too (keys out, a returned patrol, findings in every state)."""
    env = dict(os.environ)
    env.update(
        FIELDKEEP_DATA_DIR=str(tmp_path / "data"),
        FIELDKEEP_DATABASE_URL=f"sqlite:///{tmp_path / 'data' / 'fieldkeep.sqlite3'}",
        FIELDKEEP_DEMO_PASSWORD=DEMO_PASSWORD,
        FIELDKEEP_LOG_LEVEL="warning",
    )
    seeded = subprocess.run(
        [sys.executable, "-m", "server.cli", "seed", "--demo"],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert seeded.returncode == 0, seeded.stderr
    server = _live_server(tmp_path, PWA_DIST)  # its own seed finds the database filled
    yield server
    server.stop()


@pytest.fixture
def pwa_copy(tmp_path: Path) -> Path:
    """A private copy of pwa/dist, so a test can "deploy" a changed build without touching it."""
    if not (PWA_DIST / "index.html").is_file():
        pytest.fail("the PWA is not built: run `make test` (it builds pwa/dist first)")
    copy = tmp_path / "pwa-dist"
    shutil.copytree(PWA_DIST, copy)
    return copy


@pytest.fixture
def live_server_own_pwa(tmp_path: Path, pwa_copy: Path) -> Iterator[LiveServer]:
    """Like `live_server`, but serving the PWA from `pwa_copy` (`server.pwa_dir`)."""
    server = _live_server(tmp_path, pwa_copy)
    yield server
    server.stop()


@pytest.fixture(scope="session")
def playwright() -> Iterator[Playwright]:
    with sync_playwright() as p:
        yield p


@pytest.fixture(scope="session")
def browser(playwright: Playwright) -> Iterator[Browser]:
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: make test installs it with apt-get install chromium")
    b = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
    yield b
    b.close()


@pytest.fixture
def context(browser: Browser) -> Iterator[BrowserContext]:
    ctx = browser.new_context(locale="zh-CN", viewport={"width": 360, "height": 740})
    yield ctx
    ctx.close()


@pytest.fixture
def page(context: BrowserContext) -> Page:
    return context.new_page()


@pytest.fixture
def other_context(browser: Browser) -> Iterator[BrowserContext]:
    """A second browser profile (another phone) next to `context`."""
    ctx = browser.new_context(locale="zh-CN", viewport={"width": 360, "height": 740})
    yield ctx
    ctx.close()


@pytest.fixture
def third_context(browser: Browser) -> Iterator[BrowserContext]:
    """A third phone (the site's supervisor, or a colleague taking a key)."""
    ctx = browser.new_context(locale="zh-CN", viewport={"width": 360, "height": 740})
    yield ctx
    ctx.close()


def sign_in(page: Page, server: LiveServer, username: str, password: str = DEMO_PASSWORD) -> None:
    page.goto(server.url + "/")
    page.get_by_test_id("login-username").fill(username)
    page.get_by_test_id("login-password").fill(password)
    page.get_by_test_id("login-submit").click()
    page.get_by_test_id("home-header").wait_for()


# ---- offline, the service worker, the app's screens, the server's database ---------------------

OFFLINE_PROBE = """() => fetch('/api/health', {cache: 'no-store'}).then(
    (r) => 'reached the server: ' + r.status, () => 'failed')"""


def wait_for_service_worker(page: Page) -> None:
    """Wait until a service worker controls the page (the app shell is precached by then)."""
    page.wait_for_function("() => navigator.serviceWorker.controller !== null", timeout=20_000)
    page.evaluate("navigator.serviceWorker.ready.then(() => true)")


def _abort(route: Route) -> None:
    route.abort("internetdisconnected")


def go_offline(context: BrowserContext) -> None:
    """No network for the context: `navigator.onLine` false, and every request that is not
    answered by the service worker is aborted (set_offline alone may miss a fresh worker)."""
    context.route("**/*", _abort)
    context.set_offline(True)


def go_online(context: BrowserContext) -> None:
    context.unroute("**/*", _abort)
    context.set_offline(False)


def assert_offline(page: Page) -> None:
    """The page really cannot reach the server."""
    assert page.evaluate("navigator.onLine") is False
    assert page.evaluate(OFFLINE_PROBE) == "failed"


class NetworkLog:
    """Every response the context's pages get, and whether the service worker gave it."""

    def __init__(self, context: BrowserContext) -> None:
        self.responses: list[tuple[str, bool]] = []
        # Only requests made from now on: an answer to a request sent before (a page's fetch
        # still in flight when the test went offline) says nothing about offline use.
        self._requests: set[Request] = set()
        context.on("request", lambda request: self._requests.add(request))
        context.on("response", self._record)

    def _record(self, response: Response) -> None:
        if response.request in self._requests:
            self.responses.append((response.url, response.from_service_worker))

    def from_network(self) -> list[str]:
        return [url for url, from_sw in self.responses if not from_sw]


def open_sync_page(page: Page) -> None:
    page.get_by_test_id("nav-sync").click()
    page.get_by_test_id("pending-count").wait_for()


def expect_pending(page: Page, n: int, timeout: float = 20_000) -> None:
    """On the sync page: the pending count reaches n."""
    expect(page.get_by_test_id("pending-count")).to_have_text(str(n), timeout=timeout)


def sync_now(page: Page) -> None:
    open_sync_page(page)
    button = page.get_by_test_id("sync-now")
    expect(button).to_be_enabled()
    button.click()


def synced(page: Page, timeout: float = 20_000) -> None:
    """Sync now and wait until the push is answered and the pull has landed."""
    sync_now(page)
    expect_pending(page, 0, timeout)
    expect(page.get_by_test_id("sync-now")).to_be_enabled(timeout=timeout)


def create_finding(
    page: Page, description: str, location: str = "", site: str | None = None
) -> str:
    """Report a finding through the form; returns its id (from the detail screen)."""
    page.get_by_test_id("nav-findings").click()
    page.get_by_test_id("finding-new").click()
    form = page.get_by_test_id("finding-form")
    form.wait_for()
    if site is not None:
        page.get_by_test_id("finding-site").select_option(label=site)
    page.get_by_test_id("finding-location").fill(location)
    page.get_by_test_id("finding-description").fill(description)
    page.get_by_test_id("finding-save").click()
    detail = page.get_by_test_id("finding-detail")
    expect(detail).to_be_visible()
    expect(page.get_by_test_id("finding-detail-description")).to_have_text(description)
    finding_id = detail.get_attribute("data-id")
    assert finding_id
    return finding_id


def open_finding(page: Page, finding_id: str) -> None:
    page.get_by_test_id("nav-findings").click()
    page.locator(f'[data-testid="finding-row"][data-id="{finding_id}"]').click()
    expect(page.get_by_test_id("finding-detail")).to_have_attribute("data-id", finding_id)


def edit_finding(page: Page, finding_id: str, **fields: str) -> None:
    """Open the finding, change the given text fields (location, description), and save. Its
    state and assignee are not in the form: they move by the finding page's actions."""
    open_finding(page, finding_id)
    page.get_by_test_id("finding-edit").click()
    page.get_by_test_id("finding-form").wait_for()
    for name, value in fields.items():
        page.get_by_test_id(f"finding-{name.replace('_', '-')}").fill(value)
    page.get_by_test_id("finding-save").click()
    expect(page.get_by_test_id("finding-detail")).to_have_attribute("data-id", finding_id)


OUTBOX_JS = """async () => {
    const dbs = (await indexedDB.databases()).filter((d) => /^fieldkeep-/.test(d.name));
    if (dbs.length !== 1) throw new Error('expected one user store, found ' + dbs.length);
    const db = await new Promise((resolve, reject) => {
        const r = indexedDB.open(dbs[0].name);
        r.onsuccess = () => resolve(r.result);
        r.onerror = () => reject(r.error);
    });
    try {
        return await new Promise((resolve, reject) => {
            const r = db.transaction('outbox').objectStore('outbox').getAll();
            r.onsuccess = () => resolve(r.result);
            r.onerror = () => reject(r.error);
        });
    } finally {
        db.close();
    }
}"""


def outbox(page: Page) -> list[dict[str, Any]]:
    """The signed-in user's outbox rows, straight from IndexedDB, in seq order."""
    rows: list[dict[str, Any]] = page.evaluate(OUTBOX_JS)
    return sorted(rows, key=lambda r: r["seq"])


def device_id(page: Page) -> str:
    open_sync_page(page)
    el = page.get_by_test_id("device-id")
    expect(el).to_have_text(re.compile(r"^[0-9a-f-]{36}$"))
    return el.inner_text()


def query(server: LiveServer, sql: str, *params: Any) -> list[tuple[Any, ...]]:
    """Read the live server's SQLite database directly (read-only)."""
    conn = sqlite3.connect(f"file:{server.database}?mode=ro", uri=True)
    try:
        return conn.execute(sql, params).fetchall()
    finally:
        conn.close()


def server_findings(server: LiveServer) -> dict[str, dict[str, Any]]:
    """Every findings row of sync_record, by record id; fails on a doubled record id."""
    rows = query(
        server,
        "SELECT record_id, fields, deleted FROM sync_record WHERE collection = 'findings'",
    )
    ids = [r[0] for r in rows]
    assert len(ids) == len(set(ids)), f"a finding is stored twice: {ids}"
    return {r[0]: {**json.loads(r[1]), "_deleted": bool(r[2])} for r in rows}


def server_results(server: LiveServer, device: str) -> dict[str, dict[str, Any]]:
    """The first result of every mutation of the device, by mutation id."""
    rows = query(
        server, "SELECT mutation_id, seq, result FROM sync_result WHERE device_id = ?", device
    )
    out: dict[str, dict[str, Any]] = {}
    for mutation_id, seq, stored in rows:
        first = json.loads(stored)
        # The stored row is the whole first answer; its `result` is what the device was told.
        out[mutation_id] = {**first.get("result", first), "seq": seq}
    return out


# The zh-CN texts: the core catalog, the error texts, and each feature's own (`const zh` of its
# texts.ts).
PWA_SRC = REPO_ROOT / "pwa" / "src"
ZH_CN_CATALOGS = [
    PWA_SRC / "i18n" / "zh-CN.ts",
    PWA_SRC / "i18n" / "error-texts.ts",
    *sorted(PWA_SRC.glob("*/texts.ts")),
]


def catalog_text(key: str) -> str:
    """A zh-CN message from the PWA's catalogs (zh-CN is the source of keys)."""
    for catalog in ZH_CN_CATALOGS:
        zh = catalog.read_text().split("as const;")[0]
        m = re.search(rf"^\s*'{re.escape(key)}':\s*'((?:[^'\\]|\\.)*)',", zh, re.M)
        if m:
            return m.group(1)
    raise AssertionError(f"{key} is in none of {[str(c) for c in ZH_CN_CATALOGS]}")


# ---- a fake camera (issue 7: scanning a key's QR tag) ------------------------------------------


def write_y4m(image: Any, path: Path, frames: int = 10) -> Path:
    """A still picture as a .y4m video (YUV 4:2:0) for Chromium's fake camera, which loops it:
    a text header, then `FRAME` + the Y plane and the half-size U and V planes per frame."""
    from PIL import Image

    img = image.convert("RGB")
    w, h = img.size[0] // 2 * 2, img.size[1] // 2 * 2
    img = img.crop((0, 0, w, h))
    y, u, v = img.convert("YCbCr").split()
    u = u.resize((w // 2, h // 2), Image.Resampling.BOX)
    v = v.resize((w // 2, h // 2), Image.Resampling.BOX)
    frame = b"FRAME\n" + y.tobytes() + u.tobytes() + v.tobytes()
    with path.open("wb") as f:
        f.write(f"YUV4MPEG2 W{w} H{h} F10:1 Ip A1:1 C420jpeg\n".encode())
        for _ in range(frames):
            f.write(frame)
    return path


@pytest.fixture
def camera_browser(playwright: Playwright) -> Iterator[Any]:
    """Launches a second Chromium whose camera plays the given video file (permission granted):
    `camera_browser(path) -> Browser`. Closed after the test."""
    launched: list[Browser] = []

    def launch(video: Path) -> Browser:
        b = playwright.chromium.launch(
            executable_path=CHROMIUM,
            headless=True,
            args=[
                *CHROMIUM_ARGS,
                "--use-fake-ui-for-media-stream",
                "--use-fake-device-for-media-stream",
                f"--use-file-for-fake-video-capture={video}",
            ],
        )
        launched.append(b)
        return b

    yield launch
    for b in launched:
        b.close()
