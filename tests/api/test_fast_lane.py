"""The status poll's fast lane (api/app.py FastLane): served ahead of the middleware stack and
FastAPI's router when it can be, by the usual stack otherwise, with the same answers."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from starlette.types import ASGIApp, Receive, Scope, Send

from interview_jobs.api.app import FastLane
from interview_jobs.api.deps import DirectRoute, current_user
from interview_jobs.api.jobs import endpoints as job_endpoints
from tests.api.conftest import create_job


class _Spy:
    """Counts the requests that reach the usual middleware stack."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        self.paths: list[str] = []

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            self.paths.append(scope["path"])
        await self.app(scope, receive, send)


def _spy(app: FastAPI) -> _Spy:
    lane = app.middleware_stack
    if lane is None:
        app.middleware_stack = lane = app.build_middleware_stack()
    assert isinstance(lane, FastLane)
    spy = _Spy(lane.app)
    lane.app = spy
    return spy


def _count(metrics: bytes, route: str, status: str) -> float:
    for line in metrics.decode().splitlines():
        if line.startswith("interview_jobs_http_requests_total{") and (
            f'route="{route}"' in line and f'status="{status}"' in line and 'method="GET"' in line
        ):
            return float(line.rsplit(" ", 1)[1])
    return 0.0


async def test_a_poll_skips_the_stack_and_errors_take_it(
    app: FastAPI, client: httpx.AsyncClient, alice: dict[str, str], bob: dict[str, str]
) -> None:
    job = await create_job(client, alice)
    spy = _spy(app)
    path = f"/api/interview/job/{job['jobId']}"
    ok = await client.get(path, headers=alice)
    assert ok.status_code == 200 and ok.json()["jobId"] == job["jobId"]
    assert spy.paths == []
    # Errors are answered by the usual stack, with the usual shape.
    assert (await client.get(path)).status_code == 401
    assert (await client.get(path, headers=bob)).status_code == 404
    assert (await client.get("/api/interview/job/nope", headers=alice)).json()["error"] == (
        "NotFound"
    )
    # Not the poll: a HEAD, a longer path, a query string on another route.
    assert (await client.head(path, headers=alice)).status_code == 405  # a GET route only
    assert (await client.get(path + "/detail", headers=alice)).status_code == 200
    assert spy.paths == [path, path, "/api/interview/job/nope", path, path + "/detail"]


async def test_the_lane_answers_as_the_stack_does(
    app: FastAPI, client: httpx.AsyncClient, alice: dict[str, str]
) -> None:
    job = await create_job(client, alice)
    path = f"/api/interview/job/{job['jobId']}"
    fast = await client.get(path, headers=alice)
    # Dependency overrides send every request down the usual stack.
    app.dependency_overrides[current_user] = current_user
    try:
        spy = _spy(app)
        slow = await client.get(path, headers=alice)
        assert spy.paths == [path]
    finally:
        app.dependency_overrides.clear()
    assert fast.status_code == slow.status_code == 200
    assert fast.content == slow.content
    drop = {"date", "content-length"}
    assert {k: v for k, v in fast.headers.items() if k not in drop} == {
        k: v for k, v in slow.headers.items() if k not in drop
    }


async def test_polls_are_counted_in_the_metrics(
    client: httpx.AsyncClient, alice: dict[str, str]
) -> None:
    job = await create_job(client, alice)
    route = "/api/interview/job/{job_id}"
    before = _count((await client.get("/metrics")).content, route, "200")
    for _ in range(3):
        assert (await client.get(f"/api/interview/job/{job['jobId']}", headers=alice)).is_success
    missing = await client.get("/api/interview/job/nope", headers=alice)
    assert missing.status_code == 404
    metrics = (await client.get("/metrics")).content
    assert _count(metrics, route, "200") == before + 3
    assert _count(metrics, route, "404") == 1


def test_only_get_routes_may_use_the_lane() -> None:
    routes = [r for r in job_endpoints.direct_router.routes if isinstance(r, DirectRoute)]
    post = next(r for r in routes if r.methods == {"POST"})

    async def inner(scope: Scope, receive: Receive, send: Send) -> None:
        raise AssertionError

    owner: Any = FastAPI()
    with pytest.raises(ValueError, match="GET routes only"):
        FastLane(inner, [post], owner, metrics=None)  # type: ignore[arg-type]


def test_the_user_check_of_the_lane_is_the_routes_own() -> None:
    # The lane calls the route's direct handler, whose only dependency is current_user:
    # a dependency added to the router would be refused when the handler is built.
    get = next(
        r
        for r in job_endpoints.direct_router.routes
        if isinstance(r, DirectRoute) and r.methods == {"GET"}
    )
    assert [d.call for d in get.dependant.dependencies] == [current_user]
