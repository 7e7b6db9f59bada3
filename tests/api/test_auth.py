"""Auth endpoints: register, login (with brute-force limiting), me, and token checks."""

from __future__ import annotations

import time

import httpx
import jwt
import pytest

from tests.api.conftest import PASSWORD, login


async def test_register_login_me(client: httpx.AsyncClient) -> None:
    r = await client.post("/api/auth/register", json={"username": "carol", "password": PASSWORD})
    assert r.status_code == 201
    assert r.json() == {
        "id": r.json()["id"],
        "username": "carol",
        "videoRetentionDays": None,
        "retentionDays": None,
    }

    r = await client.post("/api/auth/login", json={"username": "carol", "password": PASSWORD})
    assert r.status_code == 200
    body = r.json()
    assert body["tokenType"] == "Bearer"
    assert body["expiresIn"] > 0
    r = await client.get("/api/auth/me", headers={"Authorization": f"Bearer {body['accessToken']}"})
    assert r.status_code == 200
    assert r.json()["username"] == "carol"


async def test_register_taken_is_409(client: httpx.AsyncClient) -> None:
    await login(client, "dave")
    r = await client.post("/api/auth/register", json={"username": "dave", "password": PASSWORD})
    assert r.status_code == 409
    assert r.json()["error"] == "Conflict"


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"username": "ab", "password": PASSWORD}, "username"),
        ({"username": "has space", "password": PASSWORD}, "username"),
        ({"username": "x" * 65, "password": PASSWORD}, "username"),
        ({"username": "erin", "password": "short"}, "password"),
        ({"password": PASSWORD}, "username"),
    ],
)
async def test_register_invalid_is_422_naming_the_field(
    client: httpx.AsyncClient, body: dict[str, str], field: str
) -> None:
    r = await client.post("/api/auth/register", json=body)
    assert r.status_code == 422
    payload = r.json()
    assert payload["error"] == "ValidationError"
    assert [d["field"] for d in payload["details"]] == [field]
    assert field in payload["message"]


async def test_register_unparseable_json_is_400(client: httpx.AsyncClient) -> None:
    r = await client.post(
        "/api/auth/register", content=b'{"username": ', headers={"Content-Type": "application/json"}
    )
    assert r.status_code == 400
    assert r.json()["error"] == "BadRequest"


async def test_login_wrong_password_and_unknown_user_are_401(client: httpx.AsyncClient) -> None:
    await login(client, "frank")
    for body in (
        {"username": "frank", "password": "wrong password"},
        {"username": "nobody", "password": PASSWORD},
    ):
        r = await client.post("/api/auth/login", json=body)
        assert r.status_code == 401
        assert r.json()["message"] == "Invalid username or password."


async def test_login_brute_force_is_rate_limited(client: httpx.AsyncClient) -> None:
    await login(client, "grace")
    for _ in range(5):  # login_rate_limit_per_minute = 5 in the test settings
        r = await client.post(
            "/api/auth/login", json={"username": "grace", "password": "guess1234"}
        )
        assert r.status_code == 401
    r = await client.post("/api/auth/login", json={"username": "grace", "password": PASSWORD})
    assert r.status_code == 429
    assert int(r.headers["Retry-After"]) >= 1
    assert r.json()["error"] == "RateLimited"
    # Another username from the same address is not blocked.
    await login(client, "heidi")


@pytest.mark.parametrize(
    "header",
    [None, "Bearer", "Basic dXNlcjpwYXNz", "Bearer not-a-jwt"],
)
async def test_missing_or_bad_token_is_401_with_challenge(
    client: httpx.AsyncClient, header: str | None
) -> None:
    headers = {"Authorization": header} if header else {}
    r = await client.get("/api/auth/me", headers=headers)
    assert r.status_code == 401
    assert r.headers["WWW-Authenticate"] == "Bearer"
    assert r.json()["error"] == "Unauthorized"


async def test_expired_and_forged_tokens_are_401(client: httpx.AsyncClient, app) -> None:  # type: ignore[no-untyped-def]
    key = app.state.ctx.jwt_key
    expired = jwt.encode({"sub": "1", "exp": int(time.time()) - 10}, key, algorithm="HS256")
    forged = jwt.encode(
        {"sub": "1", "exp": int(time.time()) + 60},
        "another-key-0123456789abcdef0123456789",
        algorithm="HS256",
    )
    for token in (expired, forged):
        r = await client.get("/api/auth/me", headers={"Authorization": f"Bearer {token}"})
        assert r.status_code == 401
    r = await client.get("/api/auth/me", headers={"Authorization": f"Bearer {expired}"})
    assert "expired" in r.json()["message"]
