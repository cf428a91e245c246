"""Who may read a photo (GET, HEAD, /info): its uploader, and the people of a site whose record
holds it. Everyone else gets the same 404 as for a photo that does not exist."""

from __future__ import annotations

from typing import Any

from tests.conftest import ApiClient, make_user
from tests.server.media import corpus
from tests.server.media.conftest import both_stores, new_finding, put_photo
from tests.server.media.corpus import sha
from tests.server.sync_device import Device


async def statuses(client: ApiClient, sha256: str) -> tuple[int, int, int, int]:
    return (
        (await client.get(f"/api/media/{sha256}")).status_code,
        (await client.get(f"/api/media/{sha256}?size=thumb")).status_code,
        (await client.head(f"/api/media/{sha256}")).status_code,
        (await client.get(f"/api/media/{sha256}/info")).status_code,
    )


SEEN = (200, 200, 200, 200)
HIDDEN = (404, 404, 404, 404)


async def as_user(client: ApiClient, username: str) -> ApiClient:
    assert (await client.sign_in(username)).status_code == 200
    return client


@both_stores
async def test_a_photo_follows_the_site_of_the_record_that_holds_it(
    client: ApiClient, sites: dict[str, int], people: dict[str, int]
) -> None:
    data = corpus.jpeg(seed=21)
    photo = sha(data)
    await as_user(client, "zhang")
    assert (await put_photo(client, data)).status_code == 201
    # Before any record holds it: its uploader sees it, nobody else does.
    assert await statuses(client, photo) == SEEN
    await as_user(client, "li")
    assert await statuses(client, photo) == HIDDEN
    await as_user(client, "wang")
    assert await statuses(client, photo) == HIDDEN

    # zhang files a north finding with the photo: north (li) sees it, south (wang) does not.
    await as_user(client, "zhang")
    device = Device(client)
    finding: dict[str, Any] = new_finding(sites["north"], photos=[photo])
    assert (await device.push_one("findings.upsert", finding))["status"] == "applied"
    await as_user(client, "li")
    assert await statuses(client, photo) == SEEN
    info = (await client.get(f"/api/media/{photo}/info")).json()
    assert info["sha256"] == photo
    assert info["uploader"]["username"] == "zhang"
    await as_user(client, "wang")
    assert await statuses(client, photo) == HIDDEN

    # The finding drops the photo: north loses sight of it; the uploader keeps it.
    await as_user(client, "zhang")
    finding["photos"] = {"remove": [photo]}
    assert (await device.push_one("findings.upsert", finding))["status"] == "applied"
    assert await statuses(client, photo) == SEEN
    await as_user(client, "li")
    assert await statuses(client, photo) == HIDDEN


async def test_missing_photo_and_hidden_photo_answer_alike(
    client: ApiClient, people: dict[str, int]
) -> None:
    data = corpus.jpeg(seed=22)
    await as_user(client, "zhang")
    await put_photo(client, data)
    await as_user(client, "wang")
    hidden = await client.get(f"/api/media/{sha(data)}")
    missing = await client.get(f"/api/media/{sha(b'never uploaded')}")
    assert hidden.status_code == missing.status_code == 404
    assert hidden.json()["error"]["code"] == missing.json()["error"]["code"] == "not_found"
    assert hidden.headers.get("etag") is None


@both_stores
async def test_head_of_a_photo_a_record_names_but_nobody_uploaded_is_404_then_200_after_put(
    client: ApiClient, sites: dict[str, int], people: dict[str, int]
) -> None:
    """The PWA's upload queue: a record may arrive before its photos (rule 7)."""
    data = corpus.jpeg(seed=23)
    await as_user(client, "li")
    device = Device(client)
    finding = new_finding(sites["north"], photos=[sha(data)])
    assert (await device.push_one("findings.upsert", finding))["status"] == "applied"
    assert (await client.head(f"/api/media/{sha(data)}")).status_code == 404
    await as_user(client, "zhang")
    assert (await put_photo(client, data)).status_code == 201
    await as_user(client, "li")
    assert (await client.head(f"/api/media/{sha(data)}")).status_code == 200


@both_stores
async def test_etag_cache_control_and_if_none_match(zhang: ApiClient) -> None:
    data = corpus.jpeg(seed=24)
    await put_photo(zhang, data)
    photo = sha(data)
    full = await zhang.get(f"/api/media/{photo}")
    thumb = await zhang.get(f"/api/media/{photo}?size=thumb")
    assert full.headers["etag"] == f'"{photo}"'
    assert thumb.headers["etag"] == f'"{photo}-thumb"'
    for r in (full, thumb):
        assert r.headers["cache-control"] == "private, max-age=31536000, immutable"
        assert r.headers["content-type"] == "image/jpeg"
        assert r.headers["x-content-type-options"] == "nosniff"
    assert len(thumb.content) < len(full.content)
    again = await zhang.get(f"/api/media/{photo}", headers={"If-None-Match": f'"{photo}"'})
    assert again.status_code == 304
    assert again.content == b""
    assert again.headers["etag"] == f'"{photo}"'
    listed = await zhang.get(
        f"/api/media/{photo}?size=thumb", headers={"If-None-Match": f'"x", W/"{photo}-thumb"'}
    )
    assert listed.status_code == 304
    other = await zhang.get(f"/api/media/{photo}", headers={"If-None-Match": f'"{photo}-thumb"'})
    assert other.status_code == 200
    head = await zhang.head(f"/api/media/{photo}", headers={"If-None-Match": f'"{photo}"'})
    assert head.status_code == 304


async def test_reads_need_a_signed_in_user_and_a_known_size(zhang: ApiClient) -> None:
    data = corpus.jpeg(seed=25)
    await put_photo(zhang, data)
    bad = await zhang.get(f"/api/media/{sha(data)}?size=huge")
    assert bad.status_code == 400
    assert (await zhang.get(f"/api/media/{'A' * 64}")).json()["error"]["code"] == "bad_hash"
    await zhang.post("/api/auth/logout")
    assert (await zhang.get(f"/api/media/{sha(data)}")).status_code == 401
    assert (await zhang.head(f"/api/media/{sha(data)}")).status_code == 401


async def test_a_second_uploader_of_a_stored_photo_gets_200(
    client: ApiClient, people: dict[str, int]
) -> None:
    """Uploading the bytes proves having them, so 200 reveals nothing; the first uploader stays."""
    data = corpus.jpeg(seed=26)
    await as_user(client, "zhang")
    assert (await put_photo(client, data)).status_code == 201
    await as_user(client, "wang")
    assert (await put_photo(client, data)).status_code == 200
    await as_user(client, "zhang")
    info = (await client.get(f"/api/media/{sha(data)}/info")).json()
    assert info["uploader"]["username"] == "zhang"


async def test_an_admin_sees_photos_that_records_hold_and_no_others(
    client: ApiClient, sites: dict[str, int], people: dict[str, int]
) -> None:
    """As for every site's data (check_site_access), an admin is not limited to their sites."""
    held, loose = corpus.jpeg(seed=27), corpus.jpeg(seed=28)
    await as_user(client, "zhang")
    await put_photo(client, held)
    await put_photo(client, loose)
    device = Device(client)
    finding = new_finding(sites["north"], photos=[sha(held)])
    assert (await device.push_one("findings.upsert", finding))["status"] == "applied"
    await make_user("root", ["admin"], [])
    await as_user(client, "root")
    assert await statuses(client, sha(held)) == SEEN
    assert await statuses(client, sha(loose)) == HIDDEN


async def test_knowing_a_photos_hash_is_not_enough_to_name_it_in_a_record(
    client: ApiClient, sites: dict[str, int], people: dict[str, int]
) -> None:
    """Naming a stored photo in a record of your own site used to open it to you (issue 19):
    a record may name only a photo its author uploaded or one a record of its site holds."""
    data = corpus.jpeg(seed=29)
    photo = sha(data)
    await as_user(client, "zhang")
    assert (await put_photo(client, data)).status_code == 201
    device = Device(client)
    north = new_finding(sites["north"], photos=[photo])
    assert (await device.push_one("findings.upsert", north))["status"] == "applied"

    # wang of south learnt the hash: his south finding naming it is refused, the photo hidden.
    await as_user(client, "wang")
    result = await Device(client).push_one(
        "findings.upsert", new_finding(sites["south"], photos=[photo])
    )
    assert result["status"] == "rejected"
    assert result["error"]["code"] == "photo_unknown"
    assert result["error"]["field"] == "photos"
    assert await statuses(client, photo) == HIDDEN

    # li of north may name it in another north record: a record of her site holds it.
    await as_user(client, "li")
    other = new_finding(sites["north"], photos=[photo])
    assert (await Device(client).push_one("findings.upsert", other))["status"] == "applied"


async def test_a_stored_photo_no_record_holds_is_named_only_by_its_uploader(
    client: ApiClient, sites: dict[str, int], people: dict[str, int]
) -> None:
    data = corpus.jpeg(seed=30)
    photo = sha(data)
    await as_user(client, "zhang")
    assert (await put_photo(client, data)).status_code == 201
    # li works at north too, but no record holds the photo: she cannot claim it.
    await as_user(client, "li")
    li_device = Device(client)
    result = await li_device.push_one(
        "findings.upsert", new_finding(sites["north"], photos=[photo])
    )
    assert result["error"]["code"] == "photo_unknown"
    assert await statuses(client, photo) == HIDDEN
    # Its uploader may; then li edits that finding keeping the photo (nothing newly named).
    await as_user(client, "zhang")
    finding = new_finding(sites["north"], photos=[photo])
    assert (await Device(client).push_one("findings.upsert", finding))["status"] == "applied"
    await as_user(client, "li")
    edit = {**finding, "description": "墙面渗水，已扩大", "photos": [photo]}
    assert (await li_device.push_one("findings.upsert", edit))["status"] == "applied"
