"""The seed's job endpoints and the (ext) ones: create, status, detail, list, cancel, delete,
Idempotency-Key."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest

from tests.api.conftest import create_job, upload

VIDEO = "https://videos.example.com/interview.mp4"


async def test_create_returns_202_with_the_seed_response(
    client: httpx.AsyncClient, alice: dict[str, str]
) -> None:
    r = await client.post(
        "/api/interview/analyze", json={"videoUrl": VIDEO, "analysisType": "speech"}, headers=alice
    )
    assert r.status_code == 202
    body = r.json()
    assert set(body) == {
        "jobId",
        "status",
        "message",
        "analysisType",
        "createdAt",
        "estimatedCompletionTime",
    }
    assert body["status"] == "PENDING"
    assert body["analysisType"] == "speech"
    assert r.headers["Location"] == f"/api/interview/job/{body['jobId']}"
    created = datetime.fromisoformat(body["createdAt"])
    assert datetime.fromisoformat(body["estimatedCompletionTime"]) > created


async def test_status_and_detail(client: httpx.AsyncClient, alice: dict[str, str]) -> None:
    job = await create_job(client, alice)
    r = await client.get(f"/api/interview/job/{job['jobId']}", headers=alice)
    assert r.status_code == 200
    status = r.json()
    for field in (
        "jobId",
        "status",
        "analysisType",
        "videoUrl",
        "fileId",
        "createdAt",
        "updatedAt",
        "errorMessage",
        "progress",
    ):
        assert field in status
    assert status["videoUrl"] == VIDEO
    assert status["analysisType"] == "comprehensive"
    assert status["fileId"] is None
    assert "detailedAnalysis" not in status
    r = await client.get(f"/api/interview/job/{job['jobId']}/detail", headers=alice)
    assert r.status_code == 200
    assert r.json()["detailedAnalysis"] is None


async def test_create_from_an_uploaded_file(
    client: httpx.AsyncClient, alice: dict[str, str]
) -> None:
    meta = await upload(client, alice)
    job = await create_job(client, alice, fileId=meta["id"], analysisType="VISUAL")
    r = await client.get(f"/api/interview/job/{job['jobId']}", headers=alice)
    assert r.json()["fileId"] == meta["id"]
    assert r.json()["analysisType"] == "visual"
    assert r.json()["videoUrl"].endswith(f"/api/files/{meta['id']}/content")


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({}, None),  # neither videoUrl nor fileId: the whole body
        ({"videoUrl": "not a url"}, "videoUrl"),
        ({"videoUrl": "ftp://example.com/v.mp4"}, "videoUrl"),
        ({"videoUrl": "/relative/v.mp4"}, "videoUrl"),
        ({"videoUrl": VIDEO, "analysisType": "everything"}, "analysisType"),
        ({"fileId": 0}, "fileId"),
        ({"fileId": "abc"}, "fileId"),
        ({"videoUrl": VIDEO, "fileId": [1]}, "fileId"),
    ],
)
async def test_create_validation_is_422(
    client: httpx.AsyncClient, alice: dict[str, str], body: dict[str, Any], field: str | None
) -> None:
    r = await client.post("/api/interview/analyze", json=body, headers=alice)
    assert r.status_code == 422, r.text
    assert field in [d["field"] for d in r.json()["details"]]


@pytest.mark.parametrize("raw", [b"{", b"not json", b'{"videoUrl": "x",}'])
async def test_create_unparseable_is_400(
    client: httpx.AsyncClient, alice: dict[str, str], raw: bytes
) -> None:
    r = await client.post(
        "/api/interview/analyze", content=raw, headers={**alice, "Content-Type": "application/json"}
    )
    assert r.status_code == 400
    assert r.json()["error"] == "BadRequest"


async def test_validation_comes_before_state_checks(
    client: httpx.AsyncClient, alice: dict[str, str]
) -> None:
    # An unknown file AND an invalid analysisType: the 422 wins over the 404.
    r = await client.post(
        "/api/interview/analyze", json={"fileId": 999, "analysisType": "bogus"}, headers=alice
    )
    assert r.status_code == 422
    r = await client.post("/api/interview/analyze", json={"fileId": 999}, headers=alice)
    assert r.status_code == 404


async def test_list_newest_first_with_filters_and_link_pagination(
    client: httpx.AsyncClient, alice: dict[str, str], bob: dict[str, str]
) -> None:
    ids = [(await create_job(client, alice))["jobId"] for _ in range(5)]
    await create_job(client, bob)
    r = await client.post(f"/api/interview/job/{ids[1]}/cancel", headers=alice)
    assert r.status_code == 200

    r = await client.get("/api/interview/jobs", headers=alice)
    assert [j["jobId"] for j in r.json()] == ids[::-1]
    assert "Link" not in r.headers

    r = await client.get("/api/interview/jobs?status=CANCELLED", headers=alice)
    assert [j["jobId"] for j in r.json()] == [ids[1]]
    r = await client.get("/api/interview/jobs?status=PENDING&limit=2", headers=alice)
    assert [j["jobId"] for j in r.json()] == [ids[4], ids[3]]

    seen: list[str] = []
    url: str | None = "/api/interview/jobs?limit=2"
    while url:
        r = await client.get(url, headers=alice)
        assert r.status_code == 200
        seen += [j["jobId"] for j in r.json()]
        link = r.headers.get("Link")
        url = re.match(r'<([^>]+)>; rel="next"', link).group(1) if link else None  # type: ignore[union-attr]
    assert seen == ids[::-1]


@pytest.mark.parametrize("query", ["limit=0", "limit=201", "limit=x", "status=DONE", "before="])
async def test_list_bad_parameters_are_422(
    client: httpx.AsyncClient, alice: dict[str, str], query: str
) -> None:
    r = await client.get(f"/api/interview/jobs?{query}", headers=alice)
    assert r.status_code == 422
    assert r.json()["details"][0]["field"] == query.split("=")[0]


async def test_list_before_unknown_job_is_404(
    client: httpx.AsyncClient, alice: dict[str, str]
) -> None:
    r = await client.get(
        "/api/interview/jobs?before=00000000-0000-0000-0000-000000000000", headers=alice
    )
    assert r.status_code == 404


async def test_cancel_and_delete(client: httpx.AsyncClient, alice: dict[str, str]) -> None:
    job = await create_job(client, alice)
    r = await client.post(f"/api/interview/job/{job['jobId']}/cancel", headers=alice)
    assert r.status_code == 200
    assert r.json()["status"] == "CANCELLED"
    r = await client.post(f"/api/interview/job/{job['jobId']}/cancel", headers=alice)
    assert r.status_code == 409
    assert "CANCELLED" in r.json()["message"]

    r = await client.delete(f"/api/interview/job/{job['jobId']}", headers=alice)
    assert r.status_code == 204
    assert (
        await client.get(f"/api/interview/job/{job['jobId']}", headers=alice)
    ).status_code == 404
    assert (
        await client.delete(f"/api/interview/job/{job['jobId']}", headers=alice)
    ).status_code == 404


async def test_unknown_job_is_404_everywhere(
    client: httpx.AsyncClient, alice: dict[str, str]
) -> None:
    jid = "00000000-0000-0000-0000-000000000000"
    for method, path in [
        ("GET", f"/api/interview/job/{jid}"),
        ("GET", f"/api/interview/job/{jid}/detail"),
        ("GET", f"/api/interview/job/{jid}/events"),
        ("POST", f"/api/interview/job/{jid}/cancel"),
        ("DELETE", f"/api/interview/job/{jid}"),
    ]:
        r = await client.request(method, path, headers=alice)
        assert r.status_code == 404, (method, path)
        assert r.json()["error"] == "NotFound"


async def test_idempotency_key(
    client: httpx.AsyncClient, alice: dict[str, str], bob: dict[str, str]
) -> None:
    key = {"Idempotency-Key": "order-42"}
    body = {"videoUrl": VIDEO}
    first = await client.post("/api/interview/analyze", json=body, headers={**alice, **key})
    again = await client.post("/api/interview/analyze", json=body, headers={**alice, **key})
    assert first.status_code == again.status_code == 202
    assert again.json()["jobId"] == first.json()["jobId"]
    assert again.headers["Location"] == first.headers["Location"]

    other = await client.post(
        "/api/interview/analyze", json={"videoUrl": VIDEO + "?v=2"}, headers={**alice, **key}
    )
    assert other.status_code == 422
    assert "Idempotency-Key" in other.json()["message"]

    # Keys are per user.
    bobs = await client.post("/api/interview/analyze", json=body, headers={**bob, **key})
    assert bobs.status_code == 202
    assert bobs.json()["jobId"] != first.json()["jobId"]

    r = await client.get("/api/interview/jobs", headers=alice)
    assert len(r.json()) == 1

    r = await client.post(
        "/api/interview/analyze", json=body, headers={**alice, "Idempotency-Key": "k" * 300}
    )
    assert r.status_code == 422


async def test_idempotency_key_expires(
    client: httpx.AsyncClient, alice: dict[str, str], app
) -> None:  # type: ignore[no-untyped-def]
    app.state.ctx.settings.idempotency_ttl_seconds = 1
    key = {"Idempotency-Key": "short-lived"}
    first = await create_job(client, {**alice, **key})
    # Age the stored key instead of sleeping.
    from sqlalchemy import update

    from interview_jobs.api.models import IdempotencyKey, utcnow

    async with app.state.ctx.db.sessionmaker() as s, s.begin():
        await s.execute(update(IdempotencyKey).values(created_at=utcnow().replace(year=2000)))
    second = await create_job(client, {**alice, **key})
    assert second["jobId"] != first["jobId"]


@pytest.mark.parametrize(
    ("status", "error", "message"),
    [
        ("PENDING", None, "The job is queued for analysis."),
        ("PROCESSING", None, "The video is being analysed."),
        ("FAILED", "Timed out after 3 attempt(s)", "Timed out after 3 attempt(s)"),
        ("FAILED", None, "The analysis failed."),
    ],
)
def test_a_job_row_is_written_as_the_contract_says(
    status: str, error: str | None, message: str
) -> None:
    """JobOut renders a row: camelCase keys, UTC times with a Z, the status message (or a
    failure's own reason), and the estimate under its seed name."""
    from interview_jobs.api.jobs.repository import JobRow
    from interview_jobs.api.jobs.schemas import JobOut
    from interview_jobs.contracts.common import AnalysisType, JobStatus

    created = datetime(2026, 11, 28, 7, 0, 0, 123456, tzinfo=UTC)
    eta = datetime(2026, 11, 28, 7, 5, 0, 250000, tzinfo=UTC)
    row = JobRow(
        id=7, job_id="6f1c", user_id=3, status=JobStatus(status),
        analysis_type=AnalysisType.SPEECH, video_url=VIDEO, file_id=12, file_name="me.mp4",
        created_at=created, updated_at=created, error_message=error, progress=None, attempt=2,
        estimated_completion_at=eta, questions=None, phase=None, video_deleted_at=None,
    )  # fmt: skip
    written = json.loads(JobOut.of(row).model_dump_json(by_alias=True))
    assert written == {
        "id": 7, "jobId": "6f1c", "userId": 3, "status": status, "message": message,
        "analysisType": "speech", "videoUrl": VIDEO, "fileId": 12, "fileName": "me.mp4",
        "createdAt": "2026-11-28T07:00:00.123456Z", "updatedAt": "2026-11-28T07:00:00.123456Z",
        "errorMessage": error, "progress": None, "attempt": 2,
        "estimatedCompletionTime": "2026-11-28T07:05:00.250000Z", "questions": None,
        "phase": None if JobStatus(status).is_terminal else "queued",
        "videoDeletedAt": None,
    }  # fmt: skip
