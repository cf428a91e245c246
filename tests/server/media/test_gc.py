"""`fieldkeep media gc`, run as an operator would: in a subprocess, on the test database."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from datetime import timedelta

from server.auth.service import now
from server.media.tables import Media
from server.settings import Settings
from server.syncing.tables import MediaRef
from tests.conftest import ApiClient
from tests.server.media import corpus
from tests.server.media.conftest import both_stores, new_finding, put_photo, stored_size
from tests.server.media.corpus import sha
from tests.server.sync_device import Device

DAY_MS = 86_400_000


def gc(
    settings: Settings, *args: str, store: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ)
    env["FIELDKEEP_DATA_DIR"] = str(settings.data_dir)
    env["FIELDKEEP_DATABASE_URL"] = settings.database.url
    env.update(store or {})
    return subprocess.run(
        [sys.executable, "-m", "server.cli", "media", "gc", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


@both_stores
async def test_gc_removes_unheld_old_photos_and_keeps_held_and_recent_ones(
    zhang: ApiClient, settings: Settings, sites: dict[str, int], media_env: dict[str, str]
) -> None:
    photos = {
        name: corpus.jpeg(seed=seed)
        for seed, name in enumerate(
            [
                "old_unreferenced",
                "old_held",
                "new_unreferenced",
                "released_long_ago",
                "released_now",
            ]
        )
    }
    names = {name: sha(data) for name, data in photos.items()}
    for data in photos.values():
        assert (await put_photo(zhang, data)).status_code == 201
    # Every upload is old; what differs is whether and when a record let go of it.
    await Media.update({Media.uploaded_at: now() - timedelta(days=30)}, force=True)
    await Media.update({Media.uploaded_at: now()}).where(Media.sha256 == names["new_unreferenced"])
    device = Device(zhang)
    held = new_finding(
        sites["north"],
        photos=[names["old_held"], names["released_long_ago"], names["released_now"]],
    )
    assert (await device.push_one("findings.upsert", held))["status"] == "applied"
    held["photos"] = {"remove": [names["released_long_ago"], names["released_now"]]}
    assert (await device.push_one("findings.upsert", held))["status"] == "applied"
    await MediaRef.update({MediaRef.released_at_ms: int(time.time() * 1000) - 8 * DAY_MS}).where(
        MediaRef.sha256 == names["released_long_ago"]
    )
    sizes = {
        name: (stored_size(settings, h) or 0) + (stored_size(settings, h, thumb=True) or 0)
        for name, h in names.items()
    }

    run = gc(settings, "--days", "7", store=media_env)

    assert run.returncode == 0, run.stderr
    gone = {"old_unreferenced", "released_long_ago"}
    total = sum(sizes[name] for name in gone)
    assert f"removed 2 photos, {total} bytes" in run.stdout
    for name in gone:
        assert names[name] in run.stdout
    for name, h in names.items():
        kept = name not in gone
        assert (stored_size(settings, h) is not None) is kept, name
        assert (stored_size(settings, h, thumb=True) is not None) is kept, name
        assert await Media.exists().where(Media.sha256 == h) is kept, name
    assert (await zhang.get(f"/api/media/{names['old_held']}")).status_code == 200
    # A gone photo can be uploaded again.
    assert (await put_photo(zhang, photos["old_unreferenced"])).status_code == 201

    again = gc(settings, store=media_env)
    assert again.returncode == 0, again.stderr
    assert "removed 0 photos, 0 bytes" in again.stdout


async def test_gc_days_must_be_a_number(settings: Settings) -> None:
    run = gc(settings, "--days", "soon")
    assert run.returncode == 2
    assert "--days" in run.stderr
