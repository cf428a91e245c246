"""Back up, keep working on devices, restore: every device converges and nothing a device still
held is lost (the server's database, photos and secrets; the devices' journals)."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import pytest

from server.backup import BackupError, backup, restore
from server.cli import main
from server.media.service import media_storage
from server.settings import Settings
from tests.conftest import ApiClient, make_user
from tests.server.sync_device import Device, new_finding


class JournalDevice(Device):
    """A phone that keeps what the server acknowledged (its journal, as the app does), and
    sends again the part a restored server no longer holds."""

    def __init__(self, client: ApiClient) -> None:
        super().__init__(client)
        self.journal: dict[int, dict[str, Any]] = {}

    async def sync(self, *mutations: dict[str, Any]) -> list[dict[str, Any]]:
        outbox = list(mutations)
        while True:
            body = (await self.push(*outbox)).json()
            for m, r in zip(outbox, body["results"], strict=True):
                if r["status"] != "deferred":
                    self.journal[m["seq"]] = m
            deferred = [
                m for m, r in zip(outbox, body["results"], strict=True) if r["status"] == "deferred"
            ]
            if not deferred:
                return body["results"]
            # The server's last seq is behind what it acknowledged: resend from the journal.
            through = body["applied_through"]
            missing = [self.journal[s] for s in range(through + 1, deferred[0]["seq"])]
            outbox = [*missing, *deferred]


@pytest.fixture
async def zhang(client: ApiClient, north: int) -> JournalDevice:
    await make_user("zhang", ["patrol"], [north])
    await client.sign_in("zhang")
    return JournalDevice(client)


@pytest.fixture
async def li(another_client: ApiClient, north: int) -> JournalDevice:
    await make_user("li", ["patrol"], [north])
    await another_client.sign_in("li")
    return JournalDevice(another_client)


def descriptions(changes: list[dict[str, Any]]) -> set[str]:
    return {c["fields"]["description"] for c in changes if c["collection"] == "findings"}


async def test_backup_work_restore_every_device_converges(
    settings: Settings, zhang: JournalDevice, li: JournalDevice, north: int, tmp_path: Path
) -> None:
    def finding(text: str) -> dict[str, Any]:
        return new_finding(north, description=text)

    await zhang.sync(zhang.mutation("findings.upsert", finding("备份前一")))
    await zhang.sync(zhang.mutation("findings.upsert", finding("备份前二")))
    await zhang.pull_all()
    await li.pull_all()
    photos = media_storage(settings)
    before, after = "a" * 64 + ".jpg", "b" * 64 + ".jpg"
    photos.put(before, io.BytesIO(b"photo before"))
    folder = await backup(settings, tmp_path / "backups")

    # Work the backup does not hold: acknowledged, then lost by the restore.
    await zhang.sync(zhang.mutation("findings.upsert", finding("备份后张伟")))
    await li.sync(li.mutation("findings.upsert", finding("备份后李娜")))
    photos.put(after, io.BytesIO(b"photo after"))
    photos.delete(before)
    old_cursor = zhang.cursor

    await restore(settings, folder)

    # The restored database knows only the first two; the photos made since are kept.
    assert photos.get(before) == b"photo before"
    assert photos.get(after) == b"photo after"
    # A pull with a cursor of the old epoch resets.
    r = await zhang.client.get("/api/sync/pull", params={"cursor": old_cursor})
    assert r.status_code == 200 and r.json()["reset"] is True
    # Each device's next push: the server's seq is behind, the device resends its journal.
    results = await zhang.sync(zhang.mutation("findings.upsert", finding("恢复后张伟")))
    assert [r["status"] for r in results][-1] == "applied"
    await li.sync(li.mutation("findings.upsert", finding("恢复后李娜")))
    # The same push again is a duplicate, never a second record.
    again = (await zhang.push(zhang.journal[zhang.seq])).json()["results"][0]
    assert again["status"] == "duplicate"

    expected = {"备份前一", "备份前二", "备份后张伟", "备份后李娜", "恢复后张伟", "恢复后李娜"}
    for device in (zhang, li):
        device.cursor = None
        assert descriptions(await device.pull_all()) == expected
    changes = await zhang.pull_all()
    assert changes == []


async def test_restore_keeps_secrets_and_refuses_a_damaged_backup(
    settings: Settings, client: ApiClient, tmp_path: Path
) -> None:
    secret = settings.data_dir / "secrets" / "permits" / "1" / "key.pem"
    secret.parent.mkdir(parents=True, exist_ok=True)
    secret.write_text("signing key")
    folder = await backup(settings, tmp_path)
    secret.unlink()
    await restore(settings, folder)
    assert secret.read_text() == "signing key"

    database = next(p for p in folder.iterdir() if p.name.startswith("database."))
    database.write_bytes(database.read_bytes()[:-10] + b"0123456789")
    with pytest.raises(BackupError, match="damaged"):
        await restore(settings, folder)
    with pytest.raises(BackupError, match="not a backup folder"):
        await restore(settings, tmp_path)


def test_cli_backup_and_restore(
    settings: Settings,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv("FIELDKEEP_DATA_DIR", str(settings.data_dir))
    monkeypatch.setenv("FIELDKEEP_DATABASE_URL", settings.database.url)
    assert main(["backup", str(tmp_path / "out")]) == 0
    [folder] = (tmp_path / "out").iterdir()
    assert "backed up to" in capsys.readouterr().out
    assert main(["restore", str(folder)]) == 0
    assert "new sync epoch" in capsys.readouterr().out
    assert main(["restore", str(tmp_path)]) == 2
    assert "not a backup folder" in capsys.readouterr().err
