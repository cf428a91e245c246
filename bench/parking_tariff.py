"""Parking tariff engine: fees per second for 100,000 random stays, in Python and in the PWA's
TypeScript port (run by node), each against a bare loop computing ceil(duration / 1 h) over the
same stays in the same run. Both engines price the same stays; their totals must agree."""

from __future__ import annotations

import json
import math
import os
import random
import subprocess
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import msgspec

from server.parking.demo import DEMO_TARIFFS
from server.parking.tariff import quote
from server.settings import REPO_ROOT

STAYS = int(os.environ.get("BENCH_STAYS", "100000"))
ZONE = "Asia/Shanghai"
PWA = REPO_ROOT / "pwa"

# node has no TypeScript loader before v22: typescript (a PWA dev dependency) transpiles the
# engine, then the same stays are priced by it and by the baseline loop, best of three each.
NODE_DRIVER = r"""
import { createRequire } from 'node:module';
import { readFileSync, writeFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
const [pwa, staysFile, dir] = process.argv.slice(2);
const ts = createRequire(pwa + '/package.json')('typescript');
const source = readFileSync(pwa + '/src/parking/tariff.ts', 'utf8');
const js = ts.transpileModule(source, {
  compilerOptions: { target: ts.ScriptTarget.ES2022, module: ts.ModuleKind.ESNext },
}).outputText;
writeFileSync(dir + '/tariff.mjs', js);
const { quote } = await import(pathToFileURL(dir + '/tariff.mjs').href);
const { tariffs, zone, stays } = JSON.parse(readFileSync(staysFile, 'utf8'));
const parsed = stays.map(([c, entry, exit, lost]) => [c, new Date(entry), new Date(exit), lost]);
function best(run) {
  let fastest = Infinity, total = 0;
  for (let i = 0; i < 3; i++) {
    const t0 = performance.now();
    total = run();
    fastest = Math.min(fastest, (performance.now() - t0) / 1000);
  }
  return [fastest, total];
}
const out = {};
for (const mode of ['24h', 'day']) {
  const rules = Object.fromEntries(
    Object.entries(tariffs).map(([cls, r]) => [cls, { ...r, cap_per: mode }]));
  out[mode] = best(() => {
    let total = 0;
    for (const [cls, entry, exit, lost] of parsed) {
      total += quote(rules[cls], entry, exit, { lostTicket: lost, zone }).fee_fen;
    }
    return total;
  });
}
out.baseline = best(() => {
  let total = 0;
  for (const [, entry, exit] of parsed) total += Math.ceil((exit - entry) / 3600000);
  return total;
});
console.log(JSON.stringify(out));
"""


def random_stays(count: int) -> list[tuple[str, datetime, datetime, bool]]:
    """Mostly short visits, some day stays, a few of several days; 1 in 7 large; 2 % lost."""
    rng = random.Random(16)
    start = datetime(2026, 1, 1, tzinfo=ZoneInfo(ZONE))
    stays = []
    for _ in range(count):
        entry = start + timedelta(seconds=rng.randrange(365 * 86_400))
        kind = rng.random()
        longest = 3 * 3600 if kind < 0.6 else 86_400 if kind < 0.9 else 5 * 86_400
        exit = entry + timedelta(seconds=rng.randrange(longest))
        vehicle_class = "large" if rng.random() < 1 / 7 else "small"
        stays.append((vehicle_class, entry, exit, rng.random() < 0.02))
    return stays


def best_of_three(run: Callable[[], int]) -> tuple[float, int]:
    fastest, total = math.inf, 0
    for _ in range(3):
        t0 = time.perf_counter()
        total = run()
        fastest = min(fastest, time.perf_counter() - t0)
    return fastest, total


def python_figures(
    stays: list[tuple[str, datetime, datetime, bool]],
) -> dict[str, tuple[float, int]]:
    zone = ZoneInfo(ZONE)
    figures = {}
    for mode in ("24h", "day"):
        rules = {c: msgspec.structs.replace(r, cap_per=mode) for c, r in DEMO_TARIFFS.items()}
        figures[mode] = best_of_three(
            lambda rules=rules: sum(  # type: ignore[misc]
                quote(rules[c], entry, exit, lost_ticket=lost, zone=zone).fee_fen
                for c, entry, exit, lost in stays
            )
        )
    figures["baseline"] = best_of_three(
        lambda: sum(math.ceil((exit - entry).total_seconds() / 3600) for _, entry, exit, _ in stays)
    )
    return figures


def node_figures(stays: list[tuple[str, datetime, datetime, bool]]) -> dict[str, tuple[float, int]]:
    document = {
        "tariffs": {c: msgspec.to_builtins(r) for c, r in DEMO_TARIFFS.items()},
        "zone": ZONE,
        "stays": [
            [c, int(entry.astimezone(UTC).timestamp() * 1000), int(exit.timestamp() * 1000), lost]
            for c, entry, exit, lost in stays
        ],
    }
    with tempfile.TemporaryDirectory() as tmp:
        stays_file = Path(tmp) / "stays.json"
        stays_file.write_text(json.dumps(document))
        driver = Path(tmp) / "driver.mjs"
        driver.write_text(NODE_DRIVER)
        out = subprocess.run(
            ["node", str(driver), str(PWA), str(stays_file), tmp],
            check=True,
            capture_output=True,
            text=True,
        )
    return {k: (v[0], v[1]) for k, v in json.loads(out.stdout).items()}


def report(language: str, figures: dict[str, tuple[float, int]]) -> None:
    base_s = figures["baseline"][0]
    print(f"  {language}: baseline ceil(duration / 1 h): {STAYS / base_s:12,.0f} stays/s")
    for mode, label in (("24h", "cap per 24 h"), ("day", "cap per local day")):
        seconds, total = figures[mode]
        print(
            f"  {language}: engine, {label:<17}    {STAYS / seconds:12,.0f} fees/s"
            f"  ({seconds / base_s:5.1f}x the baseline's time; total {total / 100:,.2f} yuan)"
        )


def main() -> None:
    stays = random_stays(STAYS)
    print(f"parking tariff: {STAYS:,} random stays, demo tariff (small and large), best of 3")
    ours = python_figures(stays)
    report("Python", ours)
    theirs = node_figures(stays)
    report("TypeScript (node)", theirs)
    for mode in ("24h", "day"):
        agree = ours[mode][1] == theirs[mode][1]
        print(f"  totals agree ({mode}): {'yes' if agree else 'NO'}")
        if not agree:
            raise SystemExit(f"the two engines disagree on the {mode} total")
