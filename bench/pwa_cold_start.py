"""PWA budgets: first-load JavaScript (gzip, from the build) and an offline cold start to a
rendered findings list of 1,000 records with the CPU throttled 4x (Chromium DevTools protocol),
beside the same start unthrottled. Targets: JS <= 80 KB gzip; throttled start <= 1 s."""

from __future__ import annotations

import gzip
import re
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

import httpx
from playwright.sync_api import sync_playwright

from server.settings import REPO_ROOT
from tests.browser.conftest import CHROMIUM, CHROMIUM_ARGS, DEMO_PASSWORD, LiveServer, free_port

RECORDS = 1000
DIST = REPO_ROOT / "pwa" / "dist"


def first_load_js_gzip() -> int:
    """Gzip size of the scripts index.html loads up front (not lazy chunks)."""
    html = (DIST / "index.html").read_text(encoding="utf-8")
    scripts = re.findall(r'<script[^>]+src="/?([^"]+\.js)"', html)
    scripts += re.findall(r'<link[^>]+rel="modulepreload"[^>]+href="/?([^"]+\.js)"', html)
    return sum(len(gzip.compress((DIST / s).read_bytes(), 9)) for s in set(scripts))


def seed_findings(url: str) -> None:
    """1,000 findings pushed by another phone of the same patrol."""
    with httpx.Client(base_url=url, timeout=60) as c:
        token = c.get("/api/auth/csrf").json()["csrf_token"]
        c.headers["X-CSRF-Token"] = token
        me = c.post("/api/auth/login", json={"username": "zhangwei", "password": DEMO_PASSWORD})
        c.headers["X-CSRF-Token"] = c.cookies["fieldkeep_csrf"]  # the session's own token
        site = me.json()["user"]["sites"][0]["id"]
        device, now = str(uuid.uuid4()), int(time.time() * 1000)
        mutations = [
            {
                "id": str(uuid.uuid4()),
                "seq": i + 1,
                "name": "findings.upsert",
                "args": {
                    "id": str(uuid.uuid4()),
                    "site_id": site,
                    "category": "patrol",
                    "description": f"第 {i + 1} 号：楼道灯不亮",
                    "location": f"{i % 12 + 1}栋",
                },
                "hlc": f"{now + i:015d}-00000-{device}",
            }
            for i in range(RECORDS)
        ]
        for i in range(0, RECORDS, 500):
            r = c.post(
                "/api/sync/push", json={"device_id": device, "mutations": mutations[i : i + 500]}
            )
            r.raise_for_status()


def cold_start_ms(server: LiveServer, rate: float) -> float:
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        context = browser.new_context(locale="zh-CN", viewport={"width": 360, "height": 740})
        page = context.new_page()
        page.goto(server.url + "/")
        page.get_by_test_id("login-username").fill("zhangwei")
        page.get_by_test_id("login-password").fill(DEMO_PASSWORD)
        page.get_by_test_id("login-submit").click()
        page.get_by_test_id("home-header").wait_for()
        page.goto(server.url + "/findings")
        page.get_by_test_id("findings-count").filter(has_text=str(RECORDS)).wait_for(
            timeout=120_000
        )
        page.wait_for_function("() => navigator.serviceWorker.controller !== null")
        page.close()
        # Offline for real: the network is off and any request that slips through is aborted.
        context.set_offline(True)
        context.route("**/*", lambda route: route.abort())
        page = context.new_page()
        cdp = context.new_cdp_session(page)
        cdp.send("Emulation.setCPUThrottlingRate", {"rate": rate})
        page.goto(server.url + "/findings", wait_until="commit")
        # A function, not a string to evaluate: the app's CSP forbids eval.
        page.wait_for_function(
            "() => document.querySelector('[data-testid=findings-count]')?.textContent"
            f".includes('{RECORDS}')"
            " && document.querySelector('[data-testid=finding-row]') !== null",
            polling="raf",
            timeout=60_000,
        )
        elapsed = float(page.evaluate("performance.now()"))
        browser.close()
        return elapsed


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        env = {
            **__import__("os").environ,
            "FIELDKEEP_DATA_DIR": str(folder / "data"),
            "FIELDKEEP_DATABASE_URL": f"sqlite:///{folder / 'data' / 'fk.sqlite3'}",
            "FIELDKEEP_DEMO_PASSWORD": DEMO_PASSWORD,
            "FIELDKEEP_LOG_LEVEL": "warning",
        }
        # Master data only: the list must count exactly RECORDS (the demo has findings of its own).
        subprocess.run(
            [sys.executable, "-m", "server.cli", "seed", "--demo", "--if-empty", "--no-records"],
            env=env,
            check=True,
            capture_output=True,
        )
        port = free_port()
        server = LiveServer(
            url=f"http://127.0.0.1:{port}", data_dir=folder / "data", env=env, port=port
        )
        server.start()
        try:
            seed_findings(server.url)
            fast = cold_start_ms(server, 1)
            slow = cold_start_ms(server, 4)
        finally:
            server.stop()
    js = first_load_js_gzip()
    print(f"PWA first-load JavaScript: {js / 1024:.1f} KB gzip (target <= 80 KB)")
    print(f"offline cold start to {RECORDS} findings listed:")
    print(f"  CPU 4x throttled: {slow:7.0f} ms  (target <= 1000 ms)")
    print(f"  unthrottled:      {fast:7.0f} ms  (ratio {slow / fast:.1f}x)")
