"""Secrets made on first start into the data folder (mode 0600) unless the environment has them."""

from __future__ import annotations

import os
import secrets
from collections.abc import Callable
from pathlib import Path


def _random_secret() -> bytes:
    return secrets.token_urlsafe(48).encode()


def load_or_create_secret(
    data_dir: Path,
    name: str,
    from_env: str | None,
    make: Callable[[], bytes] = _random_secret,
) -> bytes:
    """The environment's secret, else the one kept in data_dir/secrets/name, else a new one
    from `make` (random text unless said otherwise, e.g. a key pair's PEM)."""
    if from_env:
        return from_env.encode()
    folder = data_dir / "secrets"
    folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    path = folder / name
    try:
        return path.read_bytes().strip()
    except FileNotFoundError:
        pass
    return write_secret_file(folder, name, make())


def write_secret_file(folder: Path, name: str, value: bytes) -> bytes:
    """Writes folder/name (mode 0600) unless it exists; returns what the file holds."""
    folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    path = folder / name
    # Written whole to a temporary file, then linked into place: when two processes start at
    # once, one link wins and the other reads the complete winner, never a half-written file.
    temp = folder / f".{name}.{os.getpid()}.{secrets.token_hex(4)}"
    fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(value)
            f.flush()
            os.fsync(f.fileno())
        os.link(temp, path)
    except FileExistsError:
        return path.read_bytes().strip()
    finally:
        temp.unlink(missing_ok=True)
    return value
