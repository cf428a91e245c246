"""Inspection templates are versioned: an edit makes a new version, the old one stays readable
as it was and is retired for new inspections."""

from __future__ import annotations

import asyncio

import msgspec
import pytest

from server.errors import AppError
from server.vendors import service
from server.vendors.schemas import TemplateVersionCreate
from tests.conftest import ApiClient
from tests.server.vendors.helpers import template_body, two_sites


async def test_an_edit_makes_a_new_version_and_the_old_one_stays_as_it_was(
    client: ApiClient, another_client: ApiClient
) -> None:
    await two_sites()
    await client.sign_in("zhao")
    first = await client.post("/api/vendors/templates", json=template_body())
    assert first.status_code == 201, first.text
    v1 = first.json()
    assert (v1["version"], v1["retired_at"], v1["critical_cap_score"]) == (1, None, 60)
    assert [(i["code"], i["max_points"], i["critical"]) for i in v1["items"]] == [
        ("c01", 60, True),
        ("c02", 40, False),
    ]
    assert v1["items"][1]["rectification_hours"] == 24  # the default

    edited = template_body(points=(50, 30, 20)) | {"based_on_version": 1}
    edited["items"][0]["label_zh"] = "大堂地面洁净"
    second = await client.post("/api/vendors/templates", json=edited)
    assert second.status_code == 201, second.text
    v2 = second.json()
    assert v2["version"] == 2 and v2["template_id"] == v1["template_id"]

    await another_client.sign_in("wang")  # inspectors read templates
    current = await another_client.get("/api/vendors/templates", params={"service": "cleaning"})
    assert current.json() == v2
    old = (await another_client.get(f"/api/vendors/templates/versions/{v1['id']}")).json()
    assert old["retired_at"] is not None
    assert {k: v for k, v in old.items() if k != "retired_at"} == {
        k: v for k, v in v1.items() if k != "retired_at"
    }
    assert old["items"][0]["label_zh"] == "检查项 1"
    versions = await another_client.get(
        "/api/vendors/templates/versions", params={"service": "cleaning"}
    )
    assert [v["version"] for v in versions.json()] == [2, 1]
    refused = await another_client.post("/api/vendors/templates", json=template_body())
    assert refused.status_code == 403

    # A later step refuses new inspections on a retired version with a stable code.
    with pytest.raises(AppError) as retired:
        await service.usable_template_version(v1["id"])
    assert retired.value.code == "template_version_retired"
    assert (await service.usable_template_version(v2["id"])).version == 2


async def test_the_services_have_their_own_templates(client: ApiClient) -> None:
    await two_sites()
    await client.sign_in("root")
    for kind in ("cleaning", "pest", "cleaning"):
        assert (
            await client.post("/api/vendors/templates", json=template_body(kind))
        ).status_code == 201
    r = await client.get("/api/vendors/templates", params={"service": "pest"})
    assert r.json()["version"] == 1
    r = await client.get("/api/vendors/templates", params={"service": "greening"})
    assert r.status_code == 404
    r = await client.get("/api/vendors/templates", params={"service": "security"})
    assert r.status_code == 400 and r.json()["error"]["field"] == "service"
    assert (await client.get("/api/vendors/templates/versions/999999")).status_code == 404


async def test_an_edit_from_an_old_version_is_refused(client: ApiClient) -> None:
    await two_sites()
    await client.sign_in("root")
    await client.post("/api/vendors/templates", json=template_body())
    await client.post("/api/vendors/templates", json=template_body() | {"based_on_version": 1})
    r = await client.post(
        "/api/vendors/templates",
        json=template_body() | {"based_on_version": 1},
        headers={"Accept-Language": "en"},
    )
    assert r.status_code == 409
    assert r.json()["error"]["code"] == "template_changed"
    assert "reload" in r.json()["error"]["message"]


async def test_two_editors_at_once_make_one_version_each_in_turn_or_one_refusal(
    client: ApiClient,
) -> None:
    await two_sites()
    await client.sign_in("root")
    await client.post("/api/vendors/templates", json=template_body())
    body = msgspec.convert(template_body() | {"based_on_version": 1}, TemplateVersionCreate)
    results = await asyncio.gather(
        *(service.create_template_version(body, None) for _ in range(3)), return_exceptions=True
    )
    made = [r for r in results if not isinstance(r, BaseException)]
    refused = [r for r in results if isinstance(r, AppError)]
    assert len(made) == 1 and made[0].version == 2
    assert [r.code for r in refused] == ["template_changed", "template_changed"]
    versions = await service.list_template_versions("cleaning")
    assert [(v.version, v.retired_at is None) for v in versions] == [(2, True), (1, False)]


async def test_bad_templates_are_refused_with_stable_codes(client: ApiClient) -> None:
    await two_sites()
    await client.sign_in("root")
    r = await client.post("/api/vendors/templates", json=template_body(points=(60, 30)))
    assert r.status_code == 400
    assert r.json()["error"] | {"message": None} == {
        "code": "template_points_total",
        "field": "items",
        "message": None,
    }
    assert r.json()["error"]["message"] == "检查项满分合计须为 100 分，当前为 90 分。"
    body = template_body()
    body["items"][1]["code"] = "c01"
    r = await client.post("/api/vendors/templates", json=body)
    assert (r.status_code, r.json()["error"]["code"]) == (400, "template_item_duplicate")
    assert "c01" in r.json()["error"]["message"]
    for field, value in (
        ("max_points", 0),
        ("max_points", 101),
        ("zone_kind", "rooftop"),
        ("rectification_hours", 0),
        ("label_en", ""),
    ):
        body = template_body()
        body["items"][0][field] = value
        r = await client.post("/api/vendors/templates", json=body)
        assert r.status_code == 400, (field, value)
        assert r.json()["error"]["field"] == f"items[0].{field}", r.json()
    r = await client.post("/api/vendors/templates", json=template_body() | {"items": []})
    assert r.status_code == 400 and r.json()["error"]["field"] == "items"
    r = await client.post(
        "/api/vendors/templates", json=template_body() | {"critical_cap_score": 101}
    )
    assert r.status_code == 400 and r.json()["error"]["field"] == "critical_cap_score"
    assert await service.current_template_version("cleaning") is None
