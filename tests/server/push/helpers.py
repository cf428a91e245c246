"""Helpers of the push tests: settings that allow the stand-in, waiting, subscribing, and a site
with people whose actions trigger notifications (a patrol submitted for review, a rejection, a
key checked out, a finding given a due date)."""

from __future__ import annotations

import asyncio
import inspect
import time
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

from server.auth.service import now
from server.auth.tables import AppUser
from server.db import write_transaction as transaction
from server.patrols.checklist import default_template_id
from server.push.notice import Notice
from server.push.queue import enqueue
from server.sites.tables import Building, Unit
from tests.conftest import ApiClient, make_user
from tests.server.push.push_service import PushServiceStandIn, Subscriber
from tests.server.sync_device import Device

T = TypeVar("T")


def push_env(database_url: str, data_dir: Path, stand_in: PushServiceStandIn) -> dict[str, str]:
    return {
        "FIELDKEEP_DATA_DIR": str(data_dir),
        "FIELDKEEP_DATABASE_URL": database_url,
        "FIELDKEEP_PWA_DIR": str(data_dir / "pwa"),
        "FIELDKEEP_DATABASE_POOL": "0",
        "FIELDKEEP_PUSH_ALLOW_HOSTS": f"127.0.0.1:{stand_in.port}",
        "FIELDKEEP_PUSH_ALLOW_HTTP": "1",
        "FIELDKEEP_PUSH_POLL_SECONDS": "0.1",
        "FIELDKEEP_PUSH_CHECK_SECONDS": "0.3",
        "FIELDKEEP_PUSH_RETRY_SECONDS": "0.3",
        "FIELDKEEP_PUSH_TIMEOUT_SECONDS": "3",
    }


async def eventually(
    probe: Callable[[], Awaitable[T] | T | Any], within: float = 15.0, what: str = "condition"
) -> T:
    """Polls `probe` until it returns something truthy."""
    deadline = time.monotonic() + within
    while True:
        value = probe()
        if inspect.isawaitable(value):
            value = await value
        if value:
            return value  # type: ignore[return-value]
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        await asyncio.sleep(0.05)


async def subscribe(
    client: ApiClient,
    stand_in: PushServiceStandIn,
    name: str,
    subscriber: Subscriber | None = None,
    **extra: Any,
) -> Subscriber:
    """The signed-in user subscribes a device whose endpoint is the stand-in's /push/<name>."""
    subscriber = subscriber or Subscriber()
    r = await client.post(
        "/api/push/subscriptions",
        json={
            "endpoint": stand_in.endpoint(name),
            "keys": subscriber.keys(),
            "device": f"phone of {name}",
            **extra,
        },
    )
    assert r.status_code == 201, r.text
    return subscriber


async def set_language(username: str, language: str) -> None:
    await AppUser.update({AppUser.language: language}).where(AppUser.username == username)


def notice(user_id: int, n: int = 1, body: str = "正文") -> Notice:
    return Notice(
        "review_requested",
        user_id,
        f"/patrols/p{n}",
        f"review:patrols:p{n}",
        lambda lang: (f"标题 {n}", body),
    )


async def queue(user_id: int, count: int = 1) -> None:
    async with transaction():
        await enqueue([notice(user_id, n) for n in range(count)])


ITEMS = {
    "door": {"result": "pass", "note": "", "photos": []},
    # The default checklist asks a photo of a failed water item.
    "water": {
        "result": "fail",
        "note": "厨房水管滴漏",
        "photos": ["c" * 64],
        "label": "水阀已关、无漏水",
    },
    "gas": {"result": "na", "note": "", "photos": []},
}


async def admin_site(client: ApiClient, code: str) -> int:
    """A site made through the API (so it gets its default checklist)."""
    await make_user(f"admin_{code}", ["admin"])
    await client.sign_in(f"admin_{code}")
    site = await client.post("/api/sites", json={"name": code, "code": code})
    assert site.status_code == 201, site.text
    await client.post("/api/auth/logout")
    return int(site.json()["id"])


async def a_unit(site_id: int, number: str = "101") -> int:
    b = await Building.insert(Building(site=site_id, name="1栋", created_at=now())).returning(
        Building.id
    )
    u = await Unit.insert(
        Unit(building=b[0]["id"], number=number, vacant=True, created_at=now())
    ).returning(Unit.id)
    return int(u[0]["id"])


@dataclass
class World:
    site: int
    unit: int
    ids: dict[str, int]
    subscribers: dict[str, Subscriber] = field(default_factory=dict)


# username: (roles, language)
PEOPLE = {
    "boss": (["supervisor"], "zh-CN"),
    "gao": (["supervisor"], "en"),
    "zhang": (["patrol"], "zh-CN"),
    "wang": (["environment"], "en"),
}


async def make_world(
    client: ApiClient, stand_in: PushServiceStandIn, subscribed: tuple[str, ...] = tuple(PEOPLE)
) -> World:
    site = await admin_site(client, "north")
    unit = await a_unit(site)
    ids = {}
    for name, (roles, language) in PEOPLE.items():
        ids[name] = await make_user(name, roles, [site])
        await set_language(name, language)
    world = World(site, unit, ids)
    for name in subscribed:
        await client.sign_in(name)
        world.subscribers[name] = await subscribe(client, stand_in, name)
        await client.post("/api/auth/logout")
    return world


async def submit_patrol(device: Device, world: World) -> str:
    patrol_id = str(uuid.uuid4())
    args = {
        "id": patrol_id,
        "site_id": world.site,
        "unit_id": world.unit,
        "template_id": default_template_id(world.site),
        "started_at": "2026-11-25T09:00:00+08:00",
        "items": ITEMS,
        "water_reading": 12.5,  # the default checklist requires both readings
        "electricity_reading": 3400.0,
    }
    assert (await device.push_one("patrols.save", args))["status"] == "applied"
    assert (await device.push_one("patrols.submit", {"id": patrol_id}))["status"] == "applied"
    return patrol_id


async def record(device: Device, collection: str, record_id: str) -> dict[str, Any]:
    device.cursor = None
    changes = await device.pull_all()
    found: dict[str, Any] = [
        c for c in changes if (c["collection"], c["id"]) == (collection, record_id)
    ][-1]
    return found


async def reject(device: Device, patrol_id: str, comment: str) -> None:
    seen = await record(device, "patrols", patrol_id)
    result = await device.push_one(
        "review.reject",
        {
            "id": str(uuid.uuid4()),
            "collection": "patrols",
            "record_id": patrol_id,
            "revision": seen["revision"],
            "comment": comment,
        },
    )
    assert result["status"] == "applied", result
