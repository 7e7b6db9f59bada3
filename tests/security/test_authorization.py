"""The authorization matrix: every endpoint and method of the app × (anonymous, owner, another
user, an expired token, a token signed with another key, an ``alg: none`` token).

The endpoint list comes from the app's routes (``interview_jobs.api.routes``); what each needs
comes from its dependencies (``interview_jobs.api.openapi.route_auth``). A route this file does
not know makes the first test fail: a new endpoint cannot be forgotten here.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import re
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import httpx
import jwt
import pytest
from fastapi import FastAPI
from fastapi.routing import APIRoute

from interview_jobs.api.openapi import route_auth
from interview_jobs.api.routes import iter_endpoints
from interview_jobs.contracts.callback import CALLBACK_PATH
from tests.api.conftest import PASSWORD, create_job, login, mp4_bytes, upload

# Reached without a user's token; each has its own test of what it does need.
PUBLIC = {
    ("GET", "/health"),
    ("GET", "/ready"),
    ("GET", "/metrics"),
    ("GET", "/api/interview/health"),  # the original front end's probe: tests/api/test_front_end.py
    ("POST", "/api/auth/register"),
    ("POST", "/api/auth/login"),
    ("POST", CALLBACK_PATH),  # X-API-Key + signature: test_callback_auth.py
    ("GET", "/"),  # the web page
    # a share link's token is its credential: tests/api/test_shares.py
    ("GET", "/s/{token}"),
    ("GET", "/api/shared/{token}"),
    ("POST", "/api/shared/{token}/comments"),
    ("GET", "/favicon.ico"),
    ("GET", "/openapi.json"),
    ("GET", "/docs"),
    ("GET", "/docs/oauth2-redirect"),
    ("GET", "/redoc"),
}


@dataclass
class World:
    owner: dict[str, str]
    other: dict[str, str]
    owner_id: int
    job_id: str
    file_id: int


@dataclass(frozen=True)
class Call:
    """How to call one endpoint on the owner's resources, and what success looks like."""

    build: Callable[[World], dict[str, Any]]  # request kwargs (path, json, files, …)
    ok: int
    # What another user gets: 404 for someone else's job or file (never revealing it exists),
    # or the call simply works for them on their own account (lists, creating their own).
    other: int


def _file_body(_: World) -> dict[str, Any]:
    return {"files": {"file": ("a.mp4", mp4_bytes())}}


CALLS: dict[tuple[str, str], Call] = {
    ("GET", "/api/auth/me"): Call(lambda w: {}, 200, 200),
    ("PATCH", "/api/auth/me"): Call(lambda w: {"json": {"videoRetentionDays": 5}}, 200, 200),
    # deletes the caller's own account, whoever the caller is (the other user's own: 204 too)
    ("DELETE", "/api/auth/me"): Call(lambda w: {"json": {"password": PASSWORD}}, 204, 204),
    ("POST", "/api/files"): Call(_file_body, 201, 201),
    ("GET", "/api/files"): Call(lambda w: {}, 200, 200),
    ("GET", "/api/questions"): Call(lambda w: {}, 200, 200),  # the bank: the same for everyone
    ("GET", "/api/files/{file_id}"): Call(lambda w: {"file_id": w.file_id}, 200, 404),
    ("DELETE", "/api/files/{file_id}"): Call(lambda w: {"file_id": w.file_id}, 409, 404),
    ("GET", "/api/files/{file_id}/content"): Call(lambda w: {"file_id": w.file_id}, 200, 404),
    ("GET", "/api/files/{file_id}/link"): Call(lambda w: {"file_id": w.file_id}, 200, 404),
    ("POST", "/api/interview/analyze"): Call(lambda w: {"json": {"fileId": w.file_id}}, 202, 404),
    ("GET", "/api/export"): Call(lambda w: {}, 200, 200),  # the caller's own data
    ("GET", "/api/interview/job/{job_id}/report.html"): Call(
        lambda w: {"job_id": w.job_id}, 200, 404
    ),
    ("GET", "/api/interview/progress"): Call(lambda w: {}, 200, 200),  # the caller's own
    ("GET", "/api/interview/jobs"): Call(lambda w: {"params": {"before": w.job_id}}, 200, 404),
    ("GET", "/api/interview/job/{job_id}"): Call(lambda w: {"job_id": w.job_id}, 200, 404),
    ("GET", "/api/interview/job/{job_id}/detail"): Call(lambda w: {"job_id": w.job_id}, 200, 404),
    ("POST", "/api/interview/job/{job_id}/cancel"): Call(lambda w: {"job_id": w.job_id}, 200, 404),
    ("DELETE", "/api/interview/job/{job_id}"): Call(lambda w: {"job_id": w.job_id}, 204, 404),
    # (the events stream of a live job lasts until it ends: the owner's case uses a finished one)
    ("GET", "/api/interview/job/{job_id}/events"): Call(lambda w: {"job_id": w.job_id}, 200, 404),
    # sharing: the world's job is still PENDING, so the owner may not share it yet (409)
    ("POST", "/api/interview/job/{job_id}/shares"): Call(
        lambda w: {"job_id": w.job_id, "json": {}}, 409, 404
    ),
    ("GET", "/api/interview/job/{job_id}/shares"): Call(lambda w: {"job_id": w.job_id}, 200, 404),
    ("DELETE", "/api/interview/job/{job_id}/shares/{share_id}"): Call(
        lambda w: {"job_id": w.job_id, "share_id": 1}, 404, 404
    ),
    ("GET", "/api/interview/job/{job_id}/comments"): Call(lambda w: {"job_id": w.job_id}, 200, 404),
    ("DELETE", "/api/interview/job/{job_id}/comments/{comment_id}"): Call(
        lambda w: {"job_id": w.job_id, "comment_id": 1}, 404, 404
    ),
}


def _app_endpoints(app: FastAPI) -> list[tuple[str, str, str]]:
    """(method, path template, auth) of every route of the app."""
    found = []
    for endpoint in iter_endpoints(app):
        if not endpoint.methods:
            continue  # the static files mount
        auth = (
            route_auth(endpoint.route, endpoint.path)
            if isinstance(endpoint.route, APIRoute)
            else "none"
        )
        for method in sorted(endpoint.methods - {"HEAD"}):
            found.append((method, endpoint.path, auth))
    return found


async def test_every_endpoint_is_in_the_matrix(app: FastAPI) -> None:
    endpoints = _app_endpoints(app)
    assert len(endpoints) >= 25
    unknown = [(m, p) for m, p, _ in endpoints if (m, p) not in CALLS and (m, p) not in PUBLIC]
    assert not unknown, f"add these endpoints to the authorization matrix: {unknown}"
    for method, path, auth in endpoints:
        if (method, path) in CALLS:
            assert auth in ("bearer", "optional-bearer"), (method, path, auth)
        elif path.startswith("/api/") and path != CALLBACK_PATH:
            assert (method, path) in PUBLIC, (method, path)


def _b64(data: dict[str, Any]) -> str:
    return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()


def _hs512(claims: dict[str, Any], key: bytes) -> str:
    signing_input = f"{_b64({'alg': 'HS512', 'typ': 'JWT'})}.{_b64(claims)}"
    digest = hmac.new(key, signing_input.encode(), hashlib.sha512).digest()
    return f"{signing_input}.{base64.urlsafe_b64encode(digest).rstrip(b'=').decode()}"


def bad_tokens(app: FastAPI, user_id: int) -> dict[str, str]:
    now = int(time.time())
    claims = {"sub": str(user_id), "name": "alice", "iat": now, "exp": now + 600}
    return {
        "expired": jwt.encode(
            {**claims, "iat": now - 7200, "exp": now - 3600}, app.state.ctx.jwt_key, "HS256"
        ),
        "another-key": jwt.encode(claims, b"k" * 32, "HS256"),
        "alg-none": f"{_b64({'alg': 'none', 'typ': 'JWT'})}.{_b64(claims)}.",
        "alg-none-with-signature": f"{_b64({'alg': 'none', 'typ': 'JWT'})}.{_b64(claims)}.x",
        # the right key, but an algorithm the API does not accept
        "alg-hs512": _hs512(claims, app.state.ctx.jwt_key),
        "no-exp": jwt.encode({"sub": str(user_id)}, app.state.ctx.jwt_key, "HS256"),
    }


async def _world(client: httpx.AsyncClient) -> World:
    owner = await login(client, "owner")
    other = await login(client, "other")
    me = (await client.get("/api/auth/me", headers=owner)).json()
    meta = await upload(client, owner)
    job = await create_job(client, owner, fileId=meta["id"])
    return World(owner, other, me["id"], job["jobId"], meta["id"])


def _request(
    client: httpx.AsyncClient, method: str, path: str, kwargs: dict[str, Any], headers: dict
) -> Awaitable[httpx.Response]:
    kwargs = dict(kwargs)
    url = path.format(**{k: kwargs.pop(k) for k in re.findall(r"{(\w+)}", path)})
    return client.request(method, url, headers=headers, **kwargs)


IDENTITIES = ["anonymous", "expired", "another-key", "alg-none", "alg-none-with-signature",
              "alg-hs512", "no-exp", "garbage"]  # fmt: skip


@pytest.mark.parametrize(("method", "path"), sorted(CALLS))
async def test_unauthenticated_identities_get_401(
    client: httpx.AsyncClient, app: FastAPI, method: str, path: str
) -> None:
    world = await _world(client)
    tokens = bad_tokens(app, world.owner_id)
    for identity in IDENTITIES:
        if identity == "anonymous":
            headers: dict[str, str] = {}
        elif identity == "garbage":
            headers = {"Authorization": "Bearer a.b.c"}
        else:
            headers = {"Authorization": f"Bearer {tokens[identity]}"}
        r = await _request(client, method, path, CALLS[(method, path)].build(world), headers)
        assert r.status_code == 401, (identity, method, path, r.text)
        assert r.json()["error"] == "Unauthorized"
    # nothing changed for the owner
    r = await client.get(f"/api/interview/job/{world.job_id}", headers=world.owner)
    assert r.status_code == 200 and r.json()["status"] == "PENDING"
    assert (await client.get(f"/api/files/{world.file_id}", headers=world.owner)).status_code == 200


@pytest.mark.parametrize(("method", "path"), sorted(CALLS))
async def test_owner_and_other_user(client: httpx.AsyncClient, method: str, path: str) -> None:
    world = await _world(client)
    call = CALLS[(method, path)]
    r = await _request(client, method, path, call.build(world), world.other)
    assert r.status_code == call.other, ("other", method, path, r.text)
    if call.other == 404:
        assert r.json()["error"] == "NotFound"
        # the owner's job is untouched by the other user's attempt
        job = await client.get(f"/api/interview/job/{world.job_id}", headers=world.owner)
        assert job.status_code == 200 and job.json()["status"] == "PENDING"
    if path.endswith("/events"):
        # the owner's stream of a finished job ends by itself
        await client.post(f"/api/interview/job/{world.job_id}/cancel", headers=world.owner)
    r = await _request(client, method, path, call.build(world), world.owner)
    assert r.status_code == call.ok, ("owner", method, path, r.text)
