"""Photos on S3: the bucket as the store, an unreachable store, `fieldkeep media migrate`, backup
and restore, `fieldkeep check`, and the settings. Against moto's S3 server in its own process."""

from __future__ import annotations

import base64
import dataclasses
import hashlib
import json
import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from server.backup import backup, restore
from server.media.config import MediaSettings
from server.media.service import file_name, media_storage
from server.settings import Settings, SettingsError
from tests.conftest import ApiClient, make_user
from tests.server.media import corpus
from tests.server.media.conftest import put_photo, stored_files
from tests.server.media.corpus import sha
from tests.server.media.s3_server import S3Server


def on_bucket(settings: Settings, env: dict[str, str]) -> Settings:
    return dataclasses.replace(settings, media=MediaSettings.from_env(env))


def fieldkeep(
    settings: Settings, env: dict[str, str], *args: str
) -> subprocess.CompletedProcess[str]:
    """The command as an operator runs it, on the test database and data folder."""
    full = {k: v for k, v in os.environ.items() if not k.startswith("FIELDKEEP_")}
    full["FIELDKEEP_DATA_DIR"] = str(settings.data_dir)
    full["FIELDKEEP_DATABASE_URL"] = settings.database.url
    full["FIELDKEEP_PWA_DIR"] = str(settings.server.pwa_dir)
    full.update(env)
    return subprocess.run(
        [sys.executable, "-m", "server.cli", *args],
        env=full,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


def digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


@pytest.mark.parametrize("media_env", ["s3"], indirect=True)
async def test_photos_live_in_the_bucket_and_head_and_get_answer_from_it(
    zhang: ApiClient, settings: Settings, s3_server: S3Server, media_env: dict[str, str]
) -> None:
    data = corpus.jpeg(1200, 900, seed=31)
    photo = sha(data)
    assert (await put_photo(zhang, data)).status_code == 201
    bucket = media_env["FIELDKEEP_S3_BUCKET"]
    objects = s3_server.objects(bucket)
    assert sorted(objects) == [f"media/{photo}-thumb.jpg", f"media/{photo}.jpg"]
    assert stored_files(settings) == []  # nothing on the server's disk
    head = s3_server.client.head_object(
        Bucket=bucket, Key=f"media/{photo}.jpg", ChecksumMode="ENABLED"
    )
    assert head["ContentType"] == "image/jpeg"
    # Uploaded with its SHA-256, which the store checked and keeps (migrate compares by it).
    assert base64.b64decode(head["ChecksumSHA256"]).hex() == digest(objects[f"media/{photo}.jpg"])
    assert media_storage(settings).sha256(f"{photo}.jpg") == digest(objects[f"media/{photo}.jpg"])

    got = await zhang.get(f"/api/media/{photo}")
    assert got.status_code == 200
    assert got.content == objects[f"media/{photo}.jpg"]
    assert got.headers["content-length"] == str(len(got.content))
    thumb = await zhang.get(f"/api/media/{photo}?size=thumb")
    assert thumb.content == objects[f"media/{photo}-thumb.jpg"]

    # HEAD asks the bucket: an object gone from it is gone for the app too, and a PUT mends it.
    s3_server.client.delete_object(Bucket=bucket, Key=f"media/{photo}-thumb.jpg")
    assert (await zhang.head(f"/api/media/{photo}?size=thumb")).status_code == 404
    assert (await zhang.head(f"/api/media/{photo}")).status_code == 200
    assert (await put_photo(zhang, data)).status_code == 200
    assert (await zhang.head(f"/api/media/{photo}?size=thumb")).status_code == 200


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.mark.parametrize("media_env", ["s3"], indirect=True)
async def test_an_unreachable_store_is_503_and_the_phone_sends_the_photo_again_later(
    settings: Settings, s3_server: S3Server, media_env: dict[str, str], sites: dict[str, int]
) -> None:
    from server.app import create_app

    await make_user("zhang", ["patrol"], [sites["north"]])
    data = corpus.jpeg(seed=32)
    down = on_bucket(
        settings,
        {**media_env, "FIELDKEEP_S3_ENDPOINT_URL": f"http://127.0.0.1:{_closed_port()}"},
    )
    async with ApiClient(app=create_app(down)) as phone:
        await phone.sign_in("zhang")
        r = await put_photo(phone, data, name=sha(data))
        assert r.status_code == 503, r.text
        assert r.json()["error"]["code"] == "service_unavailable"
        assert r.headers["retry-after"] == "60"
    # Nothing was recorded as stored: once the store is back, the same PUT stores it.
    async with ApiClient(app=create_app(settings)) as phone:
        await phone.sign_in("zhang")
        assert (await put_photo(phone, data)).status_code == 201
        assert (await phone.head(f"/api/media/{sha(data)}")).status_code == 200


async def test_migrate_copies_disk_to_the_bucket_verifies_every_hash_and_is_idempotent(
    zhang: ApiClient, settings: Settings, s3_server: S3Server
) -> None:
    photos = [corpus.jpeg(seed=seed) for seed in (41, 42, 43)]
    for data in photos:
        assert (await put_photo(zhang, data)).status_code == 201
    on_disk = {f"media/{p.name}": p.read_bytes() for p in stored_files(settings)}
    assert len(on_disk) == 6
    bucket = s3_server.new_bucket()
    # The bucket is named while the server still keeps photos on disk (FIELDKEEP_MEDIA_STORE
    # stays disk): the operator migrates, then switches.
    env = {**s3_server.env(bucket), "FIELDKEEP_MEDIA_STORE": "disk"}
    # An object already there under one name, but not the same bytes (a broken earlier copy).
    damaged = f"{sha(photos[0])}.jpg"
    s3_server.client.put_object(Bucket=bucket, Key=f"media/{damaged}", Body=b"half a photo")

    run = fieldkeep(settings, env, "media", "migrate")

    assert run.returncode == 0, run.stderr + run.stdout
    assert "photo files: 5 copied, 0 already there and identical, 1 differed" in run.stdout
    assert "3 photos in the database, 0 missing from the bucket" in run.stdout
    assert f"{damaged}  replaced" in run.stdout
    in_bucket = s3_server.objects(bucket)
    assert {k: digest(v) for k, v in in_bucket.items()} == {
        k: digest(v) for k, v in on_disk.items()
    }

    again = fieldkeep(settings, env, "media", "migrate")
    assert again.returncode == 0, again.stderr
    assert "photo files: 0 copied, 6 already there and identical, 0 differed" in again.stdout

    # Switched to the bucket, the app serves what the disk served.
    moved = on_bucket(settings, s3_server.env(bucket))
    served = (await zhang.get(f"/api/media/{sha(photos[1])}")).content
    assert media_storage(moved).get(file_name(sha(photos[1]))) == served

    # A photo the database knows but neither the disk nor the bucket holds: said, and exit 1.
    media_storage(moved).delete(file_name(sha(photos[2]), thumb=True))
    media_storage(settings).delete(file_name(sha(photos[2]), thumb=True))
    missing = fieldkeep(settings, env, "media", "migrate")
    assert missing.returncode == 1
    assert f"{sha(photos[2])}  missing" in missing.stdout
    assert "3 photos in the database, 1 missing from the bucket" in missing.stdout


async def test_migrate_refuses_without_s3_settings(settings: Settings) -> None:
    run = fieldkeep(settings, {}, "media", "migrate")
    assert run.returncode == 2
    assert "S3 is not configured" in run.stderr
    assert "未配置 S3" in run.stderr


@pytest.mark.parametrize("media_env", ["s3"], indirect=True)
async def test_backup_copies_the_buckets_photos_and_restore_puts_them_back(
    zhang: ApiClient,
    settings: Settings,
    s3_server: S3Server,
    media_env: dict[str, str],
    tmp_path: Path,
) -> None:
    data = corpus.jpeg(seed=51)
    assert (await put_photo(zhang, data)).status_code == 201
    bucket = media_env["FIELDKEEP_S3_BUCKET"]
    before = s3_server.objects(bucket)

    folder = await backup(settings, tmp_path / "backups")

    manifest = json.loads((folder / "manifest.json").read_text())
    assert manifest["photos"] == 2
    assert manifest["photos_store"] == f"s3://{bucket}/media/"
    assert manifest["photos_in_backup"] is True
    copied = {p.name: p.read_bytes() for p in (folder / "media").rglob("*.jpg")}
    assert copied == {k.removeprefix("media/"): v for k, v in before.items()}

    for key in before:
        s3_server.client.delete_object(Bucket=bucket, Key=key)
    await restore(settings, folder)
    assert s3_server.objects(bucket) == before
    assert (await zhang.get(f"/api/media/{sha(data)}")).content == before[f"media/{sha(data)}.jpg"]

    # --no-photos: the photos stay in the bucket, and the manifest says the backup lacks them.
    run = fieldkeep(settings, media_env, "backup", str(tmp_path / "lean"), "--no-photos")
    assert run.returncode == 0, run.stderr
    [lean] = (tmp_path / "lean").iterdir()
    manifest = json.loads((lean / "manifest.json").read_text())
    assert (manifest["photos"], manifest["photos_in_backup"]) == (0, False)
    assert not (lean / "media").exists()


async def test_check_says_whether_the_bucket_answers(
    settings: Settings, s3_server: S3Server
) -> None:
    bucket = s3_server.new_bucket()
    ok = fieldkeep(settings, s3_server.env(bucket), "check")
    assert f"photos:       s3://{bucket}/media/ reachable: yes" in ok.stdout
    gone = fieldkeep(settings, s3_server.env("fk-no-such-bucket"), "check")
    assert gone.returncode == 1
    assert "s3://fk-no-such-bucket/media/ reachable: NO" in gone.stdout


@pytest.mark.parametrize(
    ("env", "says"),
    [
        ({"FIELDKEEP_MEDIA_STORE": "ftp"}, "FIELDKEEP_MEDIA_STORE"),
        ({"FIELDKEEP_MEDIA_STORE": "s3"}, "FIELDKEEP_S3_BUCKET"),
        (
            {"FIELDKEEP_S3_BUCKET": "b", "FIELDKEEP_S3_ENDPOINT_URL": "minio:9000"},
            "FIELDKEEP_S3_ENDPOINT_URL",
        ),
        ({"FIELDKEEP_S3_BUCKET": "b", "FIELDKEEP_S3_ACCESS_KEY_ID": "k"}, "go together"),
    ],
)
def test_unusable_media_settings_are_refused(
    tmp_path: Path, env: dict[str, str], says: str
) -> None:
    with pytest.raises(SettingsError, match=says):
        Settings.from_env({"FIELDKEEP_DATA_DIR": str(tmp_path), **env})


def test_media_settings_defaults_and_secret_kept_out_of_repr(tmp_path: Path) -> None:
    assert Settings.from_env({"FIELDKEEP_DATA_DIR": str(tmp_path)}).media == MediaSettings()
    s = Settings.from_env(
        {
            "FIELDKEEP_DATA_DIR": str(tmp_path),
            "FIELDKEEP_MEDIA_STORE": "S3",
            "FIELDKEEP_S3_BUCKET": "photos",
            "FIELDKEEP_S3_PREFIX": "/fieldkeep/",
            "FIELDKEEP_S3_ACCESS_KEY_ID": "AKIA-test",
            "FIELDKEEP_S3_SECRET_ACCESS_KEY": "very-secret-value",
        }
    )
    assert s.media.store == "s3" and s.media.s3 is not None
    assert (s.media.s3.where, s.media.s3.region, s.media.s3.endpoint_url) == (
        "s3://photos/fieldkeep/",
        "us-east-1",
        None,
    )
    assert "very-secret-value" not in repr(s)
