"""Our API behind a separately hosted front end (issue 16): CORS from an allowlist, the original
front end's public health probe, and the seed's detail form — replaying the original front end's
requests (axios from another origin: a preflight, then JSON with ``Authorization: Bearer``)."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

import httpx
import pytest

from interview_jobs.config import ConfigError, get_settings
from tests.api.conftest import login, upload
from tests.api.test_callback import post_callback

FRONT_END = "https://app.example.com"
OTHER = "https://evil.example.net"


@pytest.fixture
def settings_overrides() -> dict[str, Any]:
    return {"cors_allow_origins": f"{FRONT_END}, http://localhost:5173"}


def preflight(origin: str, method: str = "POST", headers: str = "authorization,content-type"):
    return {
        "Origin": origin,
        "Access-Control-Request-Method": method,
        "Access-Control-Request-Headers": headers,
    }


async def test_an_allowed_origin_gets_the_cors_headers(client: httpx.AsyncClient) -> None:
    # The original front end's analyze call: the browser asks first.
    r = await client.options("/api/interview/analyze", headers=preflight(FRONT_END))
    assert r.status_code == 200, r.text
    assert r.headers["access-control-allow-origin"] == FRONT_END
    assert "POST" in r.headers["access-control-allow-methods"]
    allowed = r.headers["access-control-allow-headers"].lower()
    assert "authorization" in allowed and "content-type" in allowed
    assert "access-control-allow-credentials" not in r.headers  # bearer tokens, never cookies

    alice = await login(client, "alice")
    file = await upload(client, alice)
    r = await client.post(
        "/api/interview/analyze",
        json={
            "videoUrl": "https://storage.example.com/x.mp4",
            "analysisType": "comprehensive",
            "userId": 1,
            "fileId": file["id"],
        },
        headers={**alice, "Origin": FRONT_END},
    )
    assert r.status_code == 202, r.text
    assert r.headers["access-control-allow-origin"] == FRONT_END
    assert "location" in r.headers["access-control-expose-headers"].lower()
    assert "Origin" in r.headers["vary"]
    assert "access-control-allow-credentials" not in r.headers

    # An error is readable too (the script can show its message).
    r = await client.get("/api/interview/jobs", headers={"Origin": FRONT_END})
    assert r.status_code == 401
    assert r.headers["access-control-allow-origin"] == FRONT_END


async def test_another_origin_gets_no_cors_header(client: httpx.AsyncClient) -> None:
    r = await client.options("/api/interview/analyze", headers=preflight(OTHER))
    assert r.status_code == 400
    assert not [h for h in r.headers if h.startswith("access-control-")]
    body = r.json()
    assert body["error"] == "BadRequest" and OTHER in body["message"]
    assert body["details"] == [{"field": None, "message": body["message"]}]

    r = await client.get("/api/interview/health", headers={"Origin": OTHER})
    assert r.status_code == 200  # answered, but a browser will not let that page read it
    assert not [h for h in r.headers if h.startswith("access-control-")]
    assert r.headers["vary"] == "Origin"  # a cache keeps it apart from a listed origin's

    # An allowed origin asking for a method that is not offered is refused as well.
    r = await client.options("/api/interview/analyze", headers=preflight(FRONT_END, "PUT"))
    assert r.status_code == 400
    assert "method" in r.json()["message"]


async def test_without_the_setting_no_origin_is_allowed(tmp_path, fresh_db) -> None:
    from interview_jobs.api.app import create_app
    from tests.api.conftest import make_settings, running

    app = create_app(make_settings(tmp_path / "data", fresh_db))
    async with running(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://api.test") as c:
            r = await c.options("/api/interview/analyze", headers=preflight(FRONT_END))
            assert r.status_code == 405  # no CORS: the preflight is just an unknown method
            assert "access-control-allow-origin" not in r.headers
            r = await c.get("/api/interview/health", headers={"Origin": FRONT_END})
            assert "access-control-allow-origin" not in r.headers


@pytest.mark.parametrize("value", ["*", "app.example.com", "https://app.example.com/path"])
def test_the_allowlist_takes_origins_only(value: str) -> None:
    with pytest.raises((ConfigError, ValueError)) as caught:
        get_settings(cors_allow_origins=value)
    assert "origin" in str(caught.value)


async def test_the_original_front_ends_health_probe_needs_no_token(
    client: httpx.AsyncClient,
) -> None:
    r = await client.get("/api/interview/health", headers={"Origin": FRONT_END})
    assert r.status_code == 200
    assert r.json()["status"] == "healthy"
    assert r.headers["access-control-allow-origin"] == FRONT_END


async def test_the_seed_detail_has_the_analysis_as_a_string(client: httpx.AsyncClient) -> None:
    alice = await login(client, "alice")
    r = await client.post(
        "/api/interview/analyze",
        json={"videoUrl": "https://v.example.com/a.mp4", "analysisType": "comprehensive"},
        headers=alice,
    )
    job_id = r.json()["jobId"]
    url = f"/api/interview/job/{job_id}/detail"
    pending = (await client.get(url, params={"format": "seed"}, headers=alice)).json()
    assert pending["detailedAnalysis"] is None and pending["status"] == "PENDING"

    analysis = {"schemaVersion": 1, "score": 85, "summary": "Clear.", "feedback": []}
    done = await post_callback(
        client, {"jobId": job_id, "status": "COMPLETED", "analysisData": analysis}
    )
    assert done.status_code == 200, done.text

    ours = (await client.get(url, headers=alice)).json()
    r = await client.get(url, params={"format": "seed"}, headers={**alice, "Origin": FRONT_END})
    assert r.status_code == 200
    seed = r.json()
    # Exactly the original's InterviewJobDetailResponse.
    assert set(seed) == {
        "jobId", "status", "message", "createdAt", "updatedAt", "detailedAnalysis",
        "errorMessage", "analysisType", "videoUrl", "fileId",
    }  # fmt: skip
    assert isinstance(seed["detailedAnalysis"], str)
    assert json.loads(seed["detailedAnalysis"]) == ours["detailedAnalysis"] == analysis
    assert seed["status"] == "COMPLETED" and seed["jobId"] == job_id
    for name in ("createdAt", "updatedAt"):
        # Zoneless ISO-8601 (a Java LocalDateTime), the same instant as ours in UTC.
        moment = datetime.fromisoformat(seed[name])
        assert moment.tzinfo is None and "+" not in seed[name] and "Z" not in seed[name]
        ours_utc = datetime.fromisoformat(ours[name].replace("Z", "+00:00"))
        assert moment == ours_utc.replace(tzinfo=None)

    bad = await client.get(url, params={"format": "xml"}, headers=alice)
    assert bad.status_code == 422
    assert bad.json()["details"][0]["field"] == "format"
