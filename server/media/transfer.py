"""Copying photos from one store to another, every copy read back and its hash compared:
`fieldkeep media migrate` (disk → S3), and backup and restore (store ⇄ a backup folder).
A file the target already holds is compared by the SHA-256 the store gives (S3: the checksum it
verified when the object was written), so running migrate again downloads nothing."""

from __future__ import annotations

import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field

from server.media.storage import BLOCK, MediaStorage, digest

# A photo being copied is spooled to a temporary file past this, not held in memory.
_SPOOL_IN_MEMORY = 4 << 20


@dataclass
class CopyReport:
    copied: int = 0
    present: int = 0  # already in the target (and, when compared, identical)
    replaced: int = 0  # in the target but different: copied again
    failed: list[str] = field(default_factory=list)  # names whose copy did not read back equal

    @property
    def ok(self) -> bool:
        return not self.failed


def copy_photos(
    source: MediaStorage,
    target: MediaStorage,
    *,
    compare_existing: bool,
    progress: Callable[[str, str], None] | None = None,
) -> CopyReport:
    """Copy every photo file of `source` into `target` and read each copy back: its SHA-256 must
    equal the source's. A file the target already has is compared too (`compare_existing`:
    migrate, where a differing object is replaced) or left alone unread (restore: a restore
    only adds). Idempotent. `progress(name, outcome)` hears of each file. Blocking."""
    report = CopyReport()
    for name in sorted(source.names()):
        outcome = _copy_one(source, target, name, compare_existing)
        if outcome == "failed":
            report.failed.append(name)
        else:
            setattr(report, outcome, getattr(report, outcome) + 1)
        if progress is not None:
            progress(name, outcome)
    return report


def _copy_one(source: MediaStorage, target: MediaStorage, name: str, compare: bool) -> str:
    there = target.exists(name)
    if there and not compare:
        return "present"
    opened = source.open(name)
    if opened is None:
        return "failed"  # gone from the source since it was listed
    with tempfile.SpooledTemporaryFile(max_size=_SPOOL_IN_MEMORY) as spool:
        try:
            while block := opened.body.read(BLOCK):
                spool.write(block)
        finally:
            opened.body.close()
        spool.seek(0)
        expected = digest(spool)[0]
        if there and target.sha256(name) == expected:
            return "present"
        spool.seek(0)
        target.put(name, spool)
    # The copy itself is read back whole and hashed here (the base method), whatever checksum
    # the store keeps.
    if MediaStorage.sha256(target, name) != expected:
        return "failed"
    return "replaced" if there else "copied"
