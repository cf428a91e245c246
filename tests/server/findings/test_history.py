"""A finding's history (GET /api/findings/{id}/history): who changed which field, from what to
what and when, for edits and state steps alike; only for members of the finding's site."""

from __future__ import annotations

from typing import Any

from tests.conftest import ApiClient, make_user
from tests.server.findings.test_state_machine import FIX_PHOTO, PHOTO, Crew, reported
from tests.server.sync_device import make_site


async def history(crew: Crew, finding_id: str) -> list[tuple[str, str, Any, Any]]:
    r = await crew.client.get(f"/api/findings/{finding_id}/history")
    assert r.status_code == 200, r.text
    lines = r.json()
    assert all(line["at"].endswith("Z") for line in lines)
    return [(line["by"], line["field"], line["before"], line["after"]) for line in lines]


async def test_history_names_who_changed_each_field_from_what_to_what(
    crew: Crew, north: int
) -> None:
    finding_id = await reported(crew, north, location="1栋大堂")
    edit = {"id": finding_id, "location": "2栋大堂", "photos": {"add": [FIX_PHOTO], "remove": []}}
    assert (await crew.push("zhang", "findings.upsert", edit))["status"] == "applied"
    assign = {"id": finding_id, "assignee_id": crew.ids["li"]}
    assert (await crew.push("boss", "findings.assign", assign))["status"] == "applied"
    # A refused step leaves no line.
    refused = await crew.push("li", "findings.fix", {"id": finding_id, "fix_note": " "})
    assert refused["status"] == "rejected"
    fix = {"id": finding_id, "fix_note": "已修好", "fix_photos": [PHOTO]}
    assert (await crew.push("li", "findings.fix", fix))["status"] == "applied"
    assert await history(crew, finding_id) == [
        ("Zhang", "location", "1栋大堂", "2栋大堂"),
        ("Zhang", "photos", 1, 2),
        ("Boss", "status", "open", "assigned"),
        ("Boss", "assignee_id", None, crew.ids["li"]),
        ("Li", "status", "assigned", "fixed"),
        ("Li", "fix_note", "", "已修好"),
        ("Li", "fix_photos", 0, 1),
    ]


async def test_an_unchanged_value_makes_no_line(crew: Crew, north: int) -> None:
    finding_id = await reported(crew, north, location="1栋大堂")
    same = {"id": finding_id, "location": "1栋大堂"}
    assert (await crew.push("zhang", "findings.upsert", same))["status"] == "applied"
    assert await history(crew, finding_id) == []


async def test_history_of_another_sites_finding_is_not_found(
    client: ApiClient, crew: Crew, north: int
) -> None:
    finding_id = await reported(crew, north)
    south = await make_site("south")
    await make_user("outsider", ["supervisor"], [south])
    await client.post("/api/auth/logout")
    await client.sign_in("outsider")
    assert (await client.get(f"/api/findings/{finding_id}/history")).status_code == 404
    assert (await client.get("/api/findings/nope/history")).status_code == 404
