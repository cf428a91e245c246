"""Load test (`make load`; not part of `make test`): simulated phones of several users on several
sites, each pushing 1–20 `findings.upsert` mutations and then pulling, once a second, against a
real `fieldkeep serve` process: (a) the single-process default on SQLite and (b) `--workers 4`
on PostgreSQL. Prints p50/p95/p99 of push and pull requests, mutations/s, records pulled/s,
errors, and the CPU the server and this client used.

The PostgreSQL run starts a PostgreSQL server of its own (initdb in a temporary folder) set as
deploy/postgresql.conf says a Fieldkeep database is set; `--postgres URL` runs it against an
existing server instead (this machine's test server, for one, runs without autovacuum).

    python -m bench.load                      # both configurations, 5 minutes each
    python -m bench.load --seconds 30         # a short try
    python -m bench.load --only workers --profile   # and where one worker spends its time

`--profile` runs the same app under uvicorn with one process (the single server, or the first
worker) under cProfile, and prints where its wall time goes (cProfile's clock: time blocked in a
call, say an fsync inside sqlite3, counts too). The profiler slows that process down.
"""

from __future__ import annotations

import argparse
import asyncio
import collections
import glob
import os
import random
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import aiohttp
import httpx
import msgspec

from bench.parking_report import _create_postgres, _drop_postgres
from server import db
from server.auth import service
from server.sites.tables import Site
from sync import new_id

DEPLOYED_SETTINGS = Path(__file__).parent.parent / "deploy" / "postgresql.conf"
SITES = 4
USERS = 8
PASSWORD = "load-test-password"  # noqa: S105 (the users it makes in a throwaway database)
SIGN_INS_AT_ONCE = 4  # argon2 is meant to be slow; the phones sign in a few at a time
TARGET_P95_MS = 300.0
MAX_PUSH = 500  # mutations in one push, as the app sends them at most
DESCRIPTION = "Simulated phones pushing and pulling against a real fieldkeep serve"


class PullPage(msgspec.Struct):
    """What a phone needs of a pull answer here; the changes are counted, not built into
    objects (this client shares the server's two cores, so it does as little as it can)."""

    changes: list[msgspec.Raw]
    cursor: str
    has_more: bool


class PushAnswer(msgspec.Struct):
    applied_through: int | None = None


@dataclass
class Figures:
    push_ms: list[float] = field(default_factory=list)
    pull_ms: list[float] = field(default_factory=list)
    mutations: int = 0
    pulled: int = 0
    errors: collections.Counter[str] = field(default_factory=collections.Counter)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def percentile(values: list[float], p: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


def cpu_seconds(pid: int) -> float:
    """User + system CPU of a process and its children that were waited for, or still live."""
    total = 0.0
    pids = [pid]
    children = Path(f"/proc/{pid}/task/{pid}/children")
    if children.exists():
        pids += [int(p) for p in children.read_text().split()]
    for p in pids:
        try:
            fields = Path(f"/proc/{p}/stat").read_text().rsplit(")", 1)[1].split()
        except FileNotFoundError:
            continue
        total += sum(int(v) for v in fields[11:15]) / os.sysconf("SC_CLK_TCK")
    return total


async def seed(url: str) -> None:
    """Sites and users, written before the server starts (it migrated the database already)."""
    db.configure(db.engine_from_url(url))
    site_ids = []
    for n in range(SITES):
        rows = await Site.insert(
            Site(name=f"压测项目{n + 1}", code=f"load{n + 1}", created_at=service.now())
        ).returning(Site.id)
        site_ids.append(int(rows[0]["id"]))
    for n in range(USERS):
        await service.create_user(
            f"load{n + 1}",
            PASSWORD,
            display_name=f"压测{n + 1}",
            roles=["patrol"],
            site_ids=[site_ids[n % SITES]],
        )


class Phone:
    """One phone: its own connection and session cookie. aiohttp's client, for the little CPU
    it takes per request (this process shares the server's cores; httpx took 0.36 of one)."""

    def __init__(self, number: int, base: str, site_ids: dict[str, int]) -> None:
        self.username = f"load{number % USERS + 1}"
        self.site_id = site_ids[self.username]
        self.client = aiohttp.ClientSession(
            base_url=base,
            cookie_jar=aiohttp.CookieJar(unsafe=True),  # unsafe: cookies of an IP address too
            timeout=aiohttp.ClientTimeout(total=60),
        )
        self.headers: dict[str, str] = {}
        self.device = new_id()
        self.seq = 0
        self.cursor: str | None = None
        self.mine: list[str] = []
        self.rng = random.Random(number)

    async def csrf_token(self) -> str:
        async with self.client.get("/api/auth/csrf") as r:
            return str((await r.json())["csrf_token"])

    async def sign_in(self, limit: asyncio.Semaphore) -> None:
        async with limit:
            token = await self.csrf_token()
            async with self.client.post(
                "/api/auth/login",
                json={"username": self.username, "password": PASSWORD},
                headers={"X-CSRF-Token": token},
            ) as r:
                r.raise_for_status()
        # The sign-in brings the session's own CSRF token.
        self.headers["X-CSRF-Token"] = await self.csrf_token()

    def mutations(self) -> list[dict[str, Any]]:
        batch = []
        for _ in range(self.rng.randint(1, 20)):
            self.seq += 1
            if self.mine and self.rng.random() < 0.3:
                finding = self.rng.choice(self.mine)  # an edit of one of its own
            else:
                finding = new_id()
                self.mine.append(finding)
            batch.append(
                {
                    "id": new_id(),
                    "seq": self.seq,
                    "name": "findings.upsert",
                    "args": {
                        "id": finding,
                        "site_id": self.site_id,
                        "category": "patrol",
                        "description": f"第 {self.seq} 次记录：门锁损坏",
                        "location": f"{self.seq % 12 + 1}栋",
                    },
                    "hlc": f"{int(time.time() * 1000):015d}-{self.seq % 100_000:05d}-{self.device}",
                }
            )
        return batch

    async def request(
        self,
        figures: list[float],
        errors: collections.Counter[str],
        answer_type: type[Any],
        method: str,
        url: str,
        **kwargs: Any,
    ) -> Any:
        headers = {**self.headers, **kwargs.pop("headers", {})}
        start = time.perf_counter()
        try:
            async with self.client.request(method, url, headers=headers, **kwargs) as r:
                body = await r.read()
        except (aiohttp.ClientError, TimeoutError) as exc:
            errors[type(exc).__name__] += 1
            return None
        figures.append((time.perf_counter() - start) * 1000)
        if r.status != 200:
            errors[f"HTTP {r.status} {body[:80].decode(errors='replace')}"] += 1
            return None
        return msgspec.json.decode(body, type=answer_type)

    async def run(self, stop_at: float, figures: Figures) -> None:
        await asyncio.sleep(self.rng.random())  # the phones' seconds do not all start together
        tick = time.monotonic()
        outbox: list[dict[str, Any]] = []  # like the app's: kept until the server applied it
        while time.monotonic() < stop_at:
            outbox += self.mutations()
            body = {"device_id": self.device, "mutations": outbox[:MAX_PUSH]}
            answer = await self.request(
                figures.push_ms,
                figures.errors,
                PushAnswer,
                "POST",
                "/api/sync/push",
                data=msgspec.json.encode(body),
                headers={"Content-Type": "application/json"},
            )
            if answer is not None:
                applied = answer.applied_through or 0
                figures.mutations += sum(1 for m in outbox if m["seq"] <= applied)
                outbox = [m for m in outbox if m["seq"] > applied]
                if outbox:
                    figures.errors["push not applied"] += 1
            while True:
                params = {"limit": "500", **({"cursor": self.cursor} if self.cursor else {})}
                page = await self.request(
                    figures.pull_ms,
                    figures.errors,
                    PullPage,
                    "GET",
                    "/api/sync/pull",
                    params=params,
                )
                if page is None:
                    break
                figures.pulled += len(page.changes)
                self.cursor = page.cursor
                if not page.has_more:
                    break
            tick = max(tick + 1, time.monotonic())  # late: the next second starts now
            await asyncio.sleep(max(0.0, tick - time.monotonic()))


@contextmanager
def server(
    url: str, data_dir: Path, workers: int, profile_to: Path | None
) -> Iterator[tuple[subprocess.Popen[str], str]]:
    port = free_port()
    env = dict(os.environ)
    env.update(
        FIELDKEEP_DATA_DIR=str(data_dir),
        FIELDKEEP_DATABASE_URL=url,
        FIELDKEEP_LOG_LEVEL="warning",  # no access log line per request
        FIELDKEEP_SESSION_KEY=secrets.token_hex(32),
    )
    cli = [sys.executable, "-m", "server.cli"]
    subprocess.run([*cli, "migrate"], env=env, check=True, capture_output=True)
    asyncio.run(seed(url))
    command = [*cli, "serve", "--port", str(port), "--workers", str(workers)]
    if profile_to is not None:
        # What `fieldkeep serve` runs (it migrated above), with a profiling app factory.
        env["FIELDKEEP_LOAD_PROFILE"] = str(profile_to)
        command = [sys.executable, "-m", "uvicorn", "bench.load:profiled_app", "--factory"]
        command += ["--port", str(port), "--workers", str(workers), "--log-level", "warning"]
    process = subprocess.Popen(
        command,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        text=True,
        start_new_session=True,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 120
        while True:
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError("fieldkeep serve did not start")
            try:
                if httpx.get(f"{base}/api/health", timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                time.sleep(0.3)
        yield process, base
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=60)


def profiled_app() -> Any:
    """uvicorn's app factory for `--profile`: the first process to start profiles itself until
    it shuts down (the other workers run as usual)."""
    import atexit
    import cProfile

    from server.app import app_from_env

    app = app_from_env()
    out = os.environ["FIELDKEEP_LOAD_PROFILE"]
    try:
        os.close(os.open(out + ".claim", os.O_CREAT | os.O_EXCL))
    except FileExistsError:
        return app
    profiler = cProfile.Profile()

    def dump() -> None:
        profiler.disable()
        profiler.dump_stats(out)

    app.on_shutdown.append(dump)
    atexit.register(lambda: None if Path(out).exists() else dump())
    profiler.enable()
    return app


def where_the_time_goes(stats_file: Path, top: int = 22) -> None:
    import pstats

    stats = pstats.Stats(str(stats_file))
    entries = stats.stats  # type: ignore[attr-defined]
    total = sum(tt for _, _, tt, _, _ in entries.values())
    print(f"  {total:.1f} s profiled; most time spent in the function itself (tottime):")
    ranked = sorted(entries.items(), key=lambda kv: kv[1][2], reverse=True)
    for (path, line, func), (_, calls, tt, _ct, _) in ranked[:top]:
        where = f"{Path(path).parent.name}/{Path(path).name}:{line}" if line else path
        print(f"    {tt / total:6.1%}  {tt:7.2f} s  {calls:>9,} calls  {func}  {where}"[:150])
    print("  our code by time inside it (cumtime):")
    ours = [kv for kv in entries.items() if "/server/" in kv[0][0] or "/sync/" in kv[0][0]]
    for (path, line, func), (_, calls, _tt, ct, _) in sorted(
        ours, key=lambda kv: kv[1][3], reverse=True
    )[:top]:
        where = f"{Path(path).parent.name}/{Path(path).name}:{line}"
        print(f"    {ct:7.2f} s  {calls:>9,} calls  {func}  {where}"[:150])


async def drive(base: str, phones: int, seconds: float, figures: Figures) -> None:
    site_rows = await Site.select(Site.id, Site.code).order_by(Site.id)
    by_user = {f"load{n + 1}": int(site_rows[n % SITES]["id"]) for n in range(USERS)}
    fleet = [Phone(n, base, by_user) for n in range(phones)]
    limit = asyncio.Semaphore(SIGN_INS_AT_ONCE)
    await asyncio.gather(*(p.sign_in(limit) for p in fleet))
    stop_at = time.monotonic() + seconds
    await asyncio.gather(*(p.run(stop_at, figures) for p in fleet))
    await asyncio.gather(*(p.client.close() for p in fleet))


def run_one(name: str, url: str, workers: int, args: argparse.Namespace) -> dict[str, Any]:
    with tempfile.TemporaryDirectory() as tmp:
        stats = Path(tmp) / "profile.pstats"
        with server(url, Path(tmp) / "data", workers, stats if args.profile else None) as (
            process,
            base,
        ):
            figures = Figures()
            server_cpu, client_cpu = cpu_seconds(process.pid), time.process_time()
            started = time.monotonic()
            asyncio.run(drive(base, args.phones, args.seconds, figures))
            elapsed = time.monotonic() - started
            load_average = os.getloadavg()[1]  # the machine's, over the last 5 minutes
            server_cpu = cpu_seconds(process.pid) - server_cpu
            client_cpu = time.process_time() - client_cpu
        result = {
            "name": name,
            "push": [percentile(figures.push_ms, p) for p in (50, 95, 99)],
            "pull": [percentile(figures.pull_ms, p) for p in (50, 95, 99)],
            "requests": len(figures.push_ms) + len(figures.pull_ms),
            "mutations_s": figures.mutations / args.seconds,
            "pulled_s": figures.pulled / args.seconds,
            "errors": figures.errors,
            "server_cpu": server_cpu / elapsed,
            "client_cpu": client_cpu / elapsed,
            "load_average": load_average,
        }
        report(result, args)
        if args.profile:
            print(f"where one server process spends its time ({name}, under cProfile):")
            where_the_time_goes(stats)
    return result


def report(r: dict[str, Any], args: argparse.Namespace) -> None:
    def ms(values: list[float]) -> str:
        return " / ".join(f"{v:,.0f}" for v in values)

    errors = sum(r["errors"].values())
    ok = r["push"][1] < TARGET_P95_MS and r["pull"][1] < TARGET_P95_MS and not errors
    print(f"\n== {r['name']}: {args.phones} phones, {args.seconds:.0f} s ==")
    print(f"  push p50/p95/p99 ms   {ms(r['push'])}")
    print(f"  pull p50/p95/p99 ms   {ms(r['pull'])}")
    print(
        f"  mutations/s           {r['mutations_s']:,.0f}   (records pulled/s {r['pulled_s']:,.0f})"
    )
    print(f"  requests              {r['requests']:,}")
    print(f"  errors                {errors} {dict(r['errors']) if errors else ''}")
    print(
        f"  CPU cores used        server {r['server_cpu']:.2f}, this client {r['client_cpu']:.2f}"
    )
    print(f"  machine load average  {r['load_average']:.1f} over 5 min ({os.cpu_count()} cores)")
    print(f"  target p95 < {TARGET_P95_MS:.0f} ms, 0 errors: {'met' if ok else 'NOT met'}")


@contextmanager
def own_postgres() -> Iterator[str]:
    """A PostgreSQL server for this run only, in a temporary folder, with the settings of
    deploy/postgresql.conf; yields its admin URL. As root, it runs as the `postgres` user
    (PostgreSQL refuses root)."""
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
    if not found:
        raise SystemExit("no PostgreSQL server binaries (initdb) under /usr/lib/postgresql")
    bindir = Path(found[-1]).parent
    as_postgres = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
    folder = Path(tempfile.mkdtemp(prefix="fieldkeep-load-pg-"))
    data = folder / "data"
    if as_postgres:
        shutil.chown(folder, "postgres", "postgres")
    port = free_port()
    try:
        initdb = [str(bindir / "initdb"), "-D", str(data), "-U", "postgres", "-A", "trust"]
        subprocess.run(
            [*as_postgres, *initdb, "-E", "UTF8", "--no-locale"], check=True, capture_output=True
        )
        own = f"\n# bench/load.py\nport = {port}\nlisten_addresses = '127.0.0.1'\n"
        own += f"unix_socket_directories = '{folder}'\n"
        with (data / "postgresql.conf").open("a") as conf:
            conf.write("\n" + DEPLOYED_SETTINGS.read_text() + own)
        pg_ctl = [*as_postgres, str(bindir / "pg_ctl"), "-D", str(data)]
        subprocess.run(
            [*pg_ctl, "-l", str(folder / "log"), "-w", "start"],
            check=True,
            stdout=subprocess.DEVNULL,
        )
        try:
            yield f"postgresql://postgres@127.0.0.1:{port}/postgres"
        finally:
            subprocess.run([*pg_ctl, "-m", "fast", "stop"], check=False, capture_output=True)
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def run_on_postgres(admin_url: str, args: argparse.Namespace) -> None:
    name = f"fieldkeep_load_{secrets.token_hex(4)}"
    url = asyncio.run(_create_postgres(name, admin_url))
    try:
        run_one(f"serve --workers {args.workers}, PostgreSQL", url, args.workers, args)
    finally:
        asyncio.run(_drop_postgres(name, admin_url))


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        prog="python -m bench.load", description=__doc__.split("\n")[0]
    )
    parser.add_argument("--seconds", type=float, default=300.0, help="per configuration (300)")
    parser.add_argument("--phones", type=int, default=100)
    parser.add_argument("--workers", type=int, default=4, help="for the PostgreSQL run (4)")
    parser.add_argument(
        "--sqlite-workers", type=int, default=1, help="for the SQLite run (1: make run's way)"
    )
    parser.add_argument("--only", choices=("single", "workers"))
    parser.add_argument(
        "--postgres",
        metavar="URL",
        help="an existing server's admin URL (default: a server of its own, deploy settings)",
    )
    parser.add_argument(
        "--profile", action="store_true", help="profile one server process (slows it down)"
    )
    args = parser.parse_args(argv)
    if args.only != "workers":
        with tempfile.TemporaryDirectory() as tmp:
            url = f"sqlite:///{Path(tmp) / 'load.sqlite3'}"
            name = (
                "single process, SQLite (make run)"
                if args.sqlite_workers == 1
                else f"serve --workers {args.sqlite_workers}, SQLite"
            )
            run_one(name, url, args.sqlite_workers, args)
    if args.only != "single":
        if args.postgres:
            run_on_postgres(args.postgres, args)
        else:
            with own_postgres() as admin_url:
                run_on_postgres(admin_url, args)


if __name__ == "__main__":
    main()
