"""Forwarding to a real HTTP server standing in for the AI backend (uvicorn on a free loopback
port): down at creation then up, 5xx retried, 4xx permanent, deadlines, and two dispatchers."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from interview_jobs.api.dispatch import Dispatcher
from interview_jobs.api.models import utcnow
from interview_jobs.contracts.forward import FORWARD_PATH
from tests.api.conftest import AI_KEY, create_job, serve, upload
from tests.api.test_callback import post_callback
from tests.support.servers import free_port


@dataclass
class StubAI:
    """Records forwards; answers with the queued status codes, then 202."""

    port: int
    answers: list[int] = field(default_factory=list)
    received: list[dict[str, Any]] = field(default_factory=list)
    keys: list[str | None] = field(default_factory=list)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def app(self) -> Starlette:
        async def analyze(request: Request) -> JSONResponse:
            body = await request.json()
            self.received.append(body)
            self.keys.append(request.headers.get("x-api-key"))
            code = self.answers.pop(0) if self.answers else 202
            if code == 202:
                return JSONResponse({"jobId": body["jobId"], "status": "QUEUED"}, status_code=202)
            return JSONResponse({"detail": f"stub says {code}"}, status_code=code)

        return Starlette(routes=[Route(FORWARD_PATH, analyze, methods=["POST"])])


PORT = free_port()


@pytest.fixture
def settings_overrides() -> dict[str, Any]:
    return {
        "ai_url": f"http://127.0.0.1:{PORT}",
        "job_deadline_seconds": 60,
        "max_attempts": 2,
        "dispatch_backoff_base_seconds": 1,
        "dispatch_backoff_max_seconds": 8,
    }


@pytest.fixture
async def stub() -> AsyncIterator[StubAI]:
    ai = StubAI(PORT)
    async with serve(ai.app(), PORT):
        yield ai


def dispatcher(app: FastAPI) -> Dispatcher:
    d: Dispatcher = app.state.dispatcher
    return d


async def status_of(
    client: httpx.AsyncClient, headers: dict[str, str], job_id: str
) -> dict[str, Any]:
    return dict((await client.get(f"/api/interview/job/{job_id}", headers=headers)).json())


async def test_forward_body_headers_and_signed_file_url(
    client: httpx.AsyncClient, alice: dict[str, str], app: FastAPI, stub: StubAI
) -> None:
    meta = await upload(client, alice)
    job = await create_job(client, alice, fileId=meta["id"], analysisType="speech")
    report = await dispatcher(app).run_once()
    assert report.forwarded == 1
    [sent] = stub.received
    assert stub.keys == [AI_KEY]
    assert sent["jobId"] == job["jobId"]
    assert sent["analysisType"] == "speech"
    assert sent["attempt"] == 1
    assert sent["fileId"] == meta["id"]
    assert sent["userId"] == str((await client.get("/api/auth/me", headers=alice)).json()["id"])
    assert sent["callbackUrl"] == "http://api.test/api/interview/analysis-callback"
    # The AI backend can fetch the upload with the signed URL alone.
    assert "signature=" in sent["videoUrl"]
    r = await client.get(sent["videoUrl"])
    assert r.status_code == 200
    assert r.headers["content-type"] == "video/mp4"
    # Nothing is forwarded twice.
    assert (await dispatcher(app).run_once()).forwarded == 0
    assert len(stub.received) == 1


async def test_the_environments_proxy_carries_the_forwards(
    client: httpx.AsyncClient,
    alice: dict[str, str],
    app: FastAPI,
    stub: StubAI,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """HTTP_PROXY applies to the forwards (looked up once, when the client is made): the AI
    backend's host resolves nowhere, so only the proxy — the stub — can take the forward."""
    for name in ("http_proxy", "HTTP_PROXY", "no_proxy", "NO_PROXY", "all_proxy", "ALL_PROXY"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("HTTP_PROXY", stub.url)
    monkeypatch.setattr(app.state.ctx.settings, "ai_url", "http://ai-backend.invalid:8001")
    job = await create_job(client, alice)
    report = await dispatcher(app).run_once()
    assert report.forwarded == 1
    assert [b["jobId"] for b in stub.received] == [job["jobId"]]


async def test_ai_down_at_creation_then_up(
    client: httpx.AsyncClient, alice: dict[str, str], app: FastAPI
) -> None:
    job = await create_job(client, alice)
    report = await dispatcher(app).run_once()
    assert report.retried == 1 and report.forwarded == 0
    assert (await status_of(client, alice, job["jobId"]))["status"] == "PENDING"

    ai = StubAI(PORT)
    async with serve(ai.app(), PORT):
        # Not due yet (backoff), then due when the clock has moved past the backoff.
        assert (await dispatcher(app).run_once()).claimed == 0
        report = await dispatcher(app).run_once(now=utcnow() + timedelta(seconds=30))
    assert report.forwarded == 1
    assert [b["jobId"] for b in ai.received] == [job["jobId"]]


async def test_5xx_is_retried_with_backoff(
    client: httpx.AsyncClient, alice: dict[str, str], app: FastAPI, stub: StubAI
) -> None:
    stub.answers = [503, 500, 429]
    job = await create_job(client, alice)
    later = utcnow()
    for _ in range(3):
        report = await dispatcher(app).run_once(now=later)
        assert report.retried == 1
        later += timedelta(seconds=10)  # past the backoff (max 8 s), within the deadline
    report = await dispatcher(app).run_once(now=later)
    assert report.forwarded == 1
    assert [b["jobId"] for b in stub.received] == [job["jobId"]] * 4
    assert all(b["attempt"] == 1 for b in stub.received)
    assert (await status_of(client, alice, job["jobId"]))["status"] == "PENDING"


def test_backoff_is_exponential_and_capped(app: FastAPI) -> None:
    d = dispatcher(app)
    delays = [d.backoff(n) for n in range(8)]
    assert 0.8 <= delays[0] <= 1 and 1.6 <= delays[1] <= 2 and 3.2 <= delays[2] <= 4
    assert all(x <= 8 for x in delays) and delays[-1] >= 6.4


async def test_4xx_is_permanent(
    client: httpx.AsyncClient, alice: dict[str, str], app: FastAPI, stub: StubAI
) -> None:
    stub.answers = [400]
    job = await create_job(client, alice)
    report = await dispatcher(app).run_once()
    assert report.rejected == 1
    state = await status_of(client, alice, job["jobId"])
    assert state["status"] == "FAILED"
    assert "rejected" in state["errorMessage"] and "400" in state["errorMessage"]


async def test_deadline_reforwards_with_attempt_2_then_fails(
    client: httpx.AsyncClient, alice: dict[str, str], app: FastAPI, stub: StubAI
) -> None:
    job = await create_job(client, alice)
    t0 = utcnow()
    assert (await dispatcher(app).run_once(now=t0)).forwarded == 1
    # A PROCESSING report on attempt 1, then silence past the deadline.
    state = await status_of(client, alice, job["jobId"])
    assert state["attempt"] == 1

    report = await dispatcher(app).run_once(now=t0 + timedelta(seconds=61))
    assert report.reforwarded == 1 and report.forwarded == 1
    assert [b["attempt"] for b in stub.received] == [1, 2]
    state = await status_of(client, alice, job["jobId"])
    assert state["status"] == "PENDING" and state["attempt"] == 2

    report = await dispatcher(app).run_once(now=t0 + timedelta(seconds=200))
    assert report.timed_out == 1
    state = await status_of(client, alice, job["jobId"])
    assert state["status"] == "FAILED"
    assert "Timed out after 2 attempt" in state["errorMessage"]
    # Nothing more happens to a failed job.
    report = await dispatcher(app).run_once(now=t0 + timedelta(seconds=1000))
    assert report.timed_out == report.reforwarded == report.forwarded == 0


async def test_a_job_forwarded_again_is_queued_again(
    client: httpx.AsyncClient, alice: dict[str, str], app: FastAPI, stub: StubAI
) -> None:
    job = await create_job(client, alice)
    assert (await dispatcher(app).run_once()).forwarded == 1
    r = await post_callback(
        client,
        {"jobId": job["jobId"], "status": "PROCESSING", "progress": 40, "phase": "analysing"},
    )
    assert r.status_code == 200, r.text
    assert (await status_of(client, alice, job["jobId"]))["phase"] == "analysing"
    report = await dispatcher(app).run_once(now=utcnow() + timedelta(seconds=120))
    assert report.reforwarded == 1
    state = await status_of(client, alice, job["jobId"])
    assert (state["status"], state["attempt"], state["phase"]) == ("PENDING", 2, "queued")


async def test_deadline_applies_while_the_ai_backend_is_down(
    client: httpx.AsyncClient, alice: dict[str, str], app: FastAPI
) -> None:
    job = await create_job(client, alice)
    t0 = utcnow()
    for step in range(1, 8):  # retried every round, never accepted
        await dispatcher(app).run_once(now=t0 + timedelta(seconds=30 * step))
    state = await status_of(client, alice, job["jobId"])
    assert state["status"] == "FAILED"
    assert "could not be reached" in state["errorMessage"]


async def test_two_dispatchers_never_forward_the_same_row(
    client: httpx.AsyncClient, alice: dict[str, str], app: FastAPI, stub: StubAI
) -> None:
    # On PostgreSQL the claims race for real (a pool of connections, FOR UPDATE SKIP LOCKED);
    # on SQLite the single connection serialises them.
    jobs = [await create_job(client, alice) for _ in range(40)]
    ctx = app.state.ctx
    ctx.settings.dispatch_batch_size = 7  # many small claims, interleaved
    first, second = Dispatcher(ctx), Dispatcher(ctx)
    try:
        for _ in range(10):
            await asyncio.gather(first.run_once(), second.run_once())
    finally:
        await first.aclose()
        await second.aclose()
    forwarded = sorted(b["jobId"] for b in stub.received)
    assert forwarded == sorted(j["jobId"] for j in jobs)  # each exactly once


async def test_dispatcher_loop_forwards_after_commit(
    client: httpx.AsyncClient, alice: dict[str, str], app: FastAPI, stub: StubAI
) -> None:
    # The lifespan's loop, woken by the commit (the other tests drive run_once by hand).
    d = dispatcher(app)
    app.state.ctx.wake_dispatcher = d.wake
    task = asyncio.create_task(d.run_forever())
    try:
        job = await create_job(client, alice)
        async with asyncio.timeout(10):
            while not stub.received:
                await asyncio.sleep(0.01)
    finally:
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
    assert stub.received[0]["jobId"] == job["jobId"]


async def test_dispatcher_stops_when_cancelled_as_it_is_woken(app: FastAPI) -> None:
    """A cancellation that arrives together with a wake-up must still stop the loop (Python
    3.11's asyncio.wait_for swallowed it, and the CI run hung on this test's neighbour)."""
    d = dispatcher(app)
    for _ in range(20):
        task = asyncio.create_task(d.run_forever())
        await asyncio.sleep(0.02)  # idle: waiting to be woken
        d.wake()
        task.cancel()
        async with asyncio.timeout(5):  # TimeoutError = the loop ignored its cancellation
            await asyncio.wait([task])
        assert task.cancelled()
