"""The sync endpoints over the real app and database: findings end to end, and every refusal."""

from __future__ import annotations

import uuid
from typing import Any

import pytest

from tests.conftest import ApiClient, make_user
from tests.server.sync_device import Device, make_site, new_finding, now_ms


async def test_created_finding_is_applied_and_pulled_with_server_fields(
    patrol: Device, north: int
) -> None:
    finding = new_finding(north, photos=["a" * 64])
    result = await patrol.push_one("findings.upsert", finding)
    assert result["status"] == "applied"
    assert result["revision"] > 0
    changes = await patrol.pull_all()
    assert [c["id"] for c in changes] == [finding["id"]]
    fields = changes[0]["fields"]
    assert fields["description"] == "门锁损坏"
    assert fields["status"] == "open"
    assert fields["photos"] == ["a" * 64]
    assert isinstance(fields["created_by"], int)
    assert changes[0]["revision"] == result["revision"]


async def test_resent_batch_is_answered_as_duplicate_with_the_first_result(
    patrol: Device, north: int
) -> None:
    m = patrol.mutation("findings.upsert", new_finding(north))
    first = (await patrol.push(m)).json()
    again = (await patrol.push(m)).json()
    assert first["results"][0]["status"] == "applied"
    assert again["results"][0]["status"] == "duplicate"
    assert again["results"][0]["revision"] == first["results"][0]["revision"]
    assert again["applied_through"] == 1
    assert len(await patrol.pull_all()) == 1


async def test_a_gap_defers_the_rest_and_names_the_expected_seq(patrol: Device, north: int) -> None:
    first = patrol.mutation("findings.upsert", new_finding(north))
    second = patrol.mutation("findings.upsert", new_finding(north))
    body = (await patrol.push(second)).json()
    assert body["results"][0]["status"] == "deferred"
    assert body["applied_through"] == 0
    body = (await patrol.push(first, second)).json()
    assert [r["status"] for r in body["results"]] == ["applied", "applied"]
    assert body["applied_through"] == 2


async def test_seq_reused_with_another_mutation_id_is_rejected(patrol: Device, north: int) -> None:
    await patrol.push_one("findings.upsert", new_finding(north))
    patrol.seq = 0
    result = await patrol.push_one("findings.upsert", new_finding(north))
    assert result["status"] == "rejected"
    assert result["error"]["code"] == "seq_reused"


async def test_another_user_pushing_with_a_bound_device_gets_409(
    patrol: Device, another_client: ApiClient, north: int
) -> None:
    await patrol.push_one("findings.upsert", new_finding(north))
    await make_user("li", ["patrol"], [north])
    await another_client.sign_in("li")
    thief = Device(another_client)
    thief.id = patrol.id
    r = await thief.push(thief.mutation("findings.upsert", new_finding(north)))
    assert r.status_code == 409
    assert r.json()["error"]["code"] == "device_mismatch"


@pytest.mark.parametrize(
    ("name", "args", "code", "field"),
    [
        ("keys.teleport", {"id": "x"}, "unknown_mutation", None),
        ("findings.fly", {"id": "x"}, "unknown_mutation", None),
        ("findings.upsert", {"id": "x", "site_id": "north"}, "invalid_args", "site_id"),
        ("findings.upsert", {"id": "x", "category": "nope"}, "invalid_args", "category"),
        ("findings.upsert", {"id": "x", "description": 7}, "invalid_args", "description"),
        ("findings.upsert", {"id": "x", "due_date": "tomorrow"}, "invalid_args", "due_date"),
        ("findings.upsert", {"id": "x", "photos": ["not-a-hash"]}, "invalid_args", "photos"),
        ("findings.upsert", {"id": "x", "surprise": 1}, "invalid_args", "surprise"),
        ("findings.upsert", {"id": "x", "created_by": 1}, "server_owned_field", "created_by"),
        ("findings.upsert", {"site_id": 1}, "invalid_args", "id"),
        ("findings.comment", {"id": "c", "finding_id": "missing", "body": "x"}, "not_found", None),
    ],
)
async def test_refusals_are_per_mutation_with_a_code_and_field(
    patrol: Device, north: int, name: str, args: dict[str, Any], code: str, field: str | None
) -> None:
    if "id" in args and name == "findings.upsert":
        args = {**new_finding(north), **args}
    result = await patrol.push_one(name, args)
    assert result["status"] == "rejected", result
    assert result["error"]["code"] == code
    if field:
        assert result["error"]["field"] == field
    assert result["error"]["message"]


@pytest.mark.parametrize(
    "hlc",
    ["yesterday", "001732345678901-00000-server", "1732345678901-0-{device}", ""],
)
async def test_malformed_or_foreign_stamps_are_rejected_bad_hlc(
    patrol: Device, north: int, hlc: str
) -> None:
    m = patrol.mutation("findings.upsert", new_finding(north))
    m["hlc"] = hlc.format(device=patrol.id)
    result = (await patrol.push(m)).json()["results"][0]
    assert result["status"] == "rejected"
    assert result["error"]["code"] == "bad_hlc"


async def test_finding_of_another_site_is_forbidden(patrol: Device, north: int) -> None:
    south = await make_site("south")
    result = await patrol.push_one("findings.upsert", new_finding(south))
    assert result["status"] == "rejected"
    assert result["error"]["code"] == "forbidden"


async def test_assignee_must_be_a_member_of_the_site(patrol: Device, north: int) -> None:
    outsider = await make_user("wang", ["patrol"], [])
    result = await patrol.push_one("findings.upsert", new_finding(north, assignee_id=outsider))
    assert result["error"]["code"] == "invalid_args"
    assert result["error"]["field"] == "assignee_id"


async def test_closed_finding_is_locked(
    patrol: Device, north: int, another_client: ApiClient
) -> None:
    await make_user("boss", ["supervisor"], [north])
    await another_client.sign_in("boss")
    boss = Device(another_client)
    finding = new_finding(north)
    await patrol.push_one("findings.upsert", finding)
    closed = {"id": finding["id"], "reason": "重复"}
    assert (await boss.push_one("findings.close", closed))["status"] == "applied"
    late = await patrol.push_one("findings.upsert", {"id": finding["id"], "description": "补充"})
    assert late["status"] == "rejected"
    assert late["error"]["code"] == "record_locked"


async def test_later_stamp_wins_per_field_and_the_loser_is_told(
    patrol: Device, north: int, another_client: ApiClient
) -> None:
    await make_user("li", ["supervisor"], [north])
    await another_client.sign_in("li")
    other = Device(another_client)
    finding = new_finding(north)
    t = now_ms()
    await patrol.push_one("findings.upsert", finding, t - 60_000)
    newer = await other.push_one(
        "findings.upsert", {"id": finding["id"], "description": "新描述"}, t - 1_000
    )
    assert newer["status"] == "applied"
    # Made offline earlier, synced later: its description loses, its location is kept.
    older = await patrol.push_one(
        "findings.upsert",
        {"id": finding["id"], "description": "旧描述", "location": "3栋大堂"},
        t - 30_000,
    )
    assert older["status"] == "merged"
    assert older["conflicts"] == [
        {"field": "description", "kept": "新描述", "discarded": "旧描述", "why": "newer_edit"}
    ]
    changes = await patrol.pull_all()
    (fields,) = [c["fields"] for c in changes if c["collection"] == "findings"]
    assert (fields["description"], fields["location"]) == ("新描述", "3栋大堂")


async def test_a_clock_a_day_ahead_does_not_win_every_conflict(
    patrol: Device, north: int, another_client: ApiClient
) -> None:
    await make_user("li", ["supervisor"], [north])
    await another_client.sign_in("li")
    other = Device(another_client)
    finding = new_finding(north)
    await patrol.push_one("findings.upsert", finding, now_ms() + 86_400_000)
    later = await other.push_one("findings.upsert", {"id": finding["id"], "description": "后改"})
    assert later["status"] == "applied"


async def test_comments_are_appended_and_pulled(patrol: Device, north: int) -> None:
    finding = new_finding(north)
    await patrol.push_one("findings.upsert", finding)
    comment_id = str(uuid.uuid4())
    result = await patrol.push_one(
        "findings.comment", {"id": comment_id, "finding_id": finding["id"], "body": "已通知维修"}
    )
    assert result["status"] == "applied"
    again = await patrol.push_one(
        "findings.comment", {"id": comment_id, "finding_id": finding["id"], "body": "改写"}
    )
    assert again["error"]["code"] == "append_only"
    comments = [c for c in await patrol.pull_all() if c["collection"] == "finding_comments"]
    assert [c["fields"]["body"] for c in comments] == ["已通知维修"]


async def test_only_supervisors_delete_and_the_delete_is_pulled(
    patrol: Device, north: int, another_client: ApiClient
) -> None:
    finding = new_finding(north)
    await patrol.push_one("findings.upsert", finding)
    assert [c["id"] for c in await patrol.pull_all()] == [finding["id"]]
    refused = await patrol.push_one("findings.delete", {"id": finding["id"]})
    assert refused["error"]["code"] == "forbidden"
    await make_user("boss", ["supervisor"], [north])
    await another_client.sign_in("boss")
    boss = Device(another_client)
    assert (await boss.push_one("findings.delete", {"id": finding["id"]}))["status"] == "applied"
    (gone,) = await patrol.pull_all()
    assert (gone["id"], gone["deleted"], gone["fields"]) == (finding["id"], True, {})
    # A device starting from scratch is not sent what it never had.
    assert await Device(patrol.client).pull_all() == []


async def test_pull_never_returns_another_sites_records(
    patrol: Device, north: int, another_client: ApiClient
) -> None:
    south = await make_site("south")
    await make_user("li", ["patrol"], [south])
    await another_client.sign_in("li")
    southerner = Device(another_client)
    await southerner.push_one("findings.upsert", new_finding(south))
    await patrol.push_one("findings.upsert", new_finding(north))
    assert {c["fields"]["site_id"] for c in await patrol.pull_all()} == {north}
    assert {c["fields"]["site_id"] for c in await southerner.pull_all()} == {south}


async def test_paging_returns_every_change_once_in_revision_order(
    patrol: Device, north: int
) -> None:
    ids = []
    for _ in range(7):
        f = new_finding(north)
        ids.append(f["id"])
        await patrol.push_one("findings.upsert", f)
    seen: list[dict[str, Any]] = []
    while True:
        params = {"limit": "3", **({"cursor": patrol.cursor} if patrol.cursor else {})}
        body = (await patrol.client.get("/api/sync/pull", params=params)).json()
        assert len(body["changes"]) <= 3
        seen += body["changes"]
        patrol.cursor = body["cursor"]
        if not body["has_more"]:
            break
    assert [c["id"] for c in seen] == ids
    revisions = [c["revision"] for c in seen]
    assert revisions == sorted(set(revisions))


# ---- bad requests: 4xx, never 500 ---------------------------------------------------------


async def test_a_batch_of_501_is_413(patrol: Device, north: int) -> None:
    batch = [patrol.mutation("findings.upsert", new_finding(north)) for _ in range(501)]
    r = await patrol.push(*batch)
    assert r.status_code == 413
    assert r.json()["error"]["code"] == "payload_too_large"


async def test_a_body_over_2_mb_is_413(patrol: Device, north: int) -> None:
    big = new_finding(north, description="x" * 2_100_000)
    r = await patrol.push(patrol.mutation("findings.upsert", big))
    assert r.status_code == 413
    assert r.json()["error"]["code"] == "payload_too_large"


@pytest.mark.parametrize(
    ("body", "field"),
    [
        (b'{"device_id": ', None),
        (b'{"device_id": "not-a-uuid", "mutations": []}', "device_id"),
        (b'{"mutations": []}', "device_id"),
        (b'{"device_id": "%s", "mutations": [{"id": "x"}]}', "mutations[0].id"),
        (b'{"device_id": "%s", "mutations": [{}]}', "mutations[0]"),
        (b'{"device_id": "%s", "mutations": "all"}', "mutations"),
        (b"[]", None),
    ],
)
async def test_malformed_push_bodies_are_400(
    patrol: Device, body: bytes, field: str | None
) -> None:
    if b"%s" in body:
        body = body % patrol.id.encode()
    r = await patrol.client.post(
        "/api/sync/push", content=body, headers={"Content-Type": "application/json"}
    )
    assert r.status_code == 400, r.text
    error = r.json()["error"]
    assert error["code"] in ("malformed_json", "validation_error")
    if field:
        assert error["field"].startswith(field.split("[")[0])


@pytest.mark.parametrize("cursor", ["garbage", "eyJyIjogMTAwMH0", "a" * 1999, "x.y", "%00"])
async def test_forged_cursor_is_400_bad_cursor(patrol: Device, cursor: str) -> None:
    r = await patrol.client.get("/api/sync/pull", params={"cursor": cursor})
    assert r.status_code == 400
    assert r.json()["error"]["code"] == "bad_cursor"


async def test_a_cursor_with_one_byte_changed_is_refused(patrol: Device, north: int) -> None:
    await patrol.push_one("findings.upsert", new_finding(north))
    await patrol.pull_all()
    assert patrol.cursor
    tampered = patrol.cursor[:-2] + ("A" if patrol.cursor[-2] != "A" else "B") + patrol.cursor[-1]
    r = await patrol.client.get("/api/sync/pull", params={"cursor": tampered})
    assert r.status_code == 400


@pytest.mark.parametrize("limit", ["0", "1001", "-5", "many"])
async def test_pull_limit_outside_1_to_1000_is_400(patrol: Device, limit: str) -> None:
    r = await patrol.client.get("/api/sync/pull", params={"limit": limit})
    assert r.status_code == 400


async def test_sync_needs_a_session(client: ApiClient) -> None:
    await client.prepare_csrf()
    r = await client.post("/api/sync/push", json={"device_id": str(uuid.uuid4()), "mutations": []})
    assert r.status_code == 401
    assert (await client.get("/api/sync/pull")).status_code == 401


async def test_photo_references_follow_the_record(patrol: Device, north: int) -> None:
    from server.syncing.tables import MediaRef

    a, b = "a" * 64, "b" * 64
    finding = new_finding(north, photos=[a], fix_photos=[b])
    await patrol.push_one("findings.upsert", finding)
    await patrol.push_one("findings.upsert", {"id": finding["id"], "photos": {"remove": [a]}})
    refs = {r["sha256"]: r for r in await MediaRef.select()}
    assert refs[b]["released_at_ms"] is None
    assert refs[b]["sites"] == f'["{north}"]'
    assert refs[a]["released_at_ms"] is not None


async def test_deleting_a_deleted_finding_still_needs_the_right_to_delete(
    patrol: Device, north: int, another_client: ApiClient
) -> None:
    await make_user("boss", ["supervisor"], [north])
    await another_client.sign_in("boss")
    boss = Device(another_client)
    finding = new_finding(north)
    await patrol.push_one("findings.upsert", finding)
    assert (await boss.push_one("findings.delete", {"id": finding["id"]}))["status"] == "applied"
    again = await patrol.push_one("findings.delete", {"id": finding["id"]})
    assert again["error"]["code"] == "forbidden"
    assert (await boss.push_one("findings.delete", {"id": finding["id"]}))["status"] == "applied"
