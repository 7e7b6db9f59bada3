"""The callback matrix: API key, Standard Webhooks signature, repeats, conflicts, bad analysis,
progress, and 50 concurrent callbacks applying once."""

from __future__ import annotations

import asyncio
import json
import time
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from standardwebhooks.webhooks import Webhook

from interview_jobs.contracts.callback import CALLBACK_PATH
from interview_jobs.contracts.webhooks import sign_headers
from tests.api.conftest import CALLBACK_KEY, WEBHOOK_SECRET, create_job

ANALYSIS = {"schemaVersion": 1, "analysisType": "comprehensive", "score": 85, "summary": "Good."}


def signed(body: dict[str, Any], msg_id: str | None = None) -> tuple[bytes, dict[str, str]]:
    raw = json.dumps(body)
    headers = {"X-API-Key": CALLBACK_KEY, "Content-Type": "application/json"}
    headers.update(sign_headers(WEBHOOK_SECRET, raw, msg_id))
    return raw.encode(), headers


async def post_callback(
    client: httpx.AsyncClient, body: dict[str, Any], msg_id: str | None = None
) -> httpx.Response:
    raw, headers = signed(body, msg_id)
    return await client.post(CALLBACK_PATH, content=raw, headers=headers)


async def job_state(
    client: httpx.AsyncClient, headers: dict[str, str], job_id: str
) -> dict[str, Any]:
    r = await client.get(f"/api/interview/job/{job_id}/detail", headers=headers)
    assert r.status_code == 200
    return dict(r.json())


async def test_completed_callback_stores_the_analysis(
    client: httpx.AsyncClient, alice: dict[str, str]
) -> None:
    job = await create_job(client, alice)
    r = await post_callback(
        client,
        {
            "jobId": job["jobId"],
            "status": "COMPLETED",
            "analysisData": json.dumps(ANALYSIS),
            "errorMessage": None,
        },
    )
    assert r.status_code == 200, r.text
    assert r.json()["jobId"] == job["jobId"]
    assert r.json()["status"] == "COMPLETED"
    assert r.json()["message"]
    state = await job_state(client, alice, job["jobId"])
    assert state["status"] == "COMPLETED"
    assert state["detailedAnalysis"] == ANALYSIS  # an object, though the seed sent a string
    assert state["progress"] == 100


async def test_failed_callback_keeps_the_error(
    client: httpx.AsyncClient, alice: dict[str, str]
) -> None:
    job = await create_job(client, alice)
    r = await post_callback(
        client, {"jobId": job["jobId"], "status": "FAILED", "errorMessage": "corrupt video"}
    )
    assert r.status_code == 200
    state = await job_state(client, alice, job["jobId"])
    assert state["status"] == "FAILED"
    assert state["errorMessage"] == "corrupt video"
    assert state["detailedAnalysis"] is None


async def test_authentication_failures_are_401(
    client: httpx.AsyncClient, alice: dict[str, str]
) -> None:
    job = await create_job(client, alice)
    body = {"jobId": job["jobId"], "status": "COMPLETED", "analysisData": ANALYSIS}
    raw, good = signed(body)

    async def attempt(headers: dict[str, str], content: bytes = raw) -> int:
        return (await client.post(CALLBACK_PATH, content=content, headers=headers)).status_code

    assert await attempt({k: v for k, v in good.items() if k != "X-API-Key"}) == 401  # no key
    assert await attempt({**good, "X-API-Key": "wrong"}) == 401  # wrong key
    assert await attempt({k: v for k, v in good.items() if not k.startswith("webhook-")}) == 401
    assert await attempt({**good, "webhook-signature": "v1,AAAA"}) == 401  # bad signature
    tampered = raw.replace(b"85", b"99")
    assert await attempt(good, tampered) == 401  # body changed after signing
    # A signature made 10 minutes ago (outside the 5-minute tolerance).
    old = int(time.time()) - 600
    from datetime import UTC, datetime

    sig = Webhook(WEBHOOK_SECRET).sign("msg_old", datetime.fromtimestamp(old, tz=UTC), raw.decode())
    old_headers = {
        **good,
        "webhook-id": "msg_old",
        "webhook-timestamp": str(old),
        "webhook-signature": sig,
    }
    assert await attempt(old_headers) == 401
    # Nothing changed.
    assert (await job_state(client, alice, job["jobId"]))["status"] == "PENDING"


async def test_replayed_webhook_id_is_200_without_change(
    client: httpx.AsyncClient, alice: dict[str, str]
) -> None:
    job = await create_job(client, alice)
    first = await post_callback(
        client, {"jobId": job["jobId"], "status": "PROCESSING", "progress": 10}, "msg_1"
    )
    assert first.status_code == 200
    await post_callback(
        client, {"jobId": job["jobId"], "status": "PROCESSING", "progress": 40}, "msg_2"
    )
    replay = await post_callback(
        client, {"jobId": job["jobId"], "status": "PROCESSING", "progress": 10}, "msg_1"
    )
    assert replay.status_code == 200
    assert "before" in replay.json()["message"]
    assert (await job_state(client, alice, job["jobId"]))["progress"] == 40


async def test_unknown_job_is_404(client: httpx.AsyncClient) -> None:
    r = await post_callback(
        client, {"jobId": "no-such-job", "status": "FAILED", "errorMessage": "x"}
    )
    assert r.status_code == 404


async def test_repeat_and_conflict_on_a_terminal_job(
    client: httpx.AsyncClient, alice: dict[str, str]
) -> None:
    job = await create_job(client, alice)
    done = {"jobId": job["jobId"], "status": "COMPLETED", "analysisData": ANALYSIS}
    assert (await post_callback(client, done)).status_code == 200
    before = await job_state(client, alice, job["jobId"])

    repeat = await post_callback(client, {**done, "analysisData": {**ANALYSIS, "score": 1}})
    assert repeat.status_code == 200
    assert "nothing changed" in repeat.json()["message"]
    conflict = await post_callback(
        client, {"jobId": job["jobId"], "status": "FAILED", "errorMessage": "late"}
    )
    assert conflict.status_code == 409
    progress = await post_callback(
        client, {"jobId": job["jobId"], "status": "PROCESSING", "progress": 5}
    )
    assert progress.status_code == 409
    assert await job_state(client, alice, job["jobId"]) == before


async def test_callback_for_a_cancelled_job_is_409(
    client: httpx.AsyncClient, alice: dict[str, str]
) -> None:
    job = await create_job(client, alice)
    await client.post(f"/api/interview/job/{job['jobId']}/cancel", headers=alice)
    r = await post_callback(client, {"jobId": job["jobId"], "status": "PROCESSING", "progress": 5})
    assert r.status_code == 409
    assert (await job_state(client, alice, job["jobId"]))["status"] == "CANCELLED"


async def test_stale_attempt_is_409(
    client: httpx.AsyncClient, alice: dict[str, str], app: FastAPI
) -> None:
    job = await create_job(client, alice)
    from sqlalchemy import update

    from interview_jobs.api.models import InterviewJob

    async with app.state.ctx.db.sessionmaker() as s, s.begin():
        await s.execute(update(InterviewJob).values(attempt=2))
    stale = await post_callback(
        client,
        {"jobId": job["jobId"], "status": "COMPLETED", "analysisData": ANALYSIS, "attempt": 1},
    )
    assert stale.status_code == 409
    assert "attempt" in stale.json()["message"]
    current = await post_callback(
        client,
        {"jobId": job["jobId"], "status": "COMPLETED", "analysisData": ANALYSIS, "attempt": 2},
    )
    assert current.status_code == 200


@pytest.mark.parametrize(
    "analysis",
    ["not json", "[1, 2]", '"a string"', [1, 2], 42, None],
)
async def test_completed_with_malformed_analysis_is_422(
    client: httpx.AsyncClient, alice: dict[str, str], analysis: Any
) -> None:
    job = await create_job(client, alice)
    r = await post_callback(
        client, {"jobId": job["jobId"], "status": "COMPLETED", "analysisData": analysis}
    )
    assert r.status_code == 422, r.text
    assert "analysisData" in r.json()["message"]
    assert (await job_state(client, alice, job["jobId"]))["status"] == "PENDING"


@pytest.mark.parametrize(
    "body",
    [
        {"status": "COMPLETED"},
        {"jobId": "x", "status": "DONE"},
        {"jobId": "x", "status": "PROCESSING", "progress": 101},
        {"jobId": "x", "status": "PROCESSING", "attempt": 0},
    ],
)
async def test_invalid_callback_body_is_422(
    client: httpx.AsyncClient, body: dict[str, Any]
) -> None:
    r = await post_callback(client, body)
    assert r.status_code == 422


async def test_unparseable_callback_is_400(client: httpx.AsyncClient) -> None:
    raw = b"{not json"
    headers = {"X-API-Key": CALLBACK_KEY, **sign_headers(WEBHOOK_SECRET, raw.decode())}
    r = await client.post(CALLBACK_PATH, content=raw, headers=headers)
    assert r.status_code == 400


async def test_processing_updates_progress_monotonically(
    client: httpx.AsyncClient, alice: dict[str, str]
) -> None:
    job = await create_job(client, alice)
    for progress, expected in [(10, 10), (50, 50), (30, 50), (None, 50), (80, 80)]:
        body: dict[str, Any] = {"jobId": job["jobId"], "status": "PROCESSING"}
        if progress is not None:
            body["progress"] = progress
        r = await post_callback(client, body)
        assert r.status_code == 200
        state = await job_state(client, alice, job["jobId"])
        assert state["status"] == "PROCESSING"
        assert state["progress"] == expected


async def test_duration_refines_the_estimate(
    client: httpx.AsyncClient, alice: dict[str, str]
) -> None:
    job = await create_job(client, alice)
    r = await post_callback(
        client,
        {"jobId": job["jobId"], "status": "PROCESSING", "progress": 0, "durationSeconds": 6000},
    )
    assert r.status_code == 200
    state = await job_state(client, alice, job["jobId"])
    assert state["durationSeconds"] == 6000
    # 6000 s of video at the default 0.2 s per second: about 20 minutes from now.
    assert state["estimatedCompletionTime"] > job["estimatedCompletionTime"]


async def test_without_webhook_secret_the_api_key_suffices(
    client: httpx.AsyncClient, alice: dict[str, str], app: FastAPI
) -> None:
    # Settings always resolve a secret in development; an operator can run without one.
    app.state.ctx.webhook_secret = None
    job = await create_job(client, alice)
    body = {"jobId": job["jobId"], "status": "FAILED", "errorMessage": "boom"}
    r = await client.post(CALLBACK_PATH, json=body, headers={"X-API-Key": CALLBACK_KEY})
    assert r.status_code == 200
    r = await client.post(CALLBACK_PATH, json=body, headers={"X-API-Key": "nope"})
    assert r.status_code == 401


async def test_fifty_concurrent_callbacks_apply_once(
    client: httpx.AsyncClient, alice: dict[str, str], app: FastAPI
) -> None:
    job = await create_job(client, alice)
    bodies = [
        {"jobId": job["jobId"], "status": "COMPLETED", "analysisData": {**ANALYSIS, "score": i}}
        for i in range(25)
    ] + [{"jobId": job["jobId"], "status": "FAILED", "errorMessage": f"e{i}"} for i in range(25)]
    responses = await asyncio.gather(*(post_callback(client, b) for b in bodies))
    codes = [r.status_code for r in responses]
    applied = [r for r in responses if r.status_code == 200 and "now" in r.json()["message"]]
    assert len(applied) == 1, codes
    winner = applied[0].json()["status"]
    # Every other callback of the same status is a repeat (200), every other one a conflict (409).
    for r, b in zip(responses, bodies, strict=True):
        assert r.status_code == (200 if b["status"] == winner else 409)
    state = await job_state(client, alice, job["jobId"])
    assert state["status"] == winner
    samples = app.state.ctx.metrics.callbacks.labels("applied")._value.get()
    assert samples == 1
