"""Subscriptions (several per user; the same endpoint again replaces), the VAPID key (made once
into the data folder, or from the environment), and each user's choice of kinds."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric import ec

from server.push.tables import PushMessage, PushSubscription
from server.push.vapid import application_server_key
from server.settings import Settings, SettingsError
from tests.conftest import ApiClient, make_user
from tests.server.push.helpers import (
    eventually,
    make_world,
    queue,
    submit_patrol,
    subscribe,
)
from tests.server.push.push_service import PushServiceStandIn, Subscriber, b64url, unb64url
from tests.server.sync_device import Device


async def test_the_vapid_public_key_is_an_uncompressed_p256_point(
    client: ApiClient, settings: Settings
) -> None:
    r = await client.get("/api/push/vapid-public-key")
    assert r.status_code == 200
    key = r.json()["public_key"]
    point = unb64url(key)
    assert len(point) == 65 and point[0] == 4
    ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), point)
    assert "=" not in key
    path = settings.data_dir / "secrets" / "vapid_private_key.pem"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    again = Settings.from_env({"FIELDKEEP_DATA_DIR": str(settings.data_dir)})
    assert application_server_key(again.push.vapid_private_key) == key
    assert "PRIVATE" not in repr(again)


def test_the_vapid_key_may_come_from_the_environment(tmp_path: Path) -> None:
    private = ec.generate_private_key(ec.SECP256R1())
    raw = b64url(private.private_numbers().private_value.to_bytes(32, "big"))
    s = Settings.from_env({"FIELDKEEP_DATA_DIR": str(tmp_path), "FIELDKEEP_VAPID_PRIVATE_KEY": raw})
    public = private.public_key().public_numbers()
    point = b"\x04" + public.x.to_bytes(32, "big") + public.y.to_bytes(32, "big")
    assert application_server_key(s.push.vapid_private_key) == b64url(point)
    assert not (tmp_path / "secrets" / "vapid_private_key.pem").exists()
    for bad in ("not a key", b64url(b"short")):
        with pytest.raises(SettingsError):
            Settings.from_env(
                {"FIELDKEEP_DATA_DIR": str(tmp_path), "FIELDKEEP_VAPID_PRIVATE_KEY": bad}
            )
    with pytest.raises(SettingsError):
        Settings.from_env(
            {"FIELDKEEP_DATA_DIR": str(tmp_path), "FIELDKEEP_PUSH_ALLOW_HOSTS": "a/b"}
        )


async def test_several_devices_and_a_resubscription_replaces(
    client: ApiClient, another_client: ApiClient, push_service: PushServiceStandIn
) -> None:
    boss = await make_user("boss", ["supervisor"])
    await make_user("gao", ["supervisor"])
    await client.sign_in("boss")
    await subscribe(client, push_service, "phone")
    tablet_browser = await subscribe(client, push_service, "tablet")
    renewed = await subscribe(client, push_service, "phone")  # new keys, same endpoint
    rows = await PushSubscription.select().order_by(PushSubscription.endpoint)
    assert [r["endpoint"].rsplit("/", 1)[1] for r in rows] == ["phone", "tablet"]
    assert rows[0]["p256dh"] == renewed.keys()["p256dh"]
    assert {r["user"] for r in rows} == {boss}

    # The tablet is handed to Gao: his subscription of the same browser replaces Boss's, and
    # what was queued for Boss never goes to Gao's browser.
    push_service.answer_all(503)
    await queue(boss, 1)
    await eventually(lambda: push_service.to("tablet"), what="a first try")
    await another_client.sign_in("gao")
    await subscribe(another_client, push_service, "tablet", tablet_browser)
    tablet = await PushSubscription.select().where(
        PushSubscription.endpoint == push_service.endpoint("tablet")
    )
    assert tablet[0]["user"] != boss
    states = await PushMessage.select(PushMessage.state, PushMessage.subscription_id)
    assert {s["state"] for s in states if s["subscription_id"] == tablet[0]["id"]} == {"gone"}
    push_service.answer_all(None)

    # Unsubscribing takes only the caller's own.
    r = await another_client.request(
        "DELETE", "/api/push/subscriptions", json={"endpoint": push_service.endpoint("phone")}
    )
    assert r.status_code == 204
    assert await PushSubscription.count() == 2
    r = await client.request(
        "DELETE", "/api/push/subscriptions", json={"endpoint": push_service.endpoint("phone")}
    )
    assert r.status_code == 204
    assert await PushSubscription.count() == 1


async def test_an_endpoint_of_another_user_is_not_taken_without_its_keys(
    client: ApiClient, another_client: ApiClient, push_service: PushServiceStandIn
) -> None:
    boss = await make_user("boss", ["supervisor"])
    await make_user("mallory", ["patrol"])
    await client.sign_in("boss")
    await subscribe(client, push_service, "phone")
    await another_client.sign_in("mallory")
    r = await another_client.post(
        "/api/push/subscriptions",
        json={"endpoint": push_service.endpoint("phone"), "keys": Subscriber().keys()},
    )
    assert r.status_code == 409
    assert r.json()["error"]["code"] == "push_endpoint_taken"
    rows = await PushSubscription.select(PushSubscription.user)
    assert [row["user"] for row in rows] == [boss]


async def test_signing_out_with_the_endpoint_ends_that_devices_subscription(
    client: ApiClient, another_client: ApiClient, push_service: PushServiceStandIn
) -> None:
    boss = await make_user("boss", ["supervisor"])
    gao = await make_user("gao", ["supervisor"])
    await client.sign_in("boss")
    await subscribe(client, push_service, "phone")
    await subscribe(client, push_service, "tablet")
    await another_client.sign_in("gao")
    await subscribe(another_client, push_service, "laptop")
    # Another user naming Boss's endpoint at sign-out removes nothing of Boss's.
    r = await another_client.post(
        "/api/auth/logout", json={"push_endpoint": push_service.endpoint("phone")}
    )
    assert r.status_code == 204
    r = await client.post(
        "/api/auth/logout", json={"push_endpoint": push_service.endpoint("phone")}
    )
    assert r.status_code == 204
    rows = await PushSubscription.select(PushSubscription.user, PushSubscription.endpoint)
    assert sorted((row["user"], row["endpoint"].rsplit("/", 1)[1]) for row in rows) == sorted(
        [(boss, "tablet"), (gao, "laptop")]
    )


async def test_subscribing_needs_a_signed_in_user(client: ApiClient) -> None:
    await client.prepare_csrf()
    r = await client.post(
        "/api/push/subscriptions",
        json={"endpoint": "https://fcm.googleapis.com/fcm/send/x", "keys": Subscriber().keys()},
    )
    assert r.status_code == 401
    assert (await client.get("/api/push/preferences")).status_code == 401


async def test_preferences_are_respected(
    client: ApiClient, another_client: ApiClient, push_service: PushServiceStandIn
) -> None:
    world = await make_world(client, push_service, subscribed=("boss", "gao"))
    await client.sign_in("gao")
    defaults = (await client.get("/api/push/preferences")).json()
    assert defaults == {
        "review_requested": True,
        "rejected": True,
        "key_overdue": True,
        "finding_overdue": True,
        "parking_variance": True,
        "permit_expiring": True,
    }
    r = await client.put("/api/push/preferences", json={"review_requested": False})
    assert r.status_code == 200
    assert r.json() == {**defaults, "review_requested": False}
    assert (await client.get("/api/push/preferences")).json()["review_requested"] is False
    bad = await client.put("/api/push/preferences", json={"everything": False})
    assert bad.status_code == 400

    await another_client.sign_in("zhang")
    await submit_patrol(Device(another_client), world)
    await eventually(lambda: push_service.to("boss"), what="the supervisor who wants it")
    await eventually(lambda: count_pending_is_zero(), what="nothing left queued")
    assert push_service.to("gao") == []

    # Switched on again, the next one arrives.
    await client.put("/api/push/preferences", json={"review_requested": True})
    await submit_patrol(Device(another_client), world)
    await eventually(lambda: push_service.to("gao"), what="switched on again")


async def count_pending_is_zero() -> bool:
    return await PushMessage.count().where(PushMessage.state == "pending") == 0
