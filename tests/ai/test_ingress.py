"""The AI backend's ingress, on the in-process broker (the RabbitMQ path is in test_broker.py)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from dramatiq.brokers.stub import StubBroker
from fastapi.testclient import TestClient

from interview_jobs.ai.app import callback_url_allowed, create_ai_app
from interview_jobs.config import Settings, get_settings

API = "http://api.example:8000"


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return get_settings(data_dir=tmp_path, api_url=API, queue_name="ingress_test")


@pytest.fixture
def client(settings: Settings) -> Iterator[TestClient]:
    app = create_ai_app(settings, run_embedded_workers=False)
    with TestClient(app) as client:
        yield client


def _headers(settings: Settings, key: str | None = None) -> dict[str, str]:
    return {"X-API-Key": key if key is not None else settings.secret("ai_api_key")}


def _forward(**overrides: object) -> dict[str, object]:
    body: dict[str, object] = {
        "jobId": "6f1c2d8e-0000-4000-8000-000000000001",
        "videoUrl": f"{API}/api/files/3/content?expires=1&signature=s",
        "analysisType": "speech",
        "userId": 7,
        "fileId": 3,
        "callbackUrl": f"{API}/api/interview/analysis-callback",
        "attempt": 1,
    }
    body.update(overrides)
    return body


def test_accepts_and_queues_once_per_attempt(client: TestClient, settings: Settings) -> None:
    r = client.post("/api/v1/interview/analyze", json=_forward(), headers=_headers(settings))
    assert r.status_code == 202
    assert r.json() == {"jobId": _forward()["jobId"], "status": "QUEUED"}
    again = client.post("/api/v1/interview/analyze", json=_forward(), headers=_headers(settings))
    assert again.status_code == 202 and again.json()["status"] == "QUEUED"
    retry = client.post(
        "/api/v1/interview/analyze", json=_forward(attempt=2), headers=_headers(settings)
    )
    assert retry.status_code == 202
    assert _queue_size(client) == 2, "a repeat of (jobId, attempt) is not queued twice"


def _queue_size(client: TestClient) -> int:
    runtime = client.app.state.runtime  # type: ignore[attr-defined]
    broker = runtime.broker
    assert isinstance(broker, StubBroker)
    return int(broker.queues[runtime.settings.queue_name].qsize())


def test_accepts_the_original_systems_forward(client: TestClient, settings: Settings) -> None:
    # The Java backend sent userId as a string, no callbackUrl, no attempt.
    legacy = {
        "videoUrl": "https://videos.example.com/a.webm",
        "analysisType": "comprehensive",
        "userId": "42",
        "jobId": "legacy-job",
        "fileId": 9,
    }
    r = client.post("/api/v1/interview/analyze", json=legacy, headers=_headers(settings))
    assert r.status_code == 202, r.text
    health = client.get("/api/v1/interview/health")
    assert health.status_code == 200 and health.json()["status"] == "healthy"


@pytest.mark.parametrize("key", ["", "wrong-key"])
def test_needs_the_api_key(client: TestClient, settings: Settings, key: str) -> None:
    r = client.post("/api/v1/interview/analyze", json=_forward(), headers=_headers(settings, key))
    assert r.status_code == 401
    assert r.json()["error"] == "Unauthorized"
    assert _queue_size(client) == 0


def test_unparseable_body_is_400(client: TestClient, settings: Settings) -> None:
    r = client.post(
        "/api/v1/interview/analyze",
        content=b"{not json",
        headers={**_headers(settings), "Content-Type": "application/json"},
    )
    assert r.status_code == 400
    assert set(r.json()) == {"error", "message", "details"}


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"jobId": ""}, "jobId"),
        ({"analysisType": "tarot"}, "analysisType"),
        ({"attempt": 0}, "attempt"),
        ({"videoUrl": None}, "videoUrl"),
        ({"callbackUrl": "http://attacker.example/steal"}, "callbackUrl"),
    ],
)
def test_invalid_forward_is_422_naming_the_field(
    client: TestClient, settings: Settings, overrides: dict[str, object], field: str
) -> None:
    r = client.post(
        "/api/v1/interview/analyze", json=_forward(**overrides), headers=_headers(settings)
    )
    assert r.status_code == 422
    body = r.json()
    assert body["error"] == "ValidationError"
    assert field in [d["field"] for d in body["details"]]
    assert _queue_size(client) == 0


def test_health_ready_metrics(client: TestClient, settings: Settings) -> None:
    assert client.get("/health").json() == {"status": "ok"}
    assert client.get("/ready").json()["broker"] is True
    client.post("/api/v1/interview/analyze", json=_forward(), headers=_headers(settings))
    metrics = client.get("/metrics").text
    assert 'interview_ai_forwards_total{result="accepted"} 1.0' in metrics
    assert "interview_ai_queue_depth 1.0" in metrics


def test_unknown_path_has_the_error_shape(client: TestClient) -> None:
    r = client.get("/nope")
    assert r.status_code == 404
    assert set(r.json()) == {"error", "message", "details"}


@pytest.mark.parametrize(
    ("url", "ok"),
    [
        (f"{API}/api/interview/analysis-callback", True),
        ("http://api.example:8001/api/interview/analysis-callback", False),
        ("https://api.example:8000/api/interview/analysis-callback", False),
        ("http://api.example:8000.evil.com/x", False),
    ],
)
def test_callback_url_must_be_the_api(url: str, ok: bool) -> None:
    assert callback_url_allowed(url, API) is ok
