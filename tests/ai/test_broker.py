"""The ingress on real brokers: a forward becomes a durable message on RabbitMQ / Redis."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from interview_jobs.ai.app import create_ai_app
from interview_jobs.ai.queue import queue_depth
from interview_jobs.config import Settings, get_settings
from tests.conftest import broker_url

pytestmark = pytest.mark.broker

API = "http://127.0.0.1:8000"


@pytest.fixture(params=["rabbitmq", "redis"])
def settings(request: pytest.FixtureRequest, tmp_path: Path) -> Settings:
    return get_settings(
        data_dir=tmp_path,
        api_url=API,
        broker_url=broker_url(request.param),
        queue_name=f"test_{uuid.uuid4().hex[:10]}",
    )


@pytest.fixture
def client(settings: Settings) -> Iterator[TestClient]:
    with TestClient(create_ai_app(settings)) as client:
        yield client
        _delete_queues(client.app.state.runtime.broker, settings.queue_name)  # type: ignore[attr-defined]


def _delete_queues(broker: object, name: str) -> None:
    from dramatiq.brokers.rabbitmq import RabbitmqBroker
    from dramatiq.brokers.redis import RedisBroker

    if isinstance(broker, RabbitmqBroker):
        for queue in (name, f"{name}.DQ", f"{name}.XQ"):
            broker.channel.queue_delete(queue)
    elif isinstance(broker, RedisBroker):
        for key in broker.client.keys(f"{broker.namespace}:{name}*"):
            broker.client.delete(key)


def test_forward_lands_on_the_broker(client: TestClient, settings: Settings) -> None:
    headers = {"X-API-Key": settings.secret("ai_api_key")}
    body = {
        "jobId": str(uuid.uuid4()),
        "videoUrl": "https://videos.example.com/a.mp4",
        "userId": 1,
        "attempt": 1,
    }
    assert client.post("/api/v1/interview/analyze", json=body, headers=headers).status_code == 202
    assert client.post("/api/v1/interview/analyze", json=body, headers=headers).status_code == 202
    runtime = client.app.state.runtime  # type: ignore[attr-defined]
    assert queue_depth(runtime.broker, settings.queue_name) == 1
    ready = client.get("/ready")
    assert ready.status_code == 200 and ready.json()["broker"] is True


def test_ready_is_503_when_the_broker_is_unreachable(tmp_path: Path) -> None:
    settings = get_settings(
        data_dir=tmp_path, broker_url="amqp://guest:guest@127.0.0.1:1/", queue_name="unreachable"
    )
    with TestClient(create_ai_app(settings)) as client:
        r = client.get("/ready")
        assert r.status_code == 503
        assert r.json()["error"] == "ServiceUnavailable"
        body = {"jobId": "j", "videoUrl": "https://v.example.com/a.mp4", "attempt": 1}
        r = client.post(
            "/api/v1/interview/analyze",
            json=body,
            headers={"X-API-Key": settings.secret("ai_api_key")},
        )
        assert r.status_code == 503 and r.headers["Retry-After"]
