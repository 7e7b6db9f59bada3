"""Health, readiness, metrics, and the database being down (503, never 500)."""

from __future__ import annotations

from pathlib import Path

import httpx

from interview_jobs.api.app import create_app
from tests.api.conftest import make_settings, running
from tests.support.servers import free_port


async def test_health_ready_metrics(client: httpx.AsyncClient) -> None:
    assert (await client.get("/health")).json() == {"status": "ok"}
    r = await client.get("/ready")
    assert r.status_code == 200
    assert r.json()["database"] == "ok"
    r = await client.get("/metrics")
    assert r.status_code == 200
    assert r.headers["content-type"].startswith("text/plain")
    assert (
        'interview_jobs_http_requests_total{method="GET",route="/ready",status="200"} 1.0' in r.text
    )


async def test_request_metrics_count_each_request_with_a_bounded_label_set(
    client: httpx.AsyncClient,
) -> None:
    for _ in range(3):
        await client.get("/health")
    for method in ("BREW", "PROPFIND", "X" * 40):  # invented methods: one "other" label
        await client.request(method, "/api/nope")
    text = (await client.get("/metrics")).text
    assert 'interview_jobs_http_requests_total{method="GET",route="/health",status="200"} 3.0' in (
        text
    )
    assert 'interview_jobs_http_request_seconds_count{route="/health"} 3.0' in text
    assert 'method="other",route="unmatched",status="404"} 3.0' in text
    assert "BREW" not in text and "PROPFIND" not in text


async def test_unknown_route_and_method_use_the_error_shape(client: httpx.AsyncClient) -> None:
    r = await client.get("/api/nope")
    assert r.status_code == 404
    assert r.json()["error"] == "NotFound"
    r = await client.put("/api/interview/analyze")
    assert r.status_code == 405
    assert set(r.json()) == {"error", "message", "details"}


async def test_database_down_is_503(tmp_path: Path) -> None:
    url = f"postgresql+asyncpg://postgres@127.0.0.1:{free_port()}/nothing"
    settings = make_settings(tmp_path, url)
    app = create_app(settings)
    async with running(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://api.test") as c:
            r = await c.get("/ready")
            assert r.status_code == 503
            assert r.json()["error"] == "ServiceUnavailable"
            r = await c.post("/api/auth/login", json={"username": "alice", "password": "whatever1"})
            assert r.status_code == 503
            assert r.json()["error"] == "ServiceUnavailable"
