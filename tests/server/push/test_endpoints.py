"""Endpoint safety (the server makes requests to URLs browsers give it): refusals when a device
subscribes, and again at send time on the addresses the name resolves to then."""

from __future__ import annotations

from typing import Any

import pytest

from server.push import endpoints
from server.push.config import PushSettings
from server.push.endpoints import EndpointRefused, check_url
from server.push.tables import PushAttempt, PushMessage, PushSubscription
from tests.conftest import ApiClient, make_user
from tests.server.push.helpers import eventually, queue
from tests.server.push.push_service import PushServiceStandIn, Subscriber

FCM = "https://fcm.googleapis.com/fcm/send/dGVzdA:APA91b"


async def post(client: ApiClient, endpoint: str, keys: dict[str, str] | None = None) -> Any:
    return await client.post(
        "/api/push/subscriptions",
        json={"endpoint": endpoint, "keys": keys or Subscriber().keys()},
    )


@pytest.fixture
async def signed_in(client: ApiClient) -> ApiClient:
    await make_user("boss", ["supervisor"])
    await client.sign_in("boss")
    return client


REFUSED = [
    ("http://fcm.googleapis.com/fcm/send/x", "push_endpoint_not_https"),
    ("https://127.0.0.1/push/x", "push_endpoint_private_address"),
    ("https://127.0.0.1:9/push/x", "push_endpoint_private_address"),
    ("https://10.0.0.1/push/x", "push_endpoint_private_address"),
    ("https://169.254.169.254/latest/meta-data/", "push_endpoint_private_address"),
    ("https://[::1]/push/x", "push_endpoint_private_address"),
    ("https://[::ffff:10.0.0.1]/push/x", "push_endpoint_private_address"),
    ("https://100.64.0.1/push/x", "push_endpoint_private_address"),
    ("https://push.evil.example/x", "push_endpoint_refused"),
    ("https://8.8.8.8/x", "push_endpoint_refused"),
    ("https://fcm.googleapis.com:8443/fcm/send/x", "push_endpoint_refused"),
    ("https://fcm.googleapis.com.evil.example/x", "push_endpoint_refused"),
    ("https://notify.windows.com/x", "push_endpoint_refused"),
    ("https://user:pw@fcm.googleapis.com/fcm/send/x", "push_endpoint_invalid"),
    ("ftp://fcm.googleapis.com/x", "push_endpoint_invalid"),
    ("not a url", "push_endpoint_invalid"),
]


async def test_unsafe_endpoints_are_refused_with_a_code(signed_in: ApiClient) -> None:
    for endpoint, code in REFUSED:
        r = await post(signed_in, endpoint)
        assert r.status_code == 422, (endpoint, r.text)
        assert (r.json()["error"]["code"], r.json()["error"]["field"]) == (code, "endpoint")
    assert await PushSubscription.count() == 0
    english = await signed_in.post(
        "/api/push/subscriptions",
        json={"endpoint": "https://10.0.0.1/x", "keys": Subscriber().keys()},
        headers={"Accept-Language": "en"},
    )
    assert english.json()["error"]["message"] == (
        "The push endpoint points to a private or local address and was refused."
    )


async def test_the_browsers_push_services_and_the_allowed_test_host_are_accepted(
    signed_in: ApiClient, push_service: PushServiceStandIn
) -> None:
    for endpoint in (
        FCM,
        "https://updates.push.services.mozilla.com/wpush/v2/gAAAAAB",
        "https://wns2-par02p.notify.windows.com/w/?token=BQYAAAB",
        "https://web.push.apple.com/QGuQyavXutnMH",
        "https://api.push.apple.com/3/device/abc",
        push_service.endpoint("boss"),  # plain http, 127.0.0.1: allowed by setting
    ):
        r = await post(signed_in, endpoint)
        assert r.status_code == 201, (endpoint, r.text)
    assert await PushSubscription.count() == 6


def test_http_and_private_addresses_need_the_host_to_be_listed() -> None:
    listed = PushSettings(allow_hosts=frozenset({"127.0.0.1:8080"}), allow_http=True)
    assert check_url("http://127.0.0.1:8080/p", listed).allowed
    for other in ("http://127.0.0.1:8081/p", "http://10.0.0.1:8080/p"):
        with pytest.raises(EndpointRefused):
            check_url(other, listed)
    https_only = PushSettings(allow_hosts=frozenset({"127.0.0.1:8080"}))
    with pytest.raises(EndpointRefused) as refused:
        check_url("http://127.0.0.1:8080/p", https_only)
    assert refused.value.code == "push_endpoint_not_https"
    assert check_url("https://127.0.0.1:8080/p", https_only).allowed
    unlisted = PushSettings(allow_http=True)
    with pytest.raises(EndpointRefused) as refused:
        check_url("http://fcm.googleapis.com/x", unlisted)
    assert refused.value.code == "push_endpoint_not_https"


async def test_a_name_resolving_to_a_private_address_is_refused_at_subscription(
    signed_in: ApiClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    async def metadata(host: str, port: int) -> list[str]:
        return ["142.250.72.10", "169.254.169.254"]

    monkeypatch.setattr(endpoints, "lookup", metadata)
    r = await post(signed_in, FCM)
    assert r.json()["error"]["code"] == "push_endpoint_private_address"


async def test_the_address_is_checked_again_at_send_time(
    signed_in: ApiClient, monkeypatch: pytest.MonkeyPatch, push_service: PushServiceStandIn
) -> None:
    answers = ["142.250.72.10"]

    async def dns(host: str, port: int) -> list[str]:
        return list(answers)

    monkeypatch.setattr(endpoints, "lookup", dns)
    assert (await post(signed_in, FCM)).status_code == 201
    answers[:] = ["10.20.30.40"]  # the name now points inside the network
    user = await PushSubscription.select(PushSubscription.user).first()
    assert user is not None
    await queue(int(user["user"]))
    await eventually(
        lambda: PushMessage.exists().where(PushMessage.state == "failed"), what="refused"
    )
    (attempt,) = await PushAttempt.select()
    assert attempt["status"] is None
    assert attempt["outcome"] == "failed"
    assert "push_endpoint_private_address" in attempt["detail"]
    assert push_service.received == []


async def test_bad_subscription_keys_are_refused(signed_in: ApiClient) -> None:
    good = Subscriber().keys()
    p = good["p256dh"]
    off_curve = p[:60] + ("A" if p[60] != "A" else "B") + p[61:]
    for keys, field in (
        ({**good, "p256dh": "AAAA"}, "keys.p256dh"),
        ({**good, "p256dh": off_curve}, "keys.p256dh"),
        ({**good, "auth": "c2hvcnQ"}, "keys.auth"),
    ):
        r = await post(signed_in, FCM, keys)
        assert r.status_code == 422
        assert (r.json()["error"]["code"], r.json()["error"]["field"]) == (
            "push_keys_invalid",
            field,
        )
