"""Permits on the phone: 1,000 offline verifications of a server-signed QR by the app's own
verifier (pwa/src/permits/verify.ts: base45, CBOR, WebCrypto ES256) in headless Chromium, as a
ratio to a bare SHA-256 (crypto.subtle.digest) of the same bytes in the same page."""

from __future__ import annotations

import json
import subprocess
import tempfile
from pathlib import Path

from playwright.sync_api import Route, sync_playwright

from bench.permits_verify import NOW, sample_qr
from tests.browser.conftest import CHROMIUM, CHROMIUM_ARGS

COUNT = 1000
PWA = Path(__file__).resolve().parent.parent / "pwa"
ORIGIN = "http://localhost"  # a secure context (WebCrypto), answered by the route below

# A plain object: the config lives outside pwa/, where `import 'vite'` would not resolve.
VITE_CONFIG = """
export default {
  root: %(root)s,
  logLevel: 'warn',
  build: {
    outDir: %(out)s,
    emptyOutDir: true,
    lib: { entry: %(entry)s, formats: ['es'], fileName: () => 'verify.js' },
  },
};
"""

RUN = """async ({qr, key, now, count}) => {
  const m = await import('/verify.js');
  const keys = await m.importKeys([key]);
  const states = {revoked: new Set(), used: new Set()};
  for (let i = 0; i < 20; i++) await m.verifyQr(qr, keys, now, states);  // warm up
  let t0 = performance.now();
  for (let i = 0; i < count; i++) {
    const v = await m.verifyQr(qr, keys, now, states);
    if (v.reason !== 'genuine') throw new Error('not genuine: ' + v.reason);
  }
  const ours = performance.now() - t0;
  const bytes = new TextEncoder().encode(qr);
  for (let i = 0; i < 20; i++) await crypto.subtle.digest('SHA-256', bytes);
  t0 = performance.now();
  for (let i = 0; i < count; i++) await crypto.subtle.digest('SHA-256', bytes);
  const bare = performance.now() - t0;
  return {ours, bare};
}"""


def bundle(out: Path) -> str:
    """verify.ts and its libraries as one ES module, built by the app's own Vite."""
    config = out / "vite.bench.config.mjs"
    config.write_text(
        VITE_CONFIG
        % {
            "root": json.dumps(str(PWA)),
            "out": json.dumps(str(out / "dist")),
            "entry": json.dumps(str(PWA / "src" / "permits" / "verify.ts")),
        }
    )
    subprocess.run(
        ["npx", "vite", "build", "--config", str(config)], cwd=PWA, check=True, timeout=300
    )
    return (out / "dist" / "verify.js").read_text()


def main() -> None:
    qr, keys = sample_qr()
    (key,) = keys.values()
    with tempfile.TemporaryDirectory() as tmp:
        script = bundle(Path(tmp))

    def serve(route: Route) -> None:
        if route.request.url.endswith("/verify.js"):
            route.fulfill(body=script, content_type="text/javascript")
        else:
            route.fulfill(body="<!doctype html><title>bench</title>", content_type="text/html")

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        page = browser.new_page()
        page.route(f"{ORIGIN}/**", serve)
        page.goto(f"{ORIGIN}/")
        arg = {
            "qr": qr,
            "key": {"kid": key.kid, "alg": "ES256", "jwk": dict(key.jwk), "site_id": key.site_id},
            "now": NOW,
            "count": COUNT,
        }
        times = page.evaluate(RUN, arg)
        browser.close()
    ours, bare = times["ours"], times["bare"]
    print(f"permit verify in Chromium: {COUNT} verifications of a {len(qr)}-character QR")
    print(f"  ours:        {ours:8.1f} ms  ({ours / COUNT * 1000:7.1f} µs each)")
    print(f"  bare SHA-256:{bare:8.1f} ms  ({bare / COUNT * 1000:7.2f} µs each)")
    print(f"  ratio ours/SHA-256: {ours / bare:.1f}x")


if __name__ == "__main__":
    main()
