"""deploy/ names only what exists: every FIELDKEEP_* setting is one the server reads, every
`fieldkeep …` command line parses, the example settings are accepted, and the Caddyfile sends
requests where the settings make the app listen and caches what the PWA build names by hash."""

from __future__ import annotations

import re
import shlex
from pathlib import Path

import asyncpg
import pytest

from bench.load import own_postgres
from server.cli import build_parser
from server.settings import REPO_ROOT, Settings

DEPLOY = REPO_ROOT / "deploy"
SETTING = re.compile(r"\bFIELDKEEP_[A-Z0-9_]+\b")


def _deploy_text() -> str:
    return "\n".join(p.read_text() for p in sorted(DEPLOY.iterdir()) if p.is_file())


def _settings_read_by_the_server() -> set[str]:
    read = set()
    for path in (REPO_ROOT / "server").rglob("*.py"):
        read |= set(re.findall(r"[\"'](FIELDKEEP_[A-Z0-9_]+)[\"']", path.read_text()))
    return read


def _example_env() -> dict[str, str]:
    env = {}
    for line in (DEPLOY / "fieldkeep.env.example").read_text().splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            name, _, value = line.partition("=")
            env[name] = value
    return env


def test_every_setting_named_in_deploy_is_read_by_the_server() -> None:
    named = set(SETTING.findall(_deploy_text()))
    assert {"FIELDKEEP_DATABASE_URL", "FIELDKEEP_TRUSTED_PROXIES"} <= named
    assert named - _settings_read_by_the_server() == set()


def _fieldkeep_command_lines() -> list[list[str]]:
    lines = []
    for unit in DEPLOY.glob("*.service"):
        for line in unit.read_text().splitlines():
            if line.startswith("ExecStart="):
                words = shlex.split(line.removeprefix("ExecStart="))
                assert Path(words[0]).name == "fieldkeep", line
                lines.append(words[1:])
    for block in re.findall(r"```sh\n(.*?)```", (DEPLOY / "README.md").read_text(), re.S):
        for line in block.splitlines():
            words = shlex.split(line.split("#", 1)[0])
            if words and Path(words[0]).name == "fieldkeep":
                lines.append(words[1:])
    return lines


@pytest.mark.parametrize("words", _fieldkeep_command_lines(), ids=" ".join)
def test_every_fieldkeep_command_line_parses(words: list[str]) -> None:
    build_parser().parse_args(words)  # exits (fails the test) on an unknown command or option


def test_the_example_settings_are_accepted(tmp_path: Path) -> None:
    env = _example_env()
    settings = Settings.from_env({**env, "FIELDKEEP_DATA_DIR": str(tmp_path)})
    assert settings.server.secure_cookies
    assert settings.server.trusted_proxies == ("127.0.0.1/32", "::1/128")
    assert not settings.database.is_sqlite
    assert settings.push.lease_seconds == float(env["FIELDKEEP_PUSH_LEASE_SECONDS"])


def test_caddy_proxies_to_the_app_and_caches_the_hashed_assets() -> None:
    env = _example_env()
    caddyfile = (DEPLOY / "Caddyfile").read_text()
    upstream = re.search(r"reverse_proxy\s+(\S+)", caddyfile)
    assert upstream is not None
    assert upstream.group(1) == f"{env['FIELDKEEP_HOST']}:{env['FIELDKEEP_PORT']}"
    assert env["FIELDKEEP_HOST"] in env["FIELDKEEP_TRUSTED_PROXIES"].split(",")
    site = env["FIELDKEEP_PUBLIC_BASE_URL"].removeprefix("https://")
    assert re.search(rf"^{re.escape(site)} {{", caddyfile, re.M)
    # What Caddy serves from disk is what the app itself marks immutable, from the PWA folder.
    root = re.search(r"handle /assets/\* \{\s*root \* (\S+)", caddyfile)
    assert root is not None and root.group(1) == env["FIELDKEEP_PWA_DIR"]
    assert "public, max-age=31536000, immutable" in caddyfile
    from server.static import IMMUTABLE

    assert f'"{IMMUTABLE}"' in caddyfile


async def test_postgresql_runs_with_the_deployed_settings() -> None:
    """deploy/postgresql.conf as `make load` uses it (bench/load.py `own_postgres`): a server
    starts with it and reports its settings, durability left on."""
    expected = {
        "autovacuum": "on",
        "shared_buffers": "1GB",
        "wal_compression": "pglz",
        "fsync": "on",
        "synchronous_commit": "on",
        "full_page_writes": "on",
        "max_connections": "200",
    }
    with own_postgres() as admin_url:
        conn = await asyncpg.connect(admin_url, timeout=10)
        try:
            shown = {name: await conn.fetchval(f"SHOW {name}") for name in expected}
        finally:
            await conn.close()
    assert shown == expected
