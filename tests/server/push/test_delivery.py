"""Delivery: answers of the push service (410, 429 with Retry-After, 5xx, a redirect), a restart
with messages queued, and several senders (tasks, servers, `fieldkeep push run` processes) that
never send a message twice."""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path
from typing import Any

from server import db
from server.app import create_app
from server.db import write_transaction as transaction
from server.push.delivery import MAX_BODY, encrypt
from server.push.queue import MAX_PLAINTEXT, enqueue, payload_of
from server.push.sender import Sender
from server.push.tables import PushAttempt, PushMessage, PushSubscription
from server.settings import Settings
from tests.conftest import ApiClient, make_user
from tests.server.push.helpers import eventually, notice, push_env, queue, subscribe
from tests.server.push.push_service import PushServiceStandIn, Subscriber


async def signed_up(
    client: ApiClient, stand_in: PushServiceStandIn, name: str
) -> tuple[int, Subscriber]:
    user_id = await make_user(name, ["supervisor"])
    await client.sign_in(name)
    return user_id, await subscribe(client, stand_in, name)


async def count_is(query: Any, expected: int) -> bool:
    return bool(await query == expected)


async def attempts(message_id: int | None = None) -> list[dict[str, Any]]:
    query = PushAttempt.select().order_by(PushAttempt.id)
    if message_id is not None:
        query = query.where(PushAttempt.message_id == message_id)
    return list(await query)


async def test_410_removes_the_subscription_and_its_queued_messages(
    client: ApiClient, push_service: PushServiceStandIn
) -> None:
    user_id, _ = await signed_up(client, push_service, "boss")
    push_service.answer("boss", 410)
    await queue(user_id)
    await eventually(lambda: count_is(PushSubscription.count(), 0), what="subscription gone")
    (attempt,) = await attempts()
    assert (attempt["status"], attempt["outcome"]) == (410, "gone")
    (message,) = await PushMessage.select()
    assert message["state"] == "gone"
    async with transaction():
        assert await enqueue([notice(user_id, 2)]) == 0  # nowhere left to send
    assert len(push_service.to("boss")) == 1


async def test_429_waits_for_retry_after_then_delivers(
    client: ApiClient, push_service: PushServiceStandIn
) -> None:
    user_id, subscriber = await signed_up(client, push_service, "boss")
    push_service.answer("boss", 429, {"Retry-After": "2"})
    await queue(user_id)
    await eventually(lambda: len(push_service.to("boss")) == 2, what="the retry")
    first, second = push_service.to("boss")
    # The backoff alone would have tried again after 0.3 s.
    assert second.at - first.at >= 2.0
    assert subscriber.payload(second.body)["title"] == "标题 0"
    await eventually(
        lambda: PushMessage.exists().where(PushMessage.state == "sent"),
        what="sent",
    )
    assert [(a["status"], a["outcome"]) for a in await attempts()] == [
        (429, "retry"),
        (201, "sent"),
    ]


async def test_5xx_is_retried_with_growing_backoff(
    client: ApiClient, push_service: PushServiceStandIn
) -> None:
    user_id, _ = await signed_up(client, push_service, "boss")
    push_service.answer("boss", 503)
    push_service.answer("boss", 500)
    await queue(user_id)
    await eventually(lambda: len(push_service.to("boss")) == 3, what="two retries")
    first, second, third = push_service.to("boss")
    assert second.at - first.at >= 0.3
    assert third.at - second.at >= 0.6
    await eventually(
        lambda: PushMessage.exists().where(PushMessage.state == "sent"),
        what="sent",
    )
    (message,) = await PushMessage.select()
    assert message["attempts"] == 3


async def test_a_redirect_is_not_followed_and_counts_as_a_failure(
    client: ApiClient, push_service: PushServiceStandIn
) -> None:
    user_id, _ = await signed_up(client, push_service, "boss")
    push_service.answer("boss", 301, {"Location": "http://169.254.169.254/latest/meta-data/"})
    await queue(user_id)
    await eventually(
        lambda: PushMessage.exists().where(PushMessage.state == "failed"),
        what="failed",
    )
    (attempt,) = await attempts()
    assert (attempt["status"], attempt["outcome"]) == (301, "failed")
    assert "redirect" in attempt["detail"]
    await asyncio.sleep(0.5)
    assert len(push_service.received) == 1
    assert await PushSubscription.count() == 1  # a failure, not an ended subscription


async def test_a_restart_with_messages_queued_delivers_each_once(
    settings: Settings, push_service: PushServiceStandIn
) -> None:
    push_service.answer_all(503)  # the push service is down while the first server runs
    async with ApiClient(app=create_app(settings)) as first:
        user_id, subscriber = await signed_up(first, push_service, "boss")
        await queue(user_id, 5)
        await eventually(lambda: len(push_service.received) >= 5, what="first tries")
    assert await PushMessage.count().where(PushMessage.state == "pending") == 5
    push_service.answer_all(None)
    # Two servers start at once (a restart of a deployment with two processes).
    async with ApiClient(app=create_app(settings)), ApiClient(app=create_app(settings)):
        await eventually(lambda: _all_sent(5), what="all five sent", within=20)
    delivered = [
        subscriber.payload(r.body)["tag"] for r in push_service.received if r.status == 201
    ]
    assert sorted(delivered) == [f"review:patrols:p{n}" for n in range(5)]


async def _all_sent(count: int) -> bool:
    return await PushMessage.count().where(PushMessage.state == "sent") == count


async def _subscription_row(user_id: int, stand_in: PushServiceStandIn, name: str) -> Subscriber:
    subscriber = Subscriber()
    keys = subscriber.keys()
    await PushSubscription.insert(
        PushSubscription(
            user=user_id,
            endpoint=stand_in.endpoint(name),
            p256dh=keys["p256dh"],
            auth=keys["auth"],
            created_at_ms=0,
        )
    )
    return subscriber


async def test_concurrent_senders_send_every_message_exactly_once(
    settings: Settings, push_service: PushServiceStandIn
) -> None:
    db.configure(db.engine_from_url(settings.database.url))
    users = [await make_user(f"u{i}", ["supervisor"]) for i in range(4)]
    for i, user_id in enumerate(users):
        await _subscription_row(user_id, push_service, f"u{i}")
        await queue(user_id, 15)
    senders = [Sender(settings) for _ in range(4)]
    await asyncio.gather(*(s.deliver_due() for s in senders))
    for s in senders:
        await s.close()
    assert len(push_service.received) == 60
    assert await PushMessage.count().where(PushMessage.state == "sent") == 60
    assert await PushAttempt.count() == 60


async def test_two_push_worker_processes_share_the_queue(
    settings: Settings, push_service: PushServiceStandIn, tmp_path: Path
) -> None:
    db.configure(db.engine_from_url(settings.database.url))
    subscribers = {}
    for i in range(3):
        user_id = await make_user(f"w{i}", ["supervisor"])
        subscribers[f"w{i}"] = await _subscription_row(user_id, push_service, f"w{i}")
        await queue(user_id, 10)
    env = {
        **push_env(settings.database.url, settings.data_dir, push_service),
        "PATH": "/usr/bin:/bin",
    }
    workers = [
        await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "server.cli",
            "push",
            "run",
            "--once",
            env=env,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
        )
        for _ in range(2)
    ]
    outputs = await asyncio.wait_for(asyncio.gather(*(w.communicate() for w in workers)), 60)
    assert all(w.returncode == 0 for w in workers), outputs
    tags = sorted(
        (r.path, subscribers[r.path.rsplit("/", 1)[1]].payload(r.body)["tag"])
        for r in push_service.received
    )
    assert len(tags) == 30
    assert len(set(tags)) == 30
    assert await PushMessage.count().where(PushMessage.state == "sent") == 30


def test_payloads_are_cut_to_fit_the_4_kb_limit(tmp_path: Path) -> None:
    settings = Settings.from_env({"FIELDKEEP_DATA_DIR": str(tmp_path)})
    huge = notice(1, body="漏水" * 3000)
    payload = payload_of(huge, "zh-CN", 0).encode()
    assert len(payload) <= MAX_PLAINTEXT
    body = encrypt(
        settings.push,
        "https://fcm.googleapis.com/fcm/send/x",
        **Subscriber().keys(),
        payload=b"x" * MAX_PLAINTEXT,
        ttl=60,
    )
    assert len(body) == MAX_BODY
