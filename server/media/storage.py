"""Where photo files live: the store interface and its local-disk implementation (S3: s3.py).

Names are flat (`<sha256>.jpg`, `<sha256>-thumb.jpg`); an implementation decides the layout. The
methods block (disk or network I/O): call them from a worker thread, not the event loop.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import re
import shutil
import tempfile
from abc import ABC, abstractmethod
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Protocol

NAME = re.compile(r"^[0-9a-f]{64}(-thumb)?\.jpg$")
BLOCK = 1 << 20


class StorageUnavailable(Exception):
    """The store cannot be reached or refused us (not: the file is missing)."""


class Readable(Protocol):
    def read(self, size: int = -1, /) -> bytes: ...

    def close(self) -> None: ...


@dataclass(frozen=True)
class Opened:
    """A stored file being read: close `body` when done."""

    body: Readable
    size: int


class MediaStorage(ABC):
    where: str  # for people: a folder, or s3://bucket/prefix/

    @abstractmethod
    def put(self, name: str, source: IO[bytes]) -> None:
        """Store what `source` holds under `name`, read in blocks from where it stands; a reader
        sees the old file or the new, whole, never a part."""

    @abstractmethod
    def open(self, name: str) -> Opened | None:
        """The file to read, or None when there is none."""

    @abstractmethod
    def size(self, name: str) -> int | None:
        """The file's size in bytes, or None when there is none."""

    @abstractmethod
    def delete(self, name: str) -> int:
        """Remove the file; the number of bytes freed (0 when it was not there)."""

    @abstractmethod
    def names(self) -> Iterator[str]:
        """Every stored file's name, in no promised order."""

    def exists(self, name: str) -> bool:
        return self.size(name) is not None

    def sha256(self, name: str) -> str | None:
        """The stored file's SHA-256 (hex), or None when there is none. Here: read and hashed;
        a store that keeps a verified checksum of its own answers from that."""
        opened = self.open(name)
        if opened is None:
            return None
        try:
            return digest(opened.body)[0]
        finally:
            opened.body.close()

    def get(self, name: str) -> bytes | None:
        """The whole file (for small ones: thumbnails in a PDF)."""
        opened = self.open(name)
        if opened is None:
            return None
        try:
            return opened.body.read()
        finally:
            opened.body.close()


def digest(source: Readable) -> tuple[str, int]:
    """SHA-256 (hex) and length of what is left to read in `source`."""
    h = hashlib.sha256()
    size = 0
    while block := source.read(BLOCK):
        h.update(block)
        size += len(block)
    return h.hexdigest(), size


class LocalDiskStorage(MediaStorage):
    """Files under one folder, sharded by hash prefix: `ab/cd/abcd….jpg`, `ab/cd/abcd…-thumb.jpg`.
    A write goes to a temporary file in the same folder, is fsynced, and renamed into place."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.where = str(root)

    def path_of(self, name: str) -> Path:
        if not NAME.match(name):
            raise ValueError(f"not a media file name: {name!r}")
        return self.root / name[:2] / name[2:4] / name

    def put(self, name: str, source: IO[bytes]) -> None:
        path = self.path_of(name)
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-", suffix=".part")
        try:
            with os.fdopen(fd, "wb") as f:
                shutil.copyfileobj(source, f, BLOCK)
                f.flush()
                os.fsync(f.fileno())
            os.chmod(tmp, 0o644)
            os.replace(tmp, path)
        except BaseException:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(tmp)
            raise
        _fsync_dir(path.parent)

    def open(self, name: str) -> Opened | None:
        try:
            f = self.path_of(name).open("rb")
        except FileNotFoundError:
            return None
        return Opened(f, os.fstat(f.fileno()).st_size)

    def size(self, name: str) -> int | None:
        try:
            return self.path_of(name).stat().st_size
        except FileNotFoundError:
            return None

    def delete(self, name: str) -> int:
        path = self.path_of(name)
        try:
            size = path.stat().st_size
            path.unlink()
        except FileNotFoundError:
            return 0
        return size

    def names(self) -> Iterator[str]:
        if not self.root.is_dir():
            return
        for _, _, files in os.walk(self.root):
            yield from (name for name in files if NAME.match(name))


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
