"""The AI backend's ingress, on the in-process broker (the RabbitMQ path is in test_broker.py)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from dramatiq import Message
from dramatiq.brokers.stub import StubBroker
from fastapi.testclient import TestClient
from pydantic import ValidationError

from interview_jobs.ai.app import address_in, callback_url_allowed, create_ai_app
from interview_jobs.config import Settings, get_settings
from tests.support.servers import serve

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
    body = r.json()
    assert set(body) == {"error", "message", "details"}
    # An input error's details are a list of {field, message}; the whole body: field null.
    assert body["details"] == [{"field": None, "message": body["message"]}]


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"jobId": ""}, "jobId"),
        ({"analysisType": "tarot"}, "analysisType"),
        ({"attempt": 0}, "attempt"),
        ({"videoUrl": None}, "videoUrl"),
        ({"callbackUrl": "http://attacker.example/steal"}, "callbackUrl"),
        ({"questions": [{"text": "ok"}, {"questionId": "nope-1"}]}, "questions[1].questionId"),
        ({"questions": [{"text": ""}]}, "questions[0].text"),
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
    assert all(set(d) == {"field", "message"} for d in body["details"]), body["details"]
    assert _queue_size(client) == 0


def test_accepts_a_forward_with_questions(client: TestClient, settings: Settings) -> None:
    questions = [{"questionId": "beh-001", "startSeconds": 0}, {"text": "Why us?"}]
    r = client.post(
        "/api/v1/interview/analyze", json=_forward(questions=questions), headers=_headers(settings)
    )
    assert r.status_code == 202, r.text
    assert _queue_size(client) == 1


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


def test_analysis_type_null_means_the_default(client: TestClient, settings: Settings) -> None:
    r = client.post(
        "/api/v1/interview/analyze",
        json=_forward(analysisType=None),
        headers=_headers(settings),
    )
    assert r.status_code == 202, r.text
    runtime = client.app.state.runtime  # type: ignore[attr-defined]
    queued = Message.decode(runtime.broker.queues[runtime.settings.queue_name].get_nowait())
    assert queued.args[0]["analysisType"] == "comprehensive"


# ---- keyless forwards (AI_UNKEYED_FORWARD_FROM), over real loopback HTTP: the peer address is
# what decides, and 127.0.0.2 is another loopback source address on Linux.
@pytest.fixture
def keyless_ingress(tmp_path: Path) -> Iterator[str]:
    settings = get_settings(
        data_dir=tmp_path,
        api_url=API,
        queue_name="ingress_keyless",
        ai_unkeyed_forward_from="127.0.0.1",
    )
    with serve(create_ai_app(settings, run_embedded_workers=False)) as server:
        yield server.url


def _post_from(source: str, url: str, body: object, **headers: str) -> httpx.Response:
    transport = httpx.HTTPTransport(local_address=source)
    with httpx.Client(transport=transport, timeout=10) as http:
        return http.post(f"{url}/api/v1/interview/analyze", json=body, headers=headers)


def test_keyless_forward_only_from_the_listed_sources(
    keyless_ingress: str, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level("INFO", logger="interview_jobs.ai.app"):
        accepted = _post_from("127.0.0.1", keyless_ingress, _forward(jobId="keyless-1"))
    assert accepted.status_code == 202, accepted.text
    assert "keyless forward of job keyless-1 attempt 1 from 127.0.0.1" in caplog.text
    refused = _post_from("127.0.0.2", keyless_ingress, _forward(jobId="keyless-2"))
    assert refused.status_code == 401
    assert refused.json()["error"] == "Unauthorized"
    # A key that is sent is checked, also from an allowed source.
    wrong = _post_from(
        "127.0.0.1", keyless_ingress, _forward(jobId="keyless-3"), **{"X-API-Key": "wrong"}
    )
    assert wrong.status_code == 401
    metrics = httpx.get(f"{keyless_ingress}/metrics").text
    assert "interview_ai_unkeyed_forwards_total 1.0" in metrics


def test_without_the_setting_a_key_is_required_from_anywhere(tmp_path: Path) -> None:
    settings = get_settings(data_dir=tmp_path, api_url=API, queue_name="ingress_nokey")
    assert settings.ai_unkeyed_forward_from == []
    with serve(create_ai_app(settings, run_embedded_workers=False)) as server:
        assert _post_from("127.0.0.1", server.url, _forward()).status_code == 401


@pytest.mark.parametrize(
    ("peer", "networks", "inside"),
    [
        ("127.0.0.1", ["127.0.0.1"], True),
        ("127.0.0.2", ["127.0.0.1"], False),
        ("10.1.2.3", ["10.0.0.0/8"], True),
        ("::ffff:10.1.2.3", ["10.0.0.0/8"], True),  # an IPv4 client on a dual-stack socket
        ("::1", ["127.0.0.1"], False),
        ("fd00::5", ["fd00::/64"], True),
        ("testclient", ["127.0.0.1"], False),
        (None, ["127.0.0.1"], False),
        ("127.0.0.1", [], False),
    ],
)
def test_address_in(peer: str | None, networks: list[str], inside: bool) -> None:
    parsed = get_settings(ai_unkeyed_forward_from=",".join(networks)).ai_unkeyed_forward_from
    assert address_in(peer, parsed) is inside


def test_unkeyed_sources_setting_is_parsed_or_refused() -> None:
    as_list = get_settings(ai_unkeyed_forward_from='["10.0.0.5", "192.168.1.7/24"]')
    assert [str(n) for n in as_list.ai_unkeyed_forward_from] == ["10.0.0.5/32", "192.168.1.0/24"]
    with pytest.raises(ValidationError, match="does not appear to be an IPv4 or IPv6 network"):
        get_settings(ai_unkeyed_forward_from="the java backend")
