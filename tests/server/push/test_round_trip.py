"""The whole way: real subscriptions (P-256 key pairs made here), real events through the sync
endpoint, the server's sender, a push-service stand-in on 127.0.0.1, and decryption of what
arrived with each subscription's private key. The VAPID token is checked on every request."""

from __future__ import annotations

import re
import uuid
from datetime import timedelta
from typing import Any

from server.push.overdue import check_overdue
from server.push.queue import now_ms
from tests.conftest import ApiClient, site_today
from tests.server.push.helpers import (
    eventually,
    make_world,
    record,
    reject,
    submit_patrol,
)
from tests.server.push.push_service import PushServiceStandIn, verify_vapid
from tests.server.sync_device import Device, scan

TOPIC = re.compile(r"^[A-Za-z0-9_-]{1,32}$")


async def test_each_trigger_reaches_the_right_people_encrypted_signed_and_translated(
    client: ApiClient, another_client: ApiClient, push_service: PushServiceStandIn, settings: Any
) -> None:
    world = await make_world(client, push_service)
    server_key = (await client.get("/api/push/vapid-public-key")).json()["public_key"]

    def payloads(name: str) -> list[dict[str, Any]]:
        return [world.subscribers[name].payload(r.body) for r in push_service.to(name)]

    # 1. A patrol is submitted for review: both supervisors, each in their language.
    await another_client.sign_in("zhang")
    zhang = Device(another_client)
    patrol_id = await submit_patrol(zhang, world)
    await eventually(lambda: push_service.to("boss") and push_service.to("gao"), what="review")
    (boss_review,) = payloads("boss")
    assert boss_review["title"] == "待审核：空置房巡查"
    assert boss_review["body"] == "Zhang提交了 north 1栋101 的巡查报告（发现 1 个问题），请审核。"
    assert boss_review["url"] == f"/review/{patrol_id}"
    assert boss_review["tag"] == f"review:patrols:{patrol_id}"
    assert boss_review["icon"] == "/icons/icon-192.png"
    assert boss_review["kind"] == "review_requested"
    (gao_review,) = payloads("gao")
    assert gao_review["title"] == "To review: vacant-unit patrol"
    assert gao_review["body"] == (
        "Zhang submitted the patrol of north 1栋101 (problems found: 1). Please review it."
    )
    request = push_service.to("boss")[0]
    assert request.headers["ttl"] == "86400"
    assert request.headers["urgency"] == "high"
    assert request.headers["content-encoding"] == "aes128gcm"
    assert TOPIC.match(request.headers["topic"])
    assert len(request.body) <= 4096

    # 2. The supervisor rejects it: the author is told, with the comment.
    await client.sign_in("boss")
    boss = Device(client)
    await reject(boss, patrol_id, "水表读数看不清，请补拍")
    await eventually(lambda: push_service.to("zhang"), what="rejection")
    (rejected,) = payloads("zhang")
    assert rejected["title"] == "巡查报告被退回"
    assert rejected["body"] == "Boss退回了 north 1栋101 的巡查报告：水表读数看不清，请补拍"
    assert rejected["url"] == f"/patrols/{patrol_id}"
    assert push_service.to("zhang")[0].headers["urgency"] == "normal"

    # 3. A key is out longer than the site allows (8 hours): holder and supervisors, once.
    key_id = str(uuid.uuid4())
    key = {"id": key_id, "site_id": world.site, "code": "K-0012", "kind": "vacant"}
    key["label"] = "3栋2单元1202"
    assert (await boss.push_one("keys.upsert", key))["status"] == "applied"
    checkout = {"id": str(uuid.uuid4()), "key_id": key_id, "purpose": "patrol"}
    checkout["tag"] = scan(settings, key_id)
    assert (await zhang.push_one("keys.checkout", checkout))["status"] == "applied"
    assert await check_overdue(now_ms()) == 0  # not overdue yet
    nine_hours_later = now_ms() + 9 * 3600 * 1000
    assert await check_overdue(nine_hours_later) == 1
    assert await check_overdue(nine_hours_later + 60_000) == 0  # the same spell: once
    await eventually(lambda: len(push_service.to("zhang")) == 2, what="key to the holder")
    await eventually(lambda: len(push_service.to("gao")) == 2, what="key to a supervisor")
    holder = payloads("zhang")[1]
    assert holder["title"] == "请归还钥匙 K-0012"
    assert holder["body"].startswith(
        "您借出的钥匙 K-0012（3栋2单元1202）已超过 8 小时，请尽快归还。借出于 "
    )
    assert holder["url"] == f"/keys/{key_id}"
    supervisor = payloads("gao")[1]
    assert supervisor["title"] == "Key overdue: K-0012"
    assert supervisor["body"].startswith(
        "Key K-0012 (3栋2单元1202), out with Zhang, has not come back within 8 hours. Out since "
    )
    await eventually(lambda: len(push_service.to("boss")) == 2, what="key to the other")
    assert payloads("boss")[1]["title"] == "钥匙超时未还：K-0012"

    # 4. The finding the patrol raised goes past its due date (found by the periodic check).
    patrol = await record(boss, "patrols", patrol_id)
    (finding_id,) = patrol["fields"]["finding_ids"]
    # Assigned before it falls due: the periodic check runs in the background and tells
    # whoever the finding is with at the moment it finds it overdue, once.
    assign = {"id": finding_id, "assignee_id": world.ids["zhang"]}
    assert (await boss.push_one("findings.assign", assign))["status"] == "applied"
    yesterday = (site_today() - timedelta(days=1)).isoformat()
    change = {"id": finding_id, "due_date": yesterday}
    assert (await boss.push_one("findings.upsert", change))["status"] == "applied"
    await eventually(lambda: push_service.to("wang"), what="finding to environment")
    await eventually(lambda: len(push_service.to("zhang")) == 3, what="finding to assignee")
    (late,) = payloads("wang")
    assert late["title"] == "Finding overdue: north 1栋101"
    assert late["body"] == (
        f"水阀已关、无漏水：厨房水管滴漏 (was due {yesterday}; status: assigned)"
    )
    assert late["url"] == f"/findings/{finding_id}"
    assert payloads("zhang")[2]["title"] == "整改超期：north 1栋101"
    assert (
        payloads("zhang")[2]["body"]
        == f"水阀已关、无漏水：厨房水管滴漏（截止 {yesterday}，状态：已指派）"
    )

    # Nothing else was sent; every request carried a valid VAPID token for its origin.
    counts = {name: len(push_service.to(name)) for name in world.subscribers}
    assert counts == {"boss": 2, "gao": 2, "zhang": 3, "wang": 1}
    for received in push_service.received:
        claims = verify_vapid(received.headers["authorization"], server_key, push_service.origin)
        assert claims["aud"] == push_service.origin
        assert received.status == 201
