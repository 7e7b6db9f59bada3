"""Ownership matrix: another user's job or file is a 404 on every endpoint; no token is a 401."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from tests.api.conftest import create_job, mp4_bytes, upload


def job_endpoints(job_id: str) -> list[tuple[str, str, dict[str, Any]]]:
    return [
        ("GET", f"/api/interview/job/{job_id}", {}),
        ("GET", f"/api/interview/job/{job_id}/detail", {}),
        ("GET", f"/api/interview/job/{job_id}/events", {}),
        ("POST", f"/api/interview/job/{job_id}/cancel", {}),
        ("DELETE", f"/api/interview/job/{job_id}", {}),
        ("GET", f"/api/interview/jobs?before={job_id}", {}),
    ]


def file_endpoints(file_id: int) -> list[tuple[str, str, dict[str, Any]]]:
    return [
        ("GET", f"/api/files/{file_id}", {}),
        ("GET", f"/api/files/{file_id}/content", {}),
        ("DELETE", f"/api/files/{file_id}", {}),
        ("POST", "/api/interview/analyze", {"json": {"fileId": file_id}}),
        (
            "POST",
            "/api/interview/analyze",
            {"json": {"fileId": file_id, "videoUrl": "https://x.example/v.mp4"}},
        ),
    ]


async def test_other_users_jobs_and_files_are_404_everywhere(
    client: httpx.AsyncClient, alice: dict[str, str], bob: dict[str, str]
) -> None:
    meta = await upload(client, alice)
    job = await create_job(client, alice, fileId=meta["id"])
    for method, path, kwargs in job_endpoints(job["jobId"]) + file_endpoints(meta["id"]):
        r = await client.request(method, path, headers=bob, **kwargs)
        assert r.status_code == 404, (method, path, r.text)
        assert r.json()["error"] == "NotFound"
    # Bob's lists don't show them; nothing was changed for Alice.
    assert (await client.get("/api/interview/jobs", headers=bob)).json() == []
    assert (await client.get("/api/files", headers=bob)).json() == []
    r = await client.get(f"/api/interview/job/{job['jobId']}", headers=alice)
    assert r.json()["status"] == "PENDING"
    assert (await client.get(f"/api/files/{meta['id']}", headers=alice)).status_code == 200


PROTECTED = [
    ("GET", "/api/auth/me", {}),
    ("POST", "/api/files", {"files": {"file": ("a.mp4", mp4_bytes())}}),
    ("GET", "/api/files", {}),
    ("GET", "/api/files/1", {}),
    ("GET", "/api/files/1/content", {}),
    ("DELETE", "/api/files/1", {}),
    ("POST", "/api/interview/analyze", {"json": {"videoUrl": "https://x.example/v.mp4"}}),
    ("GET", "/api/interview/jobs", {}),
    ("GET", "/api/interview/job/x", {}),
    ("GET", "/api/interview/job/x/detail", {}),
    ("GET", "/api/interview/job/x/events", {}),
    ("POST", "/api/interview/job/x/cancel", {}),
    ("DELETE", "/api/interview/job/x", {}),
]


@pytest.mark.parametrize(("method", "path", "kwargs"), PROTECTED)
async def test_no_token_is_401(
    client: httpx.AsyncClient, method: str, path: str, kwargs: dict[str, Any]
) -> None:
    r = await client.request(method, path, **kwargs)
    assert r.status_code == 401
    assert r.json()["error"] == "Unauthorized"
