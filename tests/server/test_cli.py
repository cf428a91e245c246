"""The `fieldkeep` command, run as a user would run it: in a subprocess."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from server.settings import Settings

FIELDKEEP = [sys.executable, "-m", "server.cli"]


def env_for(tmp_path: Path, database_url: str | None = None) -> dict[str, str]:
    env = dict(os.environ)
    env["FIELDKEEP_DATA_DIR"] = str(tmp_path / "data")
    env["FIELDKEEP_DATABASE_URL"] = database_url or f"sqlite:///{tmp_path / 'cli.sqlite3'}"
    env["FIELDKEEP_DEMO_PASSWORD"] = "demo-pass-123"
    env.pop("FIELDKEEP_SESSION_KEY", None)
    return env


def run(args: list[str], env: dict[str, str], stdin: str = "") -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        FIELDKEEP + args, env=env, input=stdin, capture_output=True, text=True, timeout=120
    )


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_serve_migrates_and_answers_health_on_a_free_port(
    tmp_path: Path, settings: Settings
) -> None:
    port = free_port()
    env = env_for(tmp_path, settings.database.url if not settings.database.is_sqlite else None)
    proc = subprocess.Popen(
        [*FIELDKEEP, "serve", "--port", str(port)],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        deadline = time.monotonic() + 60
        body = None
        while time.monotonic() < deadline and proc.poll() is None:
            try:
                r = httpx.get(f"http://127.0.0.1:{port}/api/health", timeout=2)
            except httpx.TransportError:
                time.sleep(0.2)
                continue
            body = r.json()
            break
        assert body is not None, proc.stdout.read() if proc.poll() is not None else "no answer"
        assert body["database"] is True
        assert body["migrations_current"] is True
    finally:
        proc.terminate()
        proc.wait(timeout=20)


def test_seed_demo_prints_logins_and_is_safe_to_repeat(tmp_path: Path) -> None:
    env = env_for(tmp_path)
    first = run(["seed", "--demo", "--if-empty"], env)
    assert first.returncode == 0, first.stderr
    assert "demo-pass-123" in first.stdout
    for username in ("zhangwei", "liuyang", "wangfang", "chenjing", "lina", "zhaolei", "admin"):
        assert username in first.stdout
    again = run(["seed", "--demo", "--if-empty"], env)
    assert again.returncode == 0
    assert "demo data created" not in again.stdout
    assert "zhangwei" in again.stdout
    refused = run(["seed", "--demo"], env)
    assert refused.returncode == 2
    assert "not empty" in refused.stderr


def test_generated_demo_password_is_kept_for_the_next_start(tmp_path: Path) -> None:
    env = env_for(tmp_path)
    env.pop("FIELDKEEP_DEMO_PASSWORD")
    first = run(["seed", "--demo", "--if-empty"], env)
    second = run(["seed", "--demo", "--if-empty"], env)
    line = next(x for x in first.stdout.splitlines() if "password" in x)
    assert line in second.stdout.splitlines()


def test_user_add_passwd_disable(tmp_path: Path) -> None:
    env = env_for(tmp_path)
    assert run(["migrate"], env).returncode == 0
    added = run(
        [
            "user",
            "add",
            "wu",
            "--name",
            "吴敏",
            "--role",
            "patrol",
            "--role",
            "cashier",
            "--password-stdin",
        ],
        env,
        stdin="a long password\n",
    )
    assert added.returncode == 0, added.stderr
    taken = run(["user", "add", "wu", "--password-stdin"], env, stdin="another password\n")
    assert taken.returncode == 2
    short = run(["user", "passwd", "wu", "--password-stdin"], env, stdin="short\n")
    assert short.returncode == 2
    assert (
        run(
            ["user", "passwd", "wu", "--password-stdin"], env, stdin="new long password\n"
        ).returncode
        == 0
    )
    assert run(["user", "disable", "wu"], env).returncode == 0
    assert run(["user", "disable", "nobody"], env).returncode == 2


def test_check_reports_pending_migrations_then_current(tmp_path: Path) -> None:
    env = env_for(tmp_path)
    before = run(["check"], env)
    assert before.returncode == 1
    assert "pending" in before.stdout
    assert run(["migrate"], env).returncode == 0
    after = run(["check"], env)
    assert after.returncode == 0, after.stdout
    assert "migrations current: yes" in after.stdout


@pytest.mark.parametrize("bad", [["frobnicate"], ["seed"], ["user", "add"]])
def test_bad_command_lines_exit_non_zero_with_usage(tmp_path: Path, bad: list[str]) -> None:
    r = run(bad, env_for(tmp_path))
    assert r.returncode == 2
    assert "usage" in r.stderr


def test_sync_purge_runs_and_reports(tmp_path: Path) -> None:
    env = env_for(tmp_path)
    assert run(["migrate"], env).returncode == 0
    r = run(["sync", "purge"], env)
    assert r.returncode == 0, r.stderr
    assert "purged 0 tombstones" in r.stdout


def test_sync_reproject_rebuilds_every_projection_or_the_one_named(tmp_path: Path) -> None:
    env = env_for(tmp_path)
    first = run(["migrate"], env)
    assert first.returncode == 0, first.stderr
    assert "findings: 已重建 0 行" in first.stdout  # a new projection is built once
    again = run(["migrate"], env)
    assert again.returncode == 0, again.stderr
    assert "已重建" not in again.stdout
    r = run(["sync", "reproject"], env)
    assert r.returncode == 0, r.stderr
    assert "findings: 已重建 0 行 / 0 rows rebuilt" in r.stdout
    assert "key_events: 已重建 0 行" in r.stdout
    r = run(["sync", "reproject", "--collection", "key_events"], env)
    assert r.returncode == 0, r.stderr
    assert "findings" not in r.stdout
    r = run(["sync", "reproject", "--collection", "patrol_templates"], env)
    assert r.returncode == 2
    projected = (
        "findings, inspection_items, inspections, key_events, parking_shifts,"
        " parking_transactions, patrols, permits"
    )
    assert f"no projection for collection 'patrol_templates' (projected: {projected})" in r.stderr


def test_permits_rotate_key_per_site_or_every_site(tmp_path: Path) -> None:
    env = env_for(tmp_path)
    assert run(["seed", "--demo", "--if-empty"], env).returncode == 0  # cuihu's permits: a key
    folder = tmp_path / "data" / "secrets" / "permits"
    (first,) = folder.glob("*.pem")
    one = run(["permits", "rotate-key", "--site", "cuihu"], env)
    assert one.returncode == 0, one.stderr
    assert one.stdout.startswith("cuihu: ")
    (second,) = folder.glob("*.pem")  # the retired key's private half is removed
    assert second != first and second.stem in one.stdout
    every = run(["permits", "rotate-key"], env)
    assert every.returncode == 0, every.stderr
    assert [line.split(":")[0] for line in every.stdout.splitlines()] == ["cuihu", "jinjiang"]
    missing = run(["permits", "rotate-key", "--site", "nowhere"], env)
    assert missing.returncode == 2 and "nowhere" in missing.stderr
