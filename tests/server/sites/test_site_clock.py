"""One clock per site: "today", "this month", day bounds and printed times follow the site's zone
(not UTC, not a fixed UTC+8), in the clock itself and in what the domains compute with it."""

from __future__ import annotations

import csv
import io
import uuid
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from server.push.overdue import check_overdue
from server.sites.service import SiteClock, site_clock, user_zone, zone_named
from server.sites.tables import DEFAULT_TIMEZONE, Site, Unit
from tests.conftest import ApiClient, make_user
from tests.server.patrols.test_patrols_and_review import ITEMS, a_unit, admin_site, patrol_args
from tests.server.sync_device import Device, scan

LONDON = SiteClock(ZoneInfo("Europe/London"))
SHANGHAI = ZoneInfo(DEFAULT_TIMEZONE)
# Zones far from Shanghai: at any moment one of them is on another calendar day.
FAR_ZONES = ("America/New_York", "Pacific/Pago_Pago", "Pacific/Kiritimati")


def ms(iso: str) -> int:
    return int(datetime.fromisoformat(iso).timestamp() * 1000)


def test_today_and_month_are_the_sites_not_utc_nor_shanghai() -> None:
    # 23:30 UTC on 31 March: London (summer time) is in April already, Shanghai too.
    at = ms("2026-03-31T23:30:00+00:00")
    assert LONDON.today(at) == date(2026, 4, 1)
    assert LONDON.month(at) == "2026-04"
    # 20:00 UTC on 10 March: still the 10th in London (winter time), the 11th in Shanghai.
    at = ms("2026-03-10T20:00:00+00:00")
    assert LONDON.today(at) == date(2026, 3, 10)
    assert SiteClock(SHANGHAI).today(at) == date(2026, 3, 11)
    assert SiteClock(ZoneInfo("America/New_York")).month(ms("2026-04-01T03:00:00Z")) == "2026-03"


def test_day_bounds_and_printed_times_follow_summer_time() -> None:
    start, end = LONDON.days(date(2026, 3, 29), date(2026, 3, 29))  # clocks go forward that day
    assert start == datetime(2026, 3, 29, 0, 0, tzinfo=UTC)
    assert end == datetime(2026, 3, 29, 23, 0, tzinfo=UTC)  # a 23-hour day
    assert LONDON.printed("2026-07-01T08:05:00+00:00") == "2026-07-01 09:05"
    assert LONDON.printed("2026-01-01T08:05:00+00:00") == "2026-01-01 08:05"
    assert LONDON.date_of("2026-07-01T23:30:00+00:00") == date(2026, 7, 2)


def test_an_unknown_or_empty_zone_name_is_the_default_zone() -> None:
    assert zone_named("Mars/Olympus_Mons") == SHANGHAI
    assert zone_named("") == SHANGHAI
    assert zone_named("Europe/London") == ZoneInfo("Europe/London")


def far_zone() -> str:
    """A zone whose calendar day differs from Shanghai's now and for the next 10 minutes."""
    now = datetime.now(UTC)
    for name in FAR_ZONES:
        zone = ZoneInfo(name)
        if all(
            (now + lag).astimezone(zone).date() != (now + lag).astimezone(SHANGHAI).date()
            for lag in (timedelta(0), timedelta(minutes=10))
        ):
            return name
    raise AssertionError("no far zone found")  # impossible: see FAR_ZONES


@pytest.fixture
async def abroad(client: ApiClient, another_client: ApiClient) -> dict[str, Any]:
    """A site on another calendar day than Shanghai, with a supervisor and a patrol."""
    site = await admin_site(client, "abroad")
    zone = far_zone()
    await make_user("boss", ["supervisor"], [site])
    await make_user("zhang", ["patrol"], [site])
    await Site.update({Site.timezone: zone}).where(Site.id == site)
    await client.sign_in("boss")
    await another_client.sign_in("zhang")
    return {
        "site": site,
        "clock": SiteClock(ZoneInfo(zone)),
        "boss": Device(client),
        "zhang": Device(another_client),
        "client": client,
    }


async def test_the_sites_clock_is_read_from_its_settings(abroad: dict[str, Any]) -> None:
    assert (await site_clock(abroad["site"])).zone == abroad["clock"].zone
    boss_id = (await abroad["client"].get("/api/auth/me")).json()["user"]["id"]
    assert await user_zone(boss_id) == abroad["clock"].zone  # all of the boss's sites


async def test_a_site_with_an_unknown_zone_name_is_refused(client: ApiClient) -> None:
    await make_user("root", ["admin"])
    await client.sign_in("root")
    r = await client.post("/api/sites", json={"name": "x", "code": "x", "timezone": "Mars/Base"})
    assert r.status_code == 400
    assert r.json()["error"]["field"] == "timezone"


async def test_due_list_counts_days_on_the_sites_calendar(abroad: dict[str, Any]) -> None:
    site, today = abroad["site"], abroad["clock"].today()
    unit = await a_unit(site)
    # Vacant one interval (7 days) ago: its first visit is due today on the site's calendar.
    await Unit.update({Unit.vacant_since: today - timedelta(days=7)}).where(Unit.id == unit)
    due = (await abroad["client"].get(f"/api/sites/{site}/patrols/due")).json()
    assert [(d["unit_id"], d["due"], d["days_overdue"]) for d in due] == [
        (unit, today.isoformat(), 0)
    ]


async def test_a_patrols_findings_are_due_days_after_the_sites_today(
    abroad: dict[str, Any],
) -> None:
    site, zhang = abroad["site"], abroad["zhang"]
    await Site.update({Site.finding_due_days: 2}).where(Site.id == site)
    args = patrol_args(
        site, await a_unit(site), items=ITEMS, water_reading=1.0, electricity_reading=2.0
    )
    assert (await zhang.push_one("patrols.save", args))["status"] == "applied"
    assert (await zhang.push_one("patrols.submit", {"id": args["id"]}))["status"] == "applied"
    findings = [c for c in await zhang.pull_all() if c["collection"] == "findings"]
    expected = (abroad["clock"].today() + timedelta(days=2)).isoformat()
    assert [f["fields"]["due_date"] for f in findings] == [expected]


async def test_an_owners_authorisation_runs_to_the_end_of_the_sites_day(
    abroad: dict[str, Any], settings: Any
) -> None:
    site, boss, zhang = abroad["site"], abroad["boss"], abroad["zhang"]
    today = abroad["clock"].today()
    ids = []
    for until in (today, today - timedelta(days=1)):
        key = {"id": str(uuid.uuid4()), "site_id": site, "code": f"E-{until.day}"}
        key.update(kind="entrusted", authorization_until=until.isoformat())
        assert (await boss.push_one("keys.upsert", key))["status"] == "applied"
        ids.append(key["id"])
    results = [
        await zhang.push_one(
            "keys.checkout",
            {
                "id": str(uuid.uuid4()),
                "key_id": key_id,
                "purpose": "viewing",
                "tag": scan(settings, key_id),
            },
        )
        for key_id in ids
    ]
    assert results[0]["status"] == "applied", results[0]
    assert results[1]["error"]["code"] == "authorization_expired"


async def test_key_movements_are_the_sites_days_printed_in_its_zone(
    abroad: dict[str, Any], settings: Any
) -> None:
    site, boss, clock = abroad["site"], abroad["boss"], abroad["clock"]
    key = {"id": str(uuid.uuid4()), "site_id": site, "code": "K-1", "kind": "vacant"}
    assert (await boss.push_one("keys.upsert", key))["status"] == "applied"
    out = {"id": str(uuid.uuid4()), "key_id": key["id"], "purpose": "repair"}
    out["tag"] = scan(settings, key["id"])
    assert (await boss.push_one("keys.checkout", out))["status"] == "applied"
    today = clock.today().isoformat()
    client = abroad["client"]
    url = f"/api/sites/{site}/key-events"
    events = (await client.get(url, params={"from": today, "to": today})).json()
    assert [e["kind"] for e in events] == ["checkout"]
    shanghai_today = datetime.now(SHANGHAI).date().isoformat()
    other_day = await client.get(url, params={"from": shanghai_today, "to": shanghai_today})
    assert other_day.json() == []
    r = await client.get(url, params={"from": today, "to": today, "format": "csv"})
    rows = list(csv.reader(io.StringIO(r.content.decode("utf-8-sig"))))
    assert rows[1][0] == clock.printed(events[0]["at"], "%Y-%m-%d %H:%M:%S")
    assert rows[1][0].startswith(today)


async def test_a_finding_is_overdue_after_the_sites_due_date_not_shanghais(
    abroad: dict[str, Any],
) -> None:
    site, boss = abroad["site"], abroad["boss"]
    await Site.update({Site.timezone: "Europe/London"}).where(Site.id == site)
    finding = {"id": str(uuid.uuid4()), "site_id": site, "category": "cleaning"}
    finding.update(description="楼道未清扫", due_date="2026-03-10", status="open")
    assert (await boss.push_one("findings.upsert", finding))["status"] == "applied"
    # 20:00 UTC on the 10th: the 11th in Shanghai, still the due day in London.
    assert await check_overdue(ms("2026-03-10T20:00:00+00:00")) == 0
    # 00:30 UTC on the 11th: past the due day in London as well.
    assert await check_overdue(ms("2026-03-11T00:30:00+00:00")) == 1
