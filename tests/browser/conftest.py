"""A real server (the `fieldkeep serve` command with demo data) and Debian's Chromium driven by
Playwright. Missing Chromium or an unbuilt PWA fails the run; nothing here skips."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import Browser, BrowserContext, Page, Playwright, sync_playwright

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


@pytest.fixture
def live_server(tmp_path: Path) -> Iterator[LiveServer]:
    if not (PWA_DIST / "index.html").is_file():
        pytest.fail("the PWA is not built: run `make test` (it builds pwa/dist first)")
    port = free_port()
    env = dict(os.environ)
    env.update(
        FIELDKEEP_DATA_DIR=str(tmp_path / "data"),
        FIELDKEEP_DATABASE_URL=f"sqlite:///{tmp_path / 'data' / 'fieldkeep.sqlite3'}",
        FIELDKEEP_DEMO_PASSWORD=DEMO_PASSWORD,
        FIELDKEEP_PWA_DIR=str(PWA_DIST),
        FIELDKEEP_LOG_LEVEL="warning",
    )
    seeded = subprocess.run(
        [sys.executable, "-m", "server.cli", "seed", "--demo", "--if-empty"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert seeded.returncode == 0, seeded.stderr
    server = LiveServer(
        url=f"http://127.0.0.1:{port}", data_dir=tmp_path / "data", env=env, port=port
    )
    server.start()
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


def sign_in(page: Page, server: LiveServer, username: str, password: str = DEMO_PASSWORD) -> None:
    page.goto(server.url + "/")
    page.get_by_test_id("login-username").fill(username)
    page.get_by_test_id("login-password").fill(password)
    page.get_by_test_id("login-submit").click()
    page.get_by_test_id("home-header").wait_for()
