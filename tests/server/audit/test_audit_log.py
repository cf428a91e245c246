"""The audit log: privileged sync intents and every REST write, with who, when, which device
or address; read by managers of the site and admins, as JSON or CSV."""

from __future__ import annotations

import csv
import io
from datetime import timedelta

from server.audit.tables import AuditEntry
from tests.conftest import ApiClient, make_user, site_today
from tests.server.sync_device import Device, make_site, new_finding


def today_range() -> dict[str, str]:
    # A day either side: the site's calendar may be ahead of or behind UTC.
    return {
        "from": (site_today() - timedelta(days=1)).isoformat(),
        "to": (site_today() + timedelta(days=1)).isoformat(),
    }


async def test_privileged_intents_are_logged_with_device_and_outcome_plain_edits_are_not(
    client: ApiClient, another_client: ApiClient
) -> None:
    north = await make_site("north")
    await make_user("zhang", ["patrol"], [north])
    await make_user("boss", ["supervisor", "manager"], [north])
    await client.sign_in("zhang")
    patrol = Device(client)
    finding = new_finding(north)
    await patrol.push_one("findings.upsert", finding)
    refused = await patrol.push_one("findings.delete", {"id": finding["id"]})
    assert refused["status"] == "rejected"
    await another_client.sign_in("boss")
    boss = Device(another_client)
    assert (await boss.push_one("findings.delete", {"id": finding["id"]}))["status"] == "applied"

    rows = await AuditEntry.select().order_by(AuditEntry.id)
    assert [(r["action"], r["outcome"], r["source"]) for r in rows] == [
        ("findings.delete", "rejected:forbidden", "sync"),
        ("findings.delete", "applied", "sync"),
    ]
    assert rows[0]["device_id"] == patrol.id and rows[1]["device_id"] == boss.id
    assert rows[1]["target"] == f"findings/{finding['id']}"
    assert rows[1]["sites"] == f",{north},"
    assert rows[1]["device_time"].endswith(boss.id)

    r = await another_client.get("/api/audit/", params={"site_id": north, **today_range()})
    assert r.status_code == 200, r.text
    [entry] = r.json()  # the refused one touched no record: no site to list it under
    assert entry["user_name"] == "Boss"
    assert (entry["action"], entry["outcome"], entry["device_id"]) == (
        "findings.delete",
        "applied",
        boss.id,
    )


async def test_rest_writes_are_logged_refused_ones_and_reads_are_not(client: ApiClient) -> None:
    north = await make_site("north")
    await make_user("root", ["admin"], [north])
    await client.sign_in("root")
    assert (
        await client.post(f"/api/sites/{north}/buildings", json={"name": "3栋"})
    ).status_code == 201
    assert (await client.post(f"/api/sites/{north}/buildings", json={})).status_code == 400
    await client.get(f"/api/sites/{north}/buildings")
    r = await client.get("/api/audit/", params={"site_id": north, **today_range()})
    assert r.status_code == 200, r.text
    [entry] = r.json()
    assert entry["action"] == "POST /api/sites/{site_id}/buildings"
    assert (entry["source"], entry["outcome"], entry["sites"]) == ("web", "201", [north])
    assert entry["address"]


async def test_who_may_read_the_log_and_the_csv_follows_the_language(
    client: ApiClient, another_client: ApiClient
) -> None:
    north, south = await make_site("north"), await make_site("south")
    await make_user("root", ["admin"], [north])
    await make_user("zhao", ["manager"], [north])
    await make_user("zhang", ["patrol"], [north])
    await client.sign_in("root")
    await client.post(f"/api/sites/{north}/buildings", json={"name": "=1+1"})
    await another_client.sign_in("zhao")
    params = {"site_id": north, **today_range()}
    assert (await another_client.get("/api/audit/", params=params)).status_code == 200
    other = {**params, "site_id": south}
    assert (await another_client.get("/api/audit/", params=other)).status_code == 404
    bad = {**params, "to": "2020-01-01"}
    r = await another_client.get("/api/audit/", params=bad)
    assert (r.status_code, r.json()["error"]["code"]) == (400, "invalid_period")

    zh = await another_client.get("/api/audit/", params={**params, "format": "csv"})
    header, *rows = list(csv.reader(io.StringIO(zh.content.decode("utf-8-sig"))))
    assert header[:4] == ["时间", "人员", "来源", "操作"]
    assert len(rows) == 1
    assert rows[0][1:5] == ["Root", "网页", "新建楼栋", "成功"]
    en = await another_client.get(
        "/api/audit/", params={**params, "format": "csv"}, headers={"Accept-Language": "en"}
    )
    assert en.content.decode("utf-8-sig").startswith("Time,Person,Source,Action")

    await another_client.post("/api/auth/logout", json={})
    await another_client.sign_in("zhang")
    assert (await another_client.get("/api/audit/", params=params)).status_code == 403
    # Nothing changes or removes an entry.
    assert (await client.delete("/api/audit/")).status_code == 405


async def test_user_and_role_changes_say_what_changed_never_the_password(
    client: ApiClient,
) -> None:
    north = await make_site("north")
    await make_user("root", ["admin"], [north])
    zhang = await make_user("zhang", ["patrol"], [north])
    await client.sign_in("root")
    r = await client.patch(
        f"/api/users/{zhang}", json={"roles": ["supervisor"], "password": "a-new-secret-123"}
    )
    assert r.status_code == 200, r.text
    [row] = await AuditEntry.select().where(AuditEntry.action == "PATCH /api/users/{user_id}")
    assert '"roles": ["supervisor"]' in row["details"]
    assert '"password_changed": true' in row["details"]
    assert "a-new-secret-123" not in row["details"]
