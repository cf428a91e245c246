"""Settings read once from FIELDKEEP_* environment variables and passed to whatever needs them."""

from __future__ import annotations

import hashlib
import hmac
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from server.client_address import parse_trusted_proxies
from server.media.config import MediaSettings
from server.push.config import PushSettings
from server.secret_files import load_or_create_secret

REPO_ROOT = Path(__file__).resolve().parent.parent


class SettingsError(ValueError):
    """A FIELDKEEP_* variable holds a value we cannot use."""


@dataclass(frozen=True)
class DatabaseSettings:
    url: str
    # PostgreSQL connection pool; off only where something outside the app's event loop shares
    # the engine (tests that seed data from their own loop).
    pool: bool = True

    @property
    def is_sqlite(self) -> bool:
        return self.url.startswith("sqlite:")

    @property
    def sqlite_path(self) -> Path:
        # sqlite:///relative/path or sqlite:////absolute/path
        return Path(self.url.removeprefix("sqlite:///"))


@dataclass(frozen=True)
class ServerSettings:
    host: str = "127.0.0.1"
    port: int = 8000
    log_level: str = "info"
    public_base_url: str = "http://127.0.0.1:8000"
    pwa_dir: Path = REPO_ROOT / "pwa" / "dist"
    # Every request body is limited; domains that take larger bodies (photos) raise it per route.
    max_body_bytes: int = 1_048_576
    # Reverse proxies whose X-Forwarded-For is believed (sign-in limits count per address).
    trusted_proxies: tuple[str, ...] = ()
    # A session slides with use but ends this many days after its sign-in whatever happens.
    session_max_days: int = 30

    @property
    def secure_cookies(self) -> bool:
        return self.public_base_url.startswith("https://")


@dataclass(frozen=True)
class Secrets:
    session_key: bytes = field(repr=False)

    def derive(self, purpose: str) -> bytes:
        """A key for one purpose, so no two uses share a key."""
        return hmac.new(self.session_key, purpose.encode(), hashlib.sha256).digest()


@dataclass(frozen=True)
class Settings:
    data_dir: Path
    database: DatabaseSettings
    server: ServerSettings
    secrets: Secrets
    push: PushSettings = field(default_factory=PushSettings)
    media: MediaSettings = field(default_factory=MediaSettings)

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> Settings:
        env = os.environ if environ is None else environ
        data_dir = Path(env.get("FIELDKEEP_DATA_DIR", "data"))
        data_dir.mkdir(parents=True, exist_ok=True)
        url = env.get("FIELDKEEP_DATABASE_URL", f"sqlite:///{data_dir / 'fieldkeep.sqlite3'}")
        if not url.startswith(("sqlite:///", "postgresql://", "postgres://")):
            raise SettingsError(
                "FIELDKEEP_DATABASE_URL must start with sqlite:/// or postgresql://"
            )
        port_text = env.get("FIELDKEEP_PORT", "8000")
        if not port_text.isdigit() or not 0 < int(port_text) < 65536:
            raise SettingsError(f"FIELDKEEP_PORT must be a port number, not {port_text!r}")
        host = env.get("FIELDKEEP_HOST", "127.0.0.1")
        try:
            trusted_proxies = parse_trusted_proxies(env.get("FIELDKEEP_TRUSTED_PROXIES", ""))
        except ValueError as exc:
            raise SettingsError(str(exc)) from exc
        max_days = env.get("FIELDKEEP_SESSION_MAX_DAYS", "30")
        if not max_days.isdigit() or int(max_days) < 1:
            raise SettingsError(
                f"FIELDKEEP_SESSION_MAX_DAYS must be a whole number of days, not {max_days!r}"
            )
        server = ServerSettings(
            host=host,
            port=int(port_text),
            log_level=env.get("FIELDKEEP_LOG_LEVEL", "info").lower(),
            public_base_url=env.get(
                "FIELDKEEP_PUBLIC_BASE_URL", f"http://{host}:{port_text}"
            ).rstrip("/"),
            pwa_dir=Path(env.get("FIELDKEEP_PWA_DIR", str(REPO_ROOT / "pwa" / "dist"))),
            trusted_proxies=trusted_proxies,
            session_max_days=int(max_days),
        )
        secrets = Secrets(
            session_key=load_or_create_secret(
                data_dir, "session.key", env.get("FIELDKEEP_SESSION_KEY")
            ),
        )
        try:
            push = PushSettings.from_env(env, data_dir, server.public_base_url)
        except ValueError as exc:
            raise SettingsError(str(exc)) from exc
        try:
            media = MediaSettings.from_env(env)
        except ValueError as exc:
            raise SettingsError(str(exc)) from exc
        return cls(
            data_dir=data_dir,
            database=DatabaseSettings(
                url=url, pool=env.get("FIELDKEEP_DATABASE_POOL", "1") not in ("0", "false")
            ),
            server=server,
            secrets=secrets,
            push=push,
            media=media,
        )
