"""Backups a company can restore: the database, the photos and the secrets, in one folder.

A backup folder holds `manifest.json`, the database (`database.sqlite3`, taken with SQLite's
online backup API while the server runs, or `database.pgdump` from pg_dump), `media/` (the
photos, copied from the store in use, the data folder or the S3 bucket, each copy read back and
its hash compared; laid out as the disk store lays them out) and `secrets/` (session key, push
and permit signing keys: without them printed permits no longer verify). With `photos=False`
(`fieldkeep backup --no-photos`, for a bucket that has versioning or replication of its own) the
photos stay where they are and the manifest says so: such a backup cannot bring photos back.
Keep backups as private as the data folder.

A restore puts the database back as it was and starts a new sync epoch: every device's next
pull answers `reset`, so it re-pulls from scratch and keeps its outbox, and a device whose work
the restored database no longer holds sends it again from its journal (docs/SYNC.md,
"Restores"). Photos and secrets made after the backup are kept (a restore only adds files, into
whichever photo store is configured then), so a device's photo or a permit printed since still
resolves. Stop the server before restoring.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import secrets
import shutil
import sqlite3
import subprocess
from datetime import UTC, datetime
from pathlib import Path

from server import db
from server.media.service import media_storage
from server.media.storage import LocalDiskStorage, MediaStorage, StorageUnavailable
from server.media.transfer import CopyReport, copy_photos
from server.settings import Settings
from server.syncing.tables import SyncMeta

FORMAT = 1
_SQLITE_FILE = "database.sqlite3"
_PG_FILE = "database.pgdump"


class BackupError(Exception):
    """A backup or restore that cannot go on; the message says why, in both languages."""


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _copy_missing(source: Path, target: Path) -> int:
    """Copy every file of `source` that `target` lacks; never overwrite. Returns how many."""
    copied = 0
    if not source.is_dir():
        return 0
    for path in sorted(source.rglob("*")):
        if not path.is_file():
            continue
        dest = target / path.relative_to(source)
        if dest.exists():
            continue
        dest.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(path, dest)
        copied += 1
    return copied


def _pg_tool(name: str) -> str:
    found = shutil.which(name)
    if found is None:
        raise BackupError(
            f"找不到 {name}（PostgreSQL 客户端）/ {name} (PostgreSQL client) not found"
        )
    return found


def _run(command: list[str]) -> None:
    done = subprocess.run(command, capture_output=True, text=True, check=False)  # noqa: S603
    if done.returncode != 0:
        raise BackupError(f"{Path(command[0]).name}: {done.stderr.strip()[-500:]}")


def _sqlite_copy(source_path: Path, target_path: Path) -> None:
    """SQLite's online backup API: a consistent copy even while the server writes."""
    source = sqlite3.connect(source_path)
    target = sqlite3.connect(target_path)
    try:
        with target:
            source.backup(target)
    finally:
        target.close()
        source.close()


def _dump_database(settings: Settings, folder: Path) -> str:
    if settings.database.is_sqlite:
        _sqlite_copy(settings.database.sqlite_path, folder / _SQLITE_FILE)
        return _SQLITE_FILE
    _run(
        [
            _pg_tool("pg_dump"),
            "--format=custom",
            f"--file={folder / _PG_FILE}",
            settings.database.url,
        ]
    )
    return _PG_FILE


def _checked(report: CopyReport) -> CopyReport:
    if not report.ok:
        names = ", ".join(report.failed[:5])
        raise BackupError(
            f"{len(report.failed)} 张照片复制后校验不符 / {len(report.failed)} photo files did not"
            f" read back equal: {names}"
        )
    return report


def _copy_photos(source: MediaStorage, target: MediaStorage) -> CopyReport:
    try:
        return _checked(copy_photos(source, target, compare_existing=False))
    except StorageUnavailable as exc:
        raise BackupError(f"照片存储不可用 / the photo store is unavailable: {exc}") from exc


async def backup(settings: Settings, destination: Path, photos: bool = True) -> Path:
    """Write a backup folder under `destination`; returns its path. `photos=False` leaves the
    photos in their store (the manifest records where)."""
    if settings.database.is_sqlite and not settings.database.sqlite_path.exists():
        raise BackupError("数据库不存在 / the database does not exist")
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%fZ")
    folder = destination / f"fieldkeep-backup-{stamp}"
    folder.mkdir(parents=True, mode=0o700)
    database = await asyncio.to_thread(_dump_database, settings, folder)
    store = media_storage(settings)
    copied = 0
    if photos:
        report = await asyncio.to_thread(_copy_photos, store, LocalDiskStorage(folder / "media"))
        copied = report.copied
    await asyncio.to_thread(_copy_missing, settings.data_dir / "secrets", folder / "secrets")
    manifest = {
        "format": FORMAT,
        "created_at": datetime.now(UTC).isoformat(),
        "database": database,
        "database_sha256": _sha256(folder / database),
        "photos": copied,
        # Where the photos were kept, and whether this folder holds a copy of them.
        "photos_store": store.where if settings.media.store == "s3" else "disk",
        "photos_in_backup": photos,
    }
    (folder / "manifest.json").write_text(json.dumps(manifest, indent=2), encoding="utf-8")
    return folder


def _read_manifest(folder: Path) -> dict[str, object]:
    try:
        manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise BackupError(f"不是备份目录 / not a backup folder: {folder}") from exc
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise BackupError(f"无法识别的备份格式 / unknown backup format in {folder}")
    database = folder / str(manifest.get("database"))
    if not database.is_file() or _sha256(database) != manifest.get("database_sha256"):
        raise BackupError(
            f"备份的数据库文件已损坏 / the backup's database file is damaged: {database}"
        )
    return manifest


def _restore_database(settings: Settings, folder: Path, database: str) -> None:
    if settings.database.is_sqlite:
        if database != _SQLITE_FILE:
            raise BackupError("这是 PostgreSQL 的备份 / this backup is of a PostgreSQL database")
        settings.database.sqlite_path.parent.mkdir(parents=True, exist_ok=True)
        _sqlite_copy(folder / _SQLITE_FILE, settings.database.sqlite_path)
        return
    if database != _PG_FILE:
        raise BackupError("这是 SQLite 的备份 / this backup is of a SQLite database")
    _run(
        [
            _pg_tool("pg_restore"),
            "--clean",
            "--if-exists",
            "--no-owner",
            "--single-transaction",
            f"--dbname={settings.database.url}",
            str(folder / _PG_FILE),
        ]
    )


async def restore(settings: Settings, folder: Path) -> str:
    """Put a backup back and start a new sync epoch; returns the new epoch. The caller migrates
    afterwards (a backup from an older version is brought up to date)."""
    manifest = _read_manifest(folder)
    await asyncio.to_thread(_restore_database, settings, folder, str(manifest["database"]))
    await asyncio.to_thread(
        _copy_photos, LocalDiskStorage(folder / "media"), media_storage(settings)
    )
    await asyncio.to_thread(_copy_missing, folder / "secrets", settings.data_dir / "secrets")
    db.configure(db.engine_from_url(settings.database.url))
    epoch = secrets.token_hex(8)
    # Devices' cursors name the old epoch: their next pull resets and re-pulls (docs/SYNC.md).
    await SyncMeta.update({SyncMeta.value: epoch}).where(SyncMeta.key == "epoch")
    return epoch
