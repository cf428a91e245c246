from tests.conftest import ApiClient, make_user


async def test_health(client: ApiClient) -> None:
    r = await client.get("/api/health")
    assert r.status_code == 200, r.text
    assert r.json()["database"] is True
    assert r.json()["migrations_current"] is True


async def test_login(client: ApiClient) -> None:
    await make_user("li", ["patrol"])
    r = await client.sign_in("li")
    assert r.status_code == 200, r.text
    r = await client.get("/api/auth/me")
    assert r.json()["user"]["username"] == "li", r.text
