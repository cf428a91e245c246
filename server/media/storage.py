"""Where photo files live: a small interface, and its local-disk implementation.

Names are flat (`<sha256>.jpg`, `<sha256>-thumb.jpg`); an implementation decides the layout. The
methods block (disk or network I/O): call them from a worker thread, not the event loop.
"""

from __future__ import annotations

import contextlib
import os
import re
import tempfile
from pathlib import Path
from typing import Protocol

NAME = re.compile(r"^[0-9a-f]{64}(-thumb)?\.jpg$")


class MediaStorage(Protocol):
    def put(self, name: str, data: bytes) -> None:
        """Store `data` under `name` atomically: a reader sees the old file or the new, whole."""

    def get(self, name: str) -> bytes | None:
        """The file's bytes, or None when there is none."""

    def exists(self, name: str) -> bool: ...

    def delete(self, name: str) -> int:
        """Remove the file; the number of bytes freed (0 when it was not there)."""


class LocalDiskStorage:
    """Files under one folder, sharded by hash prefix: `ab/cd/abcd….jpg`, `ab/cd/abcd…-thumb.jpg`.
    A write goes to a temporary file in the same folder, is fsynced, and renamed into place."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def path_of(self, name: str) -> Path:
        if not NAME.match(name):
            raise ValueError(f"not a media file name: {name!r}")
        return self.root / name[:2] / name[2:4] / name

    def put(self, name: str, data: bytes) -> None:
        path = self.path_of(name)
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-", suffix=".part")
        try:
            with os.fdopen(fd, "wb") as f:
                f.write(data)
                f.flush()
                os.fsync(f.fileno())
            os.chmod(tmp, 0o644)
            os.replace(tmp, path)
        except BaseException:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(tmp)
            raise
        _fsync_dir(path.parent)

    def get(self, name: str) -> bytes | None:
        try:
            return self.path_of(name).read_bytes()
        except FileNotFoundError:
            return None

    def exists(self, name: str) -> bool:
        return self.path_of(name).is_file()

    def delete(self, name: str) -> int:
        path = self.path_of(name)
        try:
            size = path.stat().st_size
            path.unlink()
        except FileNotFoundError:
            return 0
        return size


def _fsync_dir(folder: Path) -> None:
    """Make the rename itself durable (POSIX; a no-op where folders cannot be opened)."""
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)
