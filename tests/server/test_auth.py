"""Signing in and out, sessions, CSRF and rate limits, against the real app and database."""

import asyncio
import threading
from dataclasses import replace
from typing import Any, Literal

import pytest
from argon2 import PasswordHasher
from litestar.types import ASGIApp, Receive, Scope, Send

from server.app import create_app
from server.auth import service
from server.client_address import parse_trusted_proxies
from server.settings import Settings, SettingsError
from server.sites.tables import Site
from tests.conftest import PASSWORD, ApiClient, concurrent_client, make_user
from tests.server.sync_device import make_site


def from_address(app: ASGIApp, address: str) -> ASGIApp:
    """The app as reached from `address` (the test client's peer is always "testclient")."""

    async def reached(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            scope = {**scope, "client": (address, 50000)}  # type: ignore[typeddict-item]
        await app(scope, receive, send)

    return reached


async def attempts_until_limited(client: ApiClient, username: str) -> Any:
    """Fails to sign in as username until refused; returns the refusal (or the last failure)."""
    r = None
    for _ in range(service.MAX_FAILURES_PER_USERNAME + 1):
        r = await client.sign_in(username, "wrong password")
        if r.status_code == 429:
            break
    return r


async def test_sign_in_returns_the_user_and_sets_an_httponly_session_cookie(
    client: ApiClient,
) -> None:
    await make_user("zhang", ["patrol", "supervisor"])
    r = await client.sign_in("zhang")
    assert r.status_code == 200, r.text
    user = r.json()["user"]
    assert user["username"] == "zhang"
    assert user["roles"] == ["patrol", "supervisor"]
    cookie = r.headers["set-cookie"]
    assert "fieldkeep_session=" in cookie
    assert "HttpOnly" in cookie
    assert "SameSite=lax" in cookie or "SameSite=Lax" in cookie
    me = await client.get("/api/auth/me")
    assert me.status_code == 200
    assert me.json()["user"]["id"] == user["id"]


async def test_wrong_password_and_unknown_user_get_the_same_answer(client: ApiClient) -> None:
    await make_user("zhang", ["patrol"])
    wrong = await client.sign_in("zhang", "not the password")
    unknown = await client.sign_in("nobody", "not the password")
    assert wrong.status_code == unknown.status_code == 401
    assert wrong.json() == unknown.json()
    assert wrong.json()["error"]["code"] == "invalid_credentials"
    assert "fieldkeep_session" not in wrong.headers.get("set-cookie", "")


async def test_messages_follow_accept_language(client: ApiClient) -> None:
    zh = await client.sign_in("nobody", "x")
    assert zh.json()["error"]["message"] == "用户名或密码错误。"
    client.headers["Accept-Language"] = "en-US,en;q=0.9"
    en = await client.sign_in("nobody", "x")
    assert en.json()["error"]["message"] == "Wrong username or password."


async def test_repeated_failures_for_a_username_are_rate_limited(client: ApiClient) -> None:
    await make_user("zhang", ["patrol"])
    limited = await attempts_until_limited(client, "zhang")
    assert limited.status_code == 429
    assert limited.json()["error"]["code"] == "rate_limited"
    assert int(limited.headers["retry-after"]) > 0
    # Even the right password waits until the window has passed.
    still = await client.sign_in("zhang")
    assert still.status_code == 429


async def test_failures_from_one_address_are_limited_across_usernames(client: ApiClient) -> None:
    for i in range(service.MAX_FAILURES_PER_ADDRESS):
        r = await client.sign_in(f"user{i}", "wrong")
        assert r.status_code == 401
    r = await client.sign_in("someone-else", "wrong")
    assert r.status_code == 429


async def test_unsafe_request_without_csrf_token_is_refused(client: ApiClient) -> None:
    await make_user("zhang", ["patrol"])
    r = await client.post("/api/auth/login", json={"username": "zhang", "password": PASSWORD})
    assert r.status_code == 403
    assert r.json()["error"]["code"] == "csrf_failed"


async def test_csrf_header_that_does_not_match_the_cookie_is_refused(client: ApiClient) -> None:
    await make_user("zhang", ["patrol"])
    await client.prepare_csrf()
    client.headers["X-CSRF-Token"] = "0" * 32 + "." + "f" * 64
    r = await client.post("/api/auth/login", json={"username": "zhang", "password": PASSWORD})
    assert r.status_code == 403
    assert r.json()["error"]["code"] == "csrf_failed"


async def test_forged_csrf_cookie_and_header_pair_is_refused(client: ApiClient) -> None:
    await make_user("zhang", ["patrol"])
    forged = "a" * 32 + "." + "b" * 64
    client.cookies.set("fieldkeep_csrf", forged)
    client.headers["X-CSRF-Token"] = forged
    r = await client.post("/api/auth/login", json={"username": "zhang", "password": PASSWORD})
    assert r.status_code == 403


async def test_a_csrf_token_is_bound_to_the_session_it_was_issued_with(
    client: ApiClient, another_client: ApiClient
) -> None:
    """A token read or planted before sign-in, or one of another session, is refused (issue 19:
    the token was not bound to the session); the sign-in hands out the session's own token."""
    await make_user("zhang", ["patrol"])
    await make_user("li", ["patrol"])
    await client.prepare_csrf()
    before = client.headers["X-CSRF-Token"]
    assert (
        await client.post("/api/auth/login", json={"username": "zhang", "password": PASSWORD})
    ).status_code == 200
    # The sign-in answered with a new token cookie; the one from before no longer counts.
    after = client.cookies.get("fieldkeep_csrf")
    assert after and after != before
    client.cookies.set("fieldkeep_csrf", before)
    r = await client.post("/api/auth/logout")
    assert (r.status_code, r.json()["error"]["code"]) == (403, "csrf_failed")
    # li's valid pair does not work with zhang's session either.
    await another_client.sign_in("li")
    theirs = another_client.headers["X-CSRF-Token"]
    client.cookies.set("fieldkeep_csrf", theirs)
    client.headers["X-CSRF-Token"] = theirs
    r = await client.post("/api/auth/logout")
    assert (r.status_code, r.json()["error"]["code"]) == (403, "csrf_failed")
    # The session's own token does.
    client.cookies.set("fieldkeep_csrf", after)
    client.headers["X-CSRF-Token"] = after
    assert (await client.post("/api/auth/logout")).status_code == 204


async def test_logout_ends_the_session(client: ApiClient) -> None:
    await make_user("zhang", ["patrol"])
    await client.sign_in("zhang")
    stolen = client.cookies.get("fieldkeep_session")
    r = await client.post("/api/auth/logout")
    assert r.status_code == 204
    client.cookies.set("fieldkeep_session", stolen)  # a copy kept elsewhere is dead too
    r = await client.get("/api/auth/me")
    assert r.status_code == 401
    assert r.json()["error"]["code"] == "session_expired"


async def test_no_session_is_401(client: ApiClient) -> None:
    r = await client.get("/api/auth/me")
    assert r.status_code == 401
    assert r.json()["error"]["code"] == "not_authenticated"


async def test_disabling_a_user_ends_their_sessions_and_sign_ins(
    client: ApiClient, another_client: ApiClient
) -> None:
    user_id = await make_user("zhang", ["patrol"])
    await client.sign_in("zhang")
    await service.set_active(user_id, False)
    assert (await client.get("/api/auth/me")).status_code == 401
    r = await another_client.sign_in("zhang")
    assert r.status_code == 401
    assert r.json()["error"]["code"] == "invalid_credentials"


async def test_changing_the_password_ends_every_session(
    client: ApiClient, another_client: ApiClient
) -> None:
    user_id = await make_user("zhang", ["patrol"])
    await client.sign_in("zhang")
    await another_client.sign_in("zhang")
    await service.set_password(user_id, "a brand new password")
    assert (await client.get("/api/auth/me")).status_code == 401
    assert (await another_client.get("/api/auth/me")).status_code == 401
    assert (await client.sign_in("zhang", "a brand new password")).status_code == 200


async def test_expired_session_is_refused(client: ApiClient) -> None:
    from datetime import timedelta

    from server.auth.tables import UserSession

    await make_user("zhang", ["patrol"])
    await client.sign_in("zhang")
    await UserSession.update({UserSession.expires_at: service.now() - timedelta(seconds=1)}).where(
        UserSession.id > 0
    )
    assert (await client.get("/api/auth/me")).status_code == 401


async def test_session_is_stored_only_as_a_hash(client: ApiClient) -> None:
    from server.auth.tables import UserSession

    await make_user("zhang", ["patrol"])
    await client.sign_in("zhang")
    token = client.cookies.get("fieldkeep_session")
    rows = await UserSession.select(UserSession.token_hash)
    assert [r["token_hash"] for r in rows] == [service.token_hash(token)]


async def test_asking_who_is_signed_in_renews_the_cookie(client: ApiClient) -> None:
    await make_user("zhang", ["patrol"])
    await client.sign_in("zhang")
    r = await client.get("/api/auth/me")
    cookie = r.headers["set-cookie"]
    assert "fieldkeep_session=" in cookie
    assert f"Max-Age={service.SESSION_DAYS * 86400}" in cookie


async def test_parallel_wrong_passwords_do_not_beat_the_limit(settings: Settings) -> None:
    await make_user("zhang", ["patrol"])
    async with concurrent_client(settings) as client:
        answers = await asyncio.gather(
            *(
                client.post("/api/auth/login", json={"username": "zhang", "password": f"guess {i}"})
                for i in range(25)
            )
        )
    statuses = sorted(r.status_code for r in answers)
    assert statuses.count(401) == service.MAX_FAILURES_PER_USERNAME, statuses
    assert statuses.count(429) == 25 - service.MAX_FAILURES_PER_USERNAME


async def test_a_right_password_takes_back_its_own_count(client: ApiClient) -> None:
    await make_user("zhang", ["patrol"])
    for _ in range(service.MAX_FAILURES_PER_USERNAME * 2):
        assert (await client.sign_in("zhang")).status_code == 200


async def test_wrong_passwords_from_one_address_do_not_lock_the_user_out_elsewhere(
    settings: Settings,
) -> None:
    await make_user("zhang", ["patrol"])
    async with ApiClient(app=from_address(create_app(settings), "203.0.113.7")) as attacker:
        limited = await attempts_until_limited(attacker, "zhang")
        assert limited.status_code == 429
    async with ApiClient(app=from_address(create_app(settings), "198.51.100.20")) as owner:
        assert (await owner.sign_in("zhang")).status_code == 200


async def test_failures_for_one_username_from_many_addresses_meet_a_higher_ceiling(
    settings: Settings,
) -> None:
    await make_user("zhang", ["patrol"])
    ceiling = service.MAX_FAILURES_PER_USERNAME_ANYWHERE
    for i in range(ceiling):
        ticket = await service.begin_sign_in("zhang", f"10.0.{i // 250}.{i % 250}")
        assert ticket.wait == 0
    assert (await service.begin_sign_in("Zhang", "192.0.2.1")).wait > 0


def with_settings(settings: Settings, **server: Any) -> Settings:
    return replace(settings, server=replace(settings.server, **server))


async def test_behind_a_trusted_proxy_failures_count_per_forwarded_address(
    settings: Settings,
) -> None:
    await make_user("zhang", ["patrol"])
    proxied = with_settings(settings, trusted_proxies=parse_trusted_proxies("10.0.0.0/8"))
    async with ApiClient(app=from_address(create_app(proxied), "10.0.0.2")) as proxy:
        for i in range(service.MAX_FAILURES_PER_ADDRESS):
            r = await proxy.sign_in(
                f"user{i}", "wrong", headers={"X-Forwarded-For": "203.0.113.7, 10.0.0.3"}
            )
            assert r.status_code == 401
        blocked = await proxy.sign_in("nobody", "wrong", headers={"X-Forwarded-For": "203.0.113.7"})
        assert blocked.status_code == 429
        # Everyone else behind the same proxy still signs in.
        ok = await proxy.sign_in("zhang", headers={"X-Forwarded-For": "198.51.100.20"})
        assert ok.status_code == 200


async def test_forwarded_for_from_an_untrusted_peer_is_ignored(settings: Settings) -> None:
    await make_user("zhang", ["patrol"])
    async with ApiClient(app=from_address(create_app(settings), "203.0.113.7")) as attacker:
        for i in range(service.MAX_FAILURES_PER_USERNAME):
            # A new made-up address each time must not buy more guesses.
            await attacker.sign_in("zhang", "wrong", headers={"X-Forwarded-For": f"10.1.1.{i}"})
        r = await attacker.sign_in("zhang", headers={"X-Forwarded-For": "10.9.9.9"})
        assert r.status_code == 429


class HeldHasher(PasswordHasher):
    """Real argon2 that holds every verification until released (giving up after a while, so
    a hasher that blocks the event loop ends the test instead of hanging it)."""

    def __init__(self) -> None:
        super().__init__()
        self.entered = threading.Event()
        self.release = threading.Event()
        self.gave_up = False

    def verify(self, hash: str | bytes, password: str | bytes) -> Literal[True]:
        self.entered.set()
        if not self.release.wait(timeout=3):
            self.gave_up = True
            self.release.set()
        return super().verify(hash, password)


async def test_the_server_answers_while_passwords_are_being_checked(
    settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    held = HeldHasher()
    monkeypatch.setattr(service, "password_hasher", held)
    async with concurrent_client(settings) as client:
        logins = [
            asyncio.create_task(
                client.post("/api/auth/login", json={"username": f"guess{i}", "password": "x"})
            )
            for i in range(8)
        ]

        assert await asyncio.to_thread(held.entered.wait, 10)
        health = await client.get("/api/health")
        # Health answered while every sign-in was still waiting for its password check.
        assert health.status_code == 200
        assert not held.release.is_set()
        assert not any(login.done() for login in logins)
        held.release.set()
        answers = await asyncio.gather(*logins)
    assert [r.status_code for r in answers] == [401] * 8
    assert not held.gave_up


async def test_a_session_ends_after_its_absolute_lifetime_however_often_it_is_used(
    settings: Settings,
) -> None:
    """Sessions slid forever (issue 19): one used every day stays open no longer than
    FIELDKEEP_SESSION_MAX_DAYS after its sign-in."""
    from datetime import timedelta

    from server.auth.tables import UserSession

    short = replace(settings, server=replace(settings.server, session_max_days=2))
    await make_user("zhang", ["patrol"])
    async with ApiClient(app=create_app(short)) as client:
        await client.sign_in("zhang")
        at = service.now()
        # Signed in a day ago, seen a moment ago: still open.
        await UserSession.update(
            {
                UserSession.created_at: at - timedelta(days=1),
                UserSession.last_seen_at: at - timedelta(hours=1),
            }
        ).where(UserSession.id > 0)
        assert (await client.get("/api/auth/me")).status_code == 200
        expires = await UserSession.select(UserSession.expires_at).first()
        assert expires is not None
        assert expires["expires_at"] <= at + timedelta(days=1, minutes=1)
        # Signed in three days ago and used ever since (its sliding end is still ahead): ended.
        await UserSession.update(
            {
                UserSession.created_at: at - timedelta(days=3),
                UserSession.expires_at: at + timedelta(days=20),
            }
        ).where(UserSession.id > 0)
        r = await client.get("/api/auth/me")
        assert r.status_code == 401
        assert r.json()["error"]["code"] == "session_expired"


def test_session_max_days_setting(tmp_path: Any) -> None:
    env = {"FIELDKEEP_DATA_DIR": str(tmp_path)}
    assert Settings.from_env(env).server.session_max_days == 30
    assert (
        Settings.from_env({**env, "FIELDKEEP_SESSION_MAX_DAYS": "7"}).server.session_max_days == 7
    )
    for bad in ("0", "-1", "x"):
        with pytest.raises(SettingsError):
            Settings.from_env({**env, "FIELDKEEP_SESSION_MAX_DAYS": bad})


def test_passwords_are_hashed_with_argon2id_at_rfc_9106_cost(
    production_password_hasher: PasswordHasher,
) -> None:
    """The suite hashes cheaply (tests/conftest.py); the server itself must not."""
    hashed = production_password_hasher.hash("correct horse 42")
    assert hashed.startswith("$argon2id$v=19$m=65536,t=3,p=4$")
    assert production_password_hasher.verify(hashed, "correct horse 42")


async def test_the_user_learns_each_sites_time_zone(client: ApiClient) -> None:
    """The app shows dates in the site's zone: the server says which (the default when none
    was set)."""
    shanghai = await make_site("north")
    london = await make_site("london")
    await Site.update({Site.timezone: "Europe/London"}).where(Site.id == london)
    await make_user("zhang", ["patrol"], [shanghai, london])
    await client.sign_in("zhang")
    sites = (await client.get("/api/auth/me")).json()["user"]["sites"]
    assert {s["code"]: s["timezone"] for s in sites} == {
        "north": "Asia/Shanghai",
        "london": "Europe/London",
    }
