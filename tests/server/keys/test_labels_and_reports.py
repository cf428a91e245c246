"""QR label sheets decoded by a real QR reader, CJK text drawn with real glyphs, and the key
reports (out now, ledger, movements as CSV)."""

from __future__ import annotations

import csv
import io
import uuid
from datetime import UTC, datetime, timedelta
from hashlib import sha256
from typing import Any

import pypdfium2 as pdfium
import pytest
from PIL import Image, ImageChops, ImageDraw

from server.keys.labels import _font
from server.settings import Settings
from tests.conftest import ApiClient, make_user
from tests.qr import qr_texts
from tests.server.sync_device import Device, make_site, scan


@pytest.fixture
async def keys(client: ApiClient, settings: Settings) -> dict[str, Any]:
    site = await make_site("north")
    await make_user("boss", ["supervisor"], [site])
    await client.sign_in("boss")
    boss = Device(client)
    ids = []
    for n, unit in enumerate(["3栋2单元1202", "5栋1单元0301", "翠湖苑8栋"]):
        key = {
            "id": str(uuid.uuid4()),
            "site_id": site,
            "code": f"CH-{n:04d}",
            "kind": "vacant",
            "label": unit,
        }
        assert (await boss.push_one("keys.upsert", key))["status"] == "applied"
        ids.append(key["id"])
    changes = await boss.pull_all()
    hashes = {c["id"]: c["fields"]["tag_hash"] for c in changes if c["collection"] == "keys"}
    tags = {i: scan(settings, i) for i in ids}  # what a scan of each printed label reads
    return {"site": site, "ids": ids, "hashes": hashes, "tags": tags, "boss": boss}


def pages_of(pdf: bytes) -> list[Image.Image]:
    document = pdfium.PdfDocument(pdf)
    return [page.render(scale=200 / 72).to_pil().convert("L") for page in document]


async def test_every_label_decodes_to_its_keys_token_url(
    client: ApiClient, keys: dict[str, Any], settings: Settings
) -> None:
    r = await client.get("/api/keys/labels.pdf", params={"ids": ",".join(keys["ids"])})
    assert r.status_code == 200, r.text
    assert r.headers["content-type"] == "application/pdf"
    (page,) = pages_of(r.content)
    decoded = qr_texts(page)
    base = settings.server.public_base_url
    assert all(text.startswith(f"{base}/k/") for text in decoded)
    # Each label's token hashes to the hash its key carries on the devices.
    hashes = sorted(sha256(text.rsplit("/", 1)[1].encode()).hexdigest() for text in decoded)
    assert hashes == sorted(keys["hashes"][i] for i in keys["ids"])
    assert not any("1202" in text for text in decoded)  # the tag names no unit


async def test_migrate_moves_an_old_keys_token_off_the_devices_and_its_label_still_works(
    client: ApiClient, another_client: ApiClient, keys: dict[str, Any], settings: Settings
) -> None:
    from server.keys.tags import upgrade_key_tags
    from server.syncing.engine import open_engine
    from sync import Write

    old_token = "Old_Printed_Tag_Token_0001"
    key_id = str(uuid.uuid4())
    legacy = {"site_id": keys["site"], "code": "CH-OLD", "kind": "vacant", "status": "in"}
    async with open_engine(settings) as engine:
        # A key registered before tags were hashed: its record carried the token.
        await engine.server_write(
            [Write(collection="keys", id=key_id, fields={**legacy, "qr_token": old_token})]
        )
        assert await upgrade_key_tags(engine) == 1
        assert await upgrade_key_tags(engine) == 0  # once
    await make_user("zhang", ["patrol"], [keys["site"]])
    await another_client.sign_in("zhang")
    patrol = Device(another_client)
    changes = await patrol.pull_all()
    assert old_token not in str(changes)  # neither the key nor the kept token reach a phone
    (fields,) = [c["fields"] for c in changes if c["id"] == key_id][-1:]
    assert not fields.get("qr_token")
    assert fields["tag_hash"] == sha256(old_token.encode()).hexdigest()
    # The label already printed still prints and still opens the key.
    r = await client.get("/api/keys/labels.pdf", params={"ids": key_id})
    (page,) = pages_of(r.content)
    [label] = qr_texts(page)
    assert label == f"{settings.server.public_base_url}/k/{old_token}"
    checkout = {"id": str(uuid.uuid4()), "key_id": key_id, "purpose": "patrol", "tag": old_token}
    assert (await patrol.push_one("keys.checkout", checkout))["status"] == "applied"


def test_chinese_text_is_drawn_with_real_glyphs_not_boxes() -> None:
    font = _font(40)

    def glyph(ch: str) -> Image.Image:
        img = Image.new("L", (60, 60), 255)
        ImageDraw.Draw(img).text((5, 5), ch, font=font, fill=0)
        return img

    missing = glyph("\U000e01ef")  # a code point no font draws: its .notdef box
    assert ImageChops.difference(glyph("\U000e01ef"), missing).getbbox() is None
    for ch in "翠湖花园锦江华府栋单元钥匙":
        drawn = glyph(ch)
        assert ImageChops.invert(drawn).getbbox() is not None, ch  # ink
        assert ImageChops.difference(drawn, missing).getbbox() is not None, ch  # not a box


async def test_label_text_is_on_the_page(client: ApiClient, keys: dict[str, Any]) -> None:
    r = await client.get("/api/keys/labels.pdf", params={"ids": keys["ids"][0]})
    (page,) = pages_of(r.content)
    # The first label's text column lies right of its QR code: it must hold ink.
    w, h = page.size
    text_area = page.crop((int(w * 0.28), int(h * 0.04), int(w * 0.48), int(h * 0.14)))
    assert ImageChops.invert(text_area).getbbox() is not None


async def test_labels_need_a_supervisor_and_the_users_own_keys(
    client: ApiClient, another_client: ApiClient, keys: dict[str, Any]
) -> None:
    await make_user("zhang", ["patrol"], [keys["site"]])
    await another_client.sign_in("zhang")
    r = await another_client.get("/api/keys/labels.pdf", params={"ids": keys["ids"][0]})
    assert r.status_code == 403
    south = await make_site("south")
    await make_user("south_boss", ["supervisor"], [south])
    await another_client.post("/api/auth/logout")
    await another_client.sign_in("south_boss")
    r = await another_client.get("/api/keys/labels.pdf", params={"ids": keys["ids"][0]})
    assert r.status_code == 404
    r = await client.get("/api/keys/labels.pdf", params={"ids": "no-such-key"})
    assert r.status_code == 404
    r = await client.get("/api/keys/labels.pdf", params={"ids": ",".join(["x"] * 501)})
    assert r.status_code == 413


async def test_reports_keys_out_ledger_and_movements_csv(
    client: ApiClient, keys: dict[str, Any]
) -> None:
    boss: Device = keys["boss"]
    key_id = keys["ids"][0]
    for intent, extra in (
        ("checkout", {"purpose": "repair", "tag": keys["tags"][key_id]}),
        ("checkin", {}),
        ("checkout", {"purpose": "viewing", "tag": keys["tags"][key_id]}),
    ):
        args = {"id": str(uuid.uuid4()), "key_id": key_id, **extra}
        assert (await boss.push_one(f"keys.{intent}", args))["status"] == "applied"
    out = (await client.get(f"/api/sites/{keys['site']}/keys/out")).json()
    assert [(k["code"], k["purpose"], k["holder"], k["overdue"]) for k in out] == [
        ("CH-0000", "viewing", "Boss", False)
    ]
    ledger = (await client.get(f"/api/keys/{key_id}/ledger")).json()
    assert [e["kind"] for e in ledger] == ["checkout", "checkin", "checkout"]
    # Periods are China dates: just after 16:00 UTC it is already tomorrow there.
    today = (datetime.now(UTC) + timedelta(hours=8)).date().isoformat()
    r = await client.get(
        f"/api/sites/{keys['site']}/key-events",
        params={"from": today, "to": today, "format": "csv"},
    )
    assert r.status_code == 200
    assert r.content.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(r.content.decode("utf-8-sig"))))
    # The caller's language, words instead of codes (issue 14, "Everywhere").
    assert rows[0] == ["时间", "钥匙", "动作", "经办人", "用途", "备注"]
    assert [row[2] for row in rows[1:]] == ["借出", "归还", "借出"]
    assert [row[4] for row in rows[1:]] == ["维修", "", "看房"]
    bad = await client.get(
        f"/api/sites/{keys['site']}/key-events", params={"from": "yesterday", "to": today}
    )
    assert bad.status_code == 400


async def test_movements_csv_follows_the_callers_language(
    client: ApiClient, keys: dict[str, Any]
) -> None:
    boss: Device = keys["boss"]
    args = {"id": str(uuid.uuid4()), "key_id": keys["ids"][0], "purpose": "owner_pickup"}
    args["tag"] = keys["tags"][keys["ids"][0]]
    assert (await boss.push_one("keys.checkout", args))["status"] == "applied"
    today = (datetime.now(UTC) + timedelta(hours=8)).date().isoformat()
    path = f"/api/sites/{keys['site']}/key-events"
    params = {"from": today, "to": today, "format": "csv"}

    async def table(language: str) -> list[list[str]]:
        r = await client.get(path, params=params, headers={"Accept-Language": language})
        assert r.status_code == 200, r.text
        return list(csv.reader(io.StringIO(r.content.decode("utf-8-sig"))))

    # No language chosen in the app yet: the browser's decides.
    english = await table("en-US,en;q=0.9")
    assert english[0] == ["Time", "Key", "Action", "By", "Purpose", "Note"]
    assert english[1][1:5] == ["CH-0000", "Checked out", "Boss", "Owner pick-up"]
    chinese = await table("zh-CN,zh;q=0.9")
    assert chinese[0][0] == "时间"
    assert chinese[1][2:5] == ["借出", "Boss", "业主取钥匙"]
    # The language the person chose in the app wins over the browser's.
    r = await client.patch("/api/auth/me", json={"language": "en"})
    assert r.status_code == 200, r.text
    assert (await table("zh-CN"))[0][0] == "Time"


async def test_movements_csv_does_not_let_a_note_run_as_a_formula(
    client: ApiClient, keys: dict[str, Any]
) -> None:
    boss: Device = keys["boss"]
    notes = ['=HYPERLINK("http://e.vil/x","1")', "+1+1", "-2", "@SUM(A1)", "\tcmd", "plain"]
    for note in notes:
        intent = "checkout" if notes.index(note) % 2 == 0 else "checkin"
        args = {"id": str(uuid.uuid4()), "key_id": keys["ids"][0], "note": note}
        if intent == "checkout":
            args.update(purpose="repair", tag=keys["tags"][keys["ids"][0]])
        assert (await boss.push_one(f"keys.{intent}", args))["status"] == "applied"
    today = (datetime.now(UTC) + timedelta(hours=8)).date().isoformat()
    r = await client.get(
        f"/api/sites/{keys['site']}/key-events",
        params={"from": today, "to": today, "format": "csv"},
    )
    rows = list(csv.reader(io.StringIO(r.content.decode("utf-8-sig"))))
    assert sorted(row[5] for row in rows[1:]) == sorted(
        ["'" + n for n in notes if n != "plain"] + ["plain"]
    )
