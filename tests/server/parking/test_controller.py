"""Parking REST: master data (members read their site's, admins write; a tariff change is a new
version) and the fee quote at a gate."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import msgspec
import pytest

from server.auth.service import now
from server.parking.demo import DEMO_LARGE, DEMO_SMALL
from server.parking.tables import Gate, Tariff
from server.sites.tables import Site
from tests.conftest import ApiClient, make_user
from tests.server.sync_device import make_site

PAST = "2020-01-01T00:00:00+08:00"


async def add_gate(site_id: int, name: str = "东门", code: str = "east") -> int:
    rows = await Gate.insert(Gate(site=site_id, name=name, code=code, created_at=now())).returning(
        Gate.id
    )
    return int(rows[0]["id"])


async def add_tariff(site_id: int, vehicle_class: str, rules: Any, version: int = 1) -> None:
    await Tariff.insert(
        Tariff(
            site=site_id,
            vehicle_class=vehicle_class,
            version=version,
            effective_from=datetime.fromisoformat(PAST),
            rules=msgspec.json.encode(rules).decode(),
            created_at=now(),
        )
    )


@pytest.fixture
async def park(client: ApiClient, another_client: ApiClient) -> dict[str, Any]:
    """A site with 东门 and the demo tariffs, an admin on `client`, a cashier on the other."""
    site = await make_site("cuihu")
    other = await make_site("jinjiang")
    gate, other_gate = await add_gate(site), await add_gate(other, "南门", "south")
    for vehicle_class, rules in (("small", DEMO_SMALL), ("large", DEMO_LARGE)):
        await add_tariff(site, vehicle_class, rules)
        await add_tariff(other, vehicle_class, rules)
    await make_user("root", ["admin"])
    await make_user("chen", ["cashier"], [site])
    assert (await client.sign_in("root")).status_code == 200
    assert (await another_client.sign_in("chen")).status_code == 200
    return {"site": site, "other": other, "gate": gate, "other_gate": other_gate}


def tariff(rules: Any, effective_from: str = "2030-01-01T00:00:00+08:00", **more: Any) -> Any:
    """A POST body for a new tariff version (small cars unless told)."""
    body = {"vehicle_class": "small", "effective_from": effective_from}
    return {**body, "rules": msgspec.to_builtins(rules), **more}


def stay(gate: int, entry: str, exit: str, **more: Any) -> dict[str, Any]:
    return {"gate_id": gate, "vehicle_class": "small", "entry": entry, "exit": exit, **more}


# ---- master data -----------------------------------------------------------------------------


async def test_a_member_lists_her_sites_gates_and_another_sites_are_unknown(
    another_client: ApiClient, park: dict[str, Any]
) -> None:
    r = await another_client.get(f"/api/sites/{park['site']}/parking/gates")
    assert r.status_code == 200
    assert [(g["name"], g["code"], g["active"]) for g in r.json()] == [("东门", "east", True)]
    r = await another_client.get(f"/api/sites/{park['other']}/parking/gates")
    assert r.status_code == 404
    assert r.json()["error"]["code"] == "not_found"


async def test_only_an_admin_creates_and_changes_gates(
    client: ApiClient, another_client: ApiClient, park: dict[str, Any]
) -> None:
    path = f"/api/sites/{park['site']}/parking/gates"
    refused = await another_client.post(path, json={"name": "西门", "code": "west"})
    assert refused.status_code == 403
    created = await client.post(path, json={"name": "西门", "code": "west"})
    assert created.status_code == 201, created.text
    gate = created.json()
    taken = await client.post(path, json={"name": "又一个西门", "code": "west"})
    assert (taken.status_code, taken.json()["error"]["code"]) == (409, "conflict")
    changed = await client.put(f"/api/parking/gates/{gate['id']}", json={"active": False})
    assert changed.json() == {**gate, "active": False}
    assert (await client.put("/api/parking/gates/9999", json={"active": False})).status_code == 404
    unknown = await client.post("/api/sites/9999/parking/gates", json={"name": "x", "code": "x"})
    assert (unknown.status_code, unknown.json()["error"]["code"]) == (404, "unknown_site")


async def test_a_gate_with_a_bad_code_is_refused_with_the_field_named(
    client: ApiClient, park: dict[str, Any]
) -> None:
    r = await client.post(
        f"/api/sites/{park['site']}/parking/gates", json={"name": "东门", "code": "东 门"}
    )
    assert r.status_code == 400
    assert r.json()["error"]["field"] == "code"


async def test_a_tariff_change_is_a_new_version_and_the_old_one_stays(
    client: ApiClient, park: dict[str, Any]
) -> None:
    path = f"/api/sites/{park['site']}/parking/tariffs"
    tomorrow = (datetime.now(UTC) + timedelta(days=1)).isoformat()
    dearer = msgspec.structs.replace(DEMO_SMALL, cap_fen=3000)
    r = await client.post(path, json=tariff(dearer, tomorrow))
    assert r.status_code == 201, r.text
    assert (r.json()["version"], r.json()["rules"]["cap_fen"]) == (2, 3000)
    listed = (await client.get(path, params={"vehicle_class": "small"})).json()
    assert [(t["version"], t["rules"]["cap_fen"]) for t in listed] == [(2, 3000), (1, 2000)]


async def test_a_new_version_cannot_take_effect_in_the_past(
    client: ApiClient, park: dict[str, Any]
) -> None:
    r = await client.post(
        f"/api/sites/{park['site']}/parking/tariffs", json=tariff(DEMO_SMALL, PAST)
    )
    assert (r.status_code, r.json()["error"]["code"]) == (422, "tariff_backdated")
    fresh = await make_site("new")
    r = await client.post(
        f"/api/sites/{fresh}/parking/tariffs",
        json=tariff(DEMO_LARGE, PAST, vehicle_class="large"),
    )
    assert (r.status_code, r.json()["version"]) == (201, 1)


BAD_TARIFFS: list[tuple[dict[str, Any], str]] = [
    ({"vehicle_class": "bus"}, "vehicle_class"),
    ({"effective_from": "2030-01-01T00:00:00"}, "effective_from"),
    ({"rules": {**msgspec.to_builtins(DEMO_SMALL), "cap_fen": -1}}, "rules.cap_fen"),
    ({"rules": {**msgspec.to_builtins(DEMO_SMALL), "cap_fen": 12.5}}, "rules.cap_fen"),
    ({"rules": {**msgspec.to_builtins(DEMO_SMALL), "unit_minutes": 0}}, "rules.unit_minutes"),
    ({"rules": {**msgspec.to_builtins(DEMO_SMALL), "cap_per": "week"}}, "rules.cap_per"),
]


async def test_a_bad_tariff_is_refused_with_the_field_named(
    client: ApiClient, park: dict[str, Any]
) -> None:
    for body, field in BAD_TARIFFS:
        r = await client.post(
            f"/api/sites/{park['site']}/parking/tariffs", json={**tariff(DEMO_SMALL), **body}
        )
        assert r.status_code == 400, r.text
        assert r.json()["error"]["field"] == field


async def test_a_cashier_cannot_change_a_tariff(
    another_client: ApiClient, park: dict[str, Any]
) -> None:
    r = await another_client.post(
        f"/api/sites/{park['site']}/parking/tariffs", json=tariff(DEMO_SMALL)
    )
    assert r.status_code == 403


async def test_exemption_reasons_are_listed_to_members_and_kept_by_admins(
    client: ApiClient, another_client: ApiClient, park: dict[str, Any]
) -> None:
    path = f"/api/sites/{park['site']}/parking/exemption-reasons"
    police = {"code": "police", "name_zh": "警车", "name_en": "Police", "approver_role": "cashier"}
    created = await client.post(path, json=police)
    assert created.status_code == 201, created.text
    assert (await client.post(path, json=police)).status_code == 409
    bad = await client.post(path, json={**police, "code": "vip"})
    assert (bad.status_code, bad.json()["error"]["field"]) == (400, "code")
    assert (await another_client.post(path, json={**police, "code": "fire"})).status_code == 403
    reason_id = created.json()["id"]
    r = await client.put(
        f"/api/parking/exemption-reasons/{reason_id}", json={"approver_role": "supervisor"}
    )
    assert r.json()["approver_role"] == "supervisor"
    listed = (await another_client.get(path)).json()
    assert [(x["code"], x["name_zh"], x["approver_role"]) for x in listed] == [
        ("police", "警车", "supervisor")
    ]


async def test_the_denominations_a_site_counts_are_data(
    client: ApiClient, another_client: ApiClient, park: dict[str, Any]
) -> None:
    path = f"/api/sites/{park['site']}/parking/denominations"
    body = [
        {"kind": "coin", "fen": 50},
        {"kind": "note", "fen": 100},
        {"kind": "note", "fen": 10000},
    ]
    r = await client.put(path, json=body)
    assert r.status_code == 200, r.text
    expected = [
        {"kind": "note", "fen": 10000},
        {"kind": "note", "fen": 100},
        {"kind": "coin", "fen": 50},
    ]
    assert r.json() == expected
    assert (await another_client.get(path)).json() == expected
    twice = await client.put(path, json=[*body, {"kind": "coin", "fen": 50}])
    assert (twice.status_code, twice.json()["error"]["code"]) == (400, "invalid_args")
    fractional = await client.put(path, json=[{"kind": "coin", "fen": 0.5}])
    assert fractional.status_code == 400
    assert (await another_client.put(path, json=body)).status_code == 403


# ---- quote -----------------------------------------------------------------------------------


async def test_the_quote_answers_the_demo_tariff_with_lines_to_read_out(
    another_client: ApiClient, park: dict[str, Any]
) -> None:
    r = await another_client.get(
        "/api/parking/quote",
        params=stay(park["gate"], "2026-12-06T08:00:00+08:00", "2026-12-07T10:00:01+08:00"),
    )
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["fee_fen"] == 2700
    assert body["tariff_version"] == 1
    assert body["lines"] == [
        {"text": "整 24 小时 × 1，每个 20 元（封顶）", "fen": 2000},
        {"text": "余下 2 小时 1 秒：首 2 小时 5 元，之后每 1 小时 2 元 × 1", "fen": 700},
    ]


async def test_the_quote_speaks_english_when_asked_and_adds_a_lost_ticket(
    another_client: ApiClient, park: dict[str, Any]
) -> None:
    r = await another_client.get(
        "/api/parking/quote",
        params=stay(
            park["gate"],
            "2026-12-06T08:00:00+08:00",
            "2026-12-06T08:10:00+08:00",
            lost_ticket="true",
            vehicle_class="large",
        ),
        headers={"Accept-Language": "en-GB,en;q=0.9"},
    )
    assert r.json()["fee_fen"] == 2000
    assert r.json()["lines"] == [
        {"text": "Stay of 10 min: first 2 h ¥10", "fen": 1000},
        {"text": "Lost ticket surcharge", "fen": 1000},
    ]


async def test_an_unencoded_plus_in_the_offset_is_still_read_as_the_offset(
    another_client: ApiClient, park: dict[str, Any]
) -> None:
    query = "entry=2026-12-06T08:00:00+08:00&exit=2026-12-06T10:00:01+08:00"
    r = await another_client.get(
        f"/api/parking/quote?gate_id={park['gate']}&vehicle_class=small&{query}"
    )
    assert (r.status_code, r.json()["fee_fen"]) == (200, 700)


UNPRICEABLE: list[tuple[dict[str, Any], str]] = [
    ({"exit": "2026-12-06T07:59:59+08:00"}, "exit"),
    ({"entry": "2026-12-06T08:00:00"}, "entry"),
    ({"exit": "yesterday"}, "exit"),
    ({"entry": None}, "entry"),
    ({"vehicle_class": "bus"}, "vehicle_class"),
    ({"gate_id": "east"}, "gate_id"),
    ({"gate_id": "99999999999"}, "gate_id"),
    ({"exit": "2028-12-06T08:00:00+08:00"}, "exit"),
]


async def test_a_stay_the_quote_cannot_price_is_invalid_args(
    another_client: ApiClient, park: dict[str, Any]
) -> None:
    for change, field in UNPRICEABLE:
        params = stay(park["gate"], "2026-12-06T08:00:00+08:00", "2026-12-06T09:00:00+08:00")
        params.update(change)
        r = await another_client.get(
            "/api/parking/quote", params={k: v for k, v in params.items() if v is not None}
        )
        assert r.status_code == 400, r.text
        error = r.json()["error"]
        assert (error["code"], error["field"]) == ("invalid_args", field)
        assert field in error["message"]


async def test_another_sites_gate_is_unknown_to_the_quote(
    another_client: ApiClient, park: dict[str, Any]
) -> None:
    for gate in (park["other_gate"], 9999):
        r = await another_client.get(
            "/api/parking/quote",
            params=stay(gate, "2026-12-06T08:00:00+08:00", "2026-12-06T09:00:00+08:00"),
        )
        assert (r.status_code, r.json()["error"]["code"]) == (404, "not_found")


async def test_the_tariff_in_force_at_entry_prices_the_stay(
    client: ApiClient, park: dict[str, Any]
) -> None:
    soon = datetime.now(UTC) + timedelta(hours=1)
    dearer = msgspec.structs.replace(DEMO_SMALL, first_period_fen=800)
    created = await client.post(
        f"/api/sites/{park['site']}/parking/tariffs", json=tariff(dearer, soon.isoformat())
    )
    assert created.status_code == 201, created.text
    for entry, fee, version in (
        (soon - timedelta(seconds=1), 500, 1),
        (soon, 800, 2),
        (soon + timedelta(days=3), 800, 2),
    ):
        r = await client.get(
            "/api/parking/quote",
            params=stay(park["gate"], entry.isoformat(), (entry + timedelta(hours=1)).isoformat()),
        )
        assert (r.json()["fee_fen"], r.json()["tariff_version"]) == (fee, version), entry


async def test_no_tariff_at_entry_is_tariff_missing(
    client: ApiClient, park: dict[str, Any]
) -> None:
    r = await client.get(
        "/api/parking/quote",
        params=stay(park["gate"], "2019-12-31T23:00:00+08:00", "2020-01-01T01:00:00+08:00"),
    )
    assert (r.status_code, r.json()["error"]["code"]) == (422, "tariff_missing")
    assert "收费标准" in r.json()["error"]["message"]
    site = await make_site("bare")
    gate = await add_gate(site)
    r = await client.get(
        "/api/parking/quote",
        params=stay(gate, "2026-12-06T08:00:00+08:00", "2026-12-06T09:00:00+08:00"),
        headers={"Accept-Language": "en"},
    )
    assert (r.status_code, r.json()["error"]["code"]) == (422, "tariff_missing")
    assert r.json()["error"]["message"].startswith("No parking tariff applies")


async def test_calendar_day_caps_cut_at_the_sites_own_midnight(
    client: ApiClient, park: dict[str, Any]
) -> None:
    site = await make_site("manhattan")
    await Site.update({Site.timezone: "America/New_York"}).where(Site.id == site)
    gate = await add_gate(site)
    await add_tariff(site, "small", msgspec.structs.replace(DEMO_SMALL, cap_per="day"))
    # 22:00 to 01:00 in New York: two local days (2 h and 1 h), each from its first period.
    r = await client.get(
        "/api/parking/quote",
        params=stay(gate, "2026-12-07T03:00:00Z", "2026-12-07T06:00:00Z"),
    )
    assert r.json()["fee_fen"] == 1000
    assert [line["text"].split(" ")[0] for line in r.json()["lines"]] == ["12月6日", "12月7日"]
