"""Job creation, with and without an Idempotency-Key: one transaction for the key's claim, the job
and its first forward — committed together or not at all — and the answers of a plain handler
(400 before 401 before 422, as FastAPI's own would be)."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import func, select

from interview_jobs.api.models import IdempotencyKey, InterviewJob, OutboxEntry
from tests.api.conftest import is_postgres, upload

VIDEO = {"videoUrl": "https://videos.example.com/a.mp4"}


async def _counts(app: FastAPI) -> tuple[int, int, int]:
    async with app.state.ctx.db.transaction() as session:
        counts = [
            await session.scalar(select(func.count()).select_from(model))
            for model in (InterviewJob, OutboxEntry, IdempotencyKey)
        ]
    return int(counts[0] or 0), int(counts[1] or 0), int(counts[2] or 0)


async def test_each_job_is_committed_with_its_forward_with_or_without_a_key(
    app: FastAPI, client: httpx.AsyncClient, alice: dict[str, str]
) -> None:
    plain = await client.post("/api/interview/analyze", json=VIDEO, headers=alice)
    keyed = await client.post(
        "/api/interview/analyze", json=VIDEO, headers={**alice, "Idempotency-Key": "k1"}
    )
    again = await client.post(
        "/api/interview/analyze", json=VIDEO, headers={**alice, "Idempotency-Key": "k1"}
    )
    assert plain.status_code == keyed.status_code == again.status_code == 202
    assert again.json()["jobId"] == keyed.json()["jobId"]
    assert "already created" in again.json()["message"]
    assert set(plain.json()) == set(keyed.json())
    assert keyed.headers["location"] == f"/api/interview/job/{keyed.json()['jobId']}"
    assert await _counts(app) == (2, 2, 1)
    async with app.state.ctx.db.transaction() as session:
        rows = (await session.execute(select(OutboxEntry.attempt, OutboxEntry.tries))).all()
    assert sorted(rows) == [(1, 0), (1, 0)]


async def test_a_creation_that_fails_leaves_nothing_behind(
    app: FastAPI, client: httpx.AsyncClient, alice: dict[str, str], bob: dict[str, str]
) -> None:
    bobs_file = await upload(client, bob)
    r = await client.post(
        "/api/interview/analyze",
        json={"fileId": bobs_file["id"]},
        headers={**alice, "Idempotency-Key": "someone-elses-file"},
    )
    assert r.status_code == 404
    # A value the database refuses after the key was claimed: PostgreSQL stores no NUL in
    # text (422, the claim is rolled back with the job); SQLite stores it.
    r = await client.post(
        "/api/interview/analyze",
        json={"videoUrl": "https://videos.example.com/a\u0000b.mp4"},
        headers={**alice, "Idempotency-Key": "nul"},
    )
    if is_postgres(str(app.state.ctx.db.url)):
        assert r.status_code == 422, r.text
        assert await _counts(app) == (0, 0, 0)
    else:
        assert r.status_code == 202, r.text
        assert await _counts(app) == (1, 1, 1)


async def test_concurrent_requests_with_one_key_make_one_job(
    app: FastAPI, client: httpx.AsyncClient, alice: dict[str, str]
) -> None:
    headers = {**alice, "Idempotency-Key": "race"}
    answers = await asyncio.gather(
        *(client.post("/api/interview/analyze", json=VIDEO, headers=headers) for _ in range(8))
    )
    assert [r.status_code for r in answers] == [202] * 8, [r.text for r in answers]
    assert len({r.json()["jobId"] for r in answers}) == 1
    assert sum("already created" in r.json()["message"] for r in answers) == 7
    assert await _counts(app) == (1, 1, 1)


async def test_a_key_whose_job_was_deleted_makes_a_new_job(
    app: FastAPI, client: httpx.AsyncClient, alice: dict[str, str]
) -> None:
    headers = {**alice, "Idempotency-Key": "deleted"}
    first = await client.post("/api/interview/analyze", json=VIDEO, headers=headers)
    deleted = await client.delete(f"/api/interview/job/{first.json()['jobId']}", headers=alice)
    assert deleted.status_code == 204
    second = await client.post("/api/interview/analyze", json=VIDEO, headers=headers)
    assert second.status_code == 202
    assert second.json()["jobId"] != first.json()["jobId"]
    assert "already created" not in second.json()["message"]
    assert await _counts(app) == (1, 1, 1)


async def test_the_body_is_checked_before_the_token_and_its_values_after(
    client: httpx.AsyncClient, alice: dict[str, str]
) -> None:
    def post(content: bytes, headers: dict[str, str]) -> Any:
        return client.post("/api/interview/analyze", content=content, headers=headers)

    json_type = {"Content-Type": "application/json"}
    assert (await post(b"{not json", json_type)).status_code == 400
    assert (await post(b'{"videoUrl": "ftp://x/y"}', json_type)).status_code == 401
    invalid = await post(b'{"videoUrl": "ftp://x/y"}', {**alice, **json_type})
    assert invalid.status_code == 422
    assert [d["field"] for d in invalid.json()["details"]] == ["videoUrl"]
    missing = await post(b"", {**alice, **json_type})
    assert missing.status_code == 422
    assert missing.json()["details"][0]["field"] is None  # the whole body
    vendor = await post(
        b'{"videoUrl": "https://videos.example.com/b.mp4"}',
        {**alice, "Content-Type": "application/vnd.example+json"},
    )
    assert vendor.status_code == 202, vendor.text
    text = await post(
        b'{"videoUrl": "https://x.example/c.mp4"}', {**alice, "Content-Type": "text/plain"}
    )
    assert text.status_code == 415
    assert "Content-Type: application/json" in text.json()["message"]
    assert text.json()["details"] == [
        {"field": None, "message": "expected application/json, got text/plain"}
    ]


@pytest.mark.parametrize(
    ("path", "method", "parameters", "response"),
    [
        (
            "/api/interview/analyze",
            "post",
            [("Idempotency-Key", "header", False)],
            ("202", "InterviewJobResponse"),
        ),
        ("/api/interview/job/{job_id}", "get", [("job_id", "path", True)], ("200", "JobOut")),
    ],
)
def test_the_plain_handlers_are_declared_like_the_other_routes(
    app: FastAPI,
    path: str,
    method: str,
    parameters: list[tuple[str, str, bool]],
    response: tuple[str, str],
) -> None:
    operation = app.openapi()["paths"][path][method]
    assert operation["security"] == [{"bearerAuth": []}]
    declared = [(p["name"], p["in"], p.get("required", False)) for p in operation["parameters"]]
    assert declared == parameters
    status, model = response
    assert operation["responses"][status]["content"]["application/json"]["schema"] == {
        "$ref": f"#/components/schemas/{model}"
    }
    for code in ("401", "404", "422"):
        assert code in operation["responses"]
    if method == "post":
        body = operation["requestBody"]["content"]["application/json"]["schema"]
        assert body == {"$ref": "#/components/schemas/AnalyzeRequest"}
        assert "videoUrl" in app.openapi()["components"]["schemas"]["AnalyzeRequest"]["properties"]


def _count(metrics: str, route: str, status: str) -> float:
    for line in metrics.splitlines():
        if line.startswith("interview_jobs_http_requests_total{") and (
            f'route="{route}"' in line and f'status="{status}"' in line
        ):
            return float(line.rsplit(" ", 1)[1])
    return 0.0


async def test_each_request_is_counted_once_whatever_its_answer(
    client: httpx.AsyncClient, alice: dict[str, str]
) -> None:
    job = (await client.post("/api/interview/analyze", json=VIDEO, headers=alice)).json()
    route = "/api/interview/job/{job_id}"
    for _ in range(3):
        assert (await client.get(f"/api/interview/job/{job['jobId']}", headers=alice)).is_success
    assert (await client.get("/api/interview/job/nope", headers=alice)).status_code == 404
    assert (await client.get(f"/api/interview/job/{job['jobId']}")).status_code == 401
    metrics = (await client.get("/metrics")).text
    assert _count(metrics, route, "200") == 3
    assert _count(metrics, route, "404") == 1
    assert _count(metrics, route, "401") == 1
    assert _count(metrics, "/api/interview/analyze", "202") == 1
