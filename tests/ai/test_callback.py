"""Callback delivery: signing, retry policy, outcomes. The API side is an httpx MockTransport —
the outer edge of this unit; the real API is exercised by the end-to-end tests."""

from __future__ import annotations

import json
from collections.abc import Callable

import httpx
import pytest

from interview_jobs.ai.callback import CallbackClient, Outcome, retry_after_seconds
from interview_jobs.config import _new_secret
from interview_jobs.contracts.callback import CallbackRequest, SeedCallback
from interview_jobs.contracts.webhooks import verify

SECRET = _new_secret("webhook_secret")
URL = "http://api.test/api/interview/analysis-callback"


def _client(
    handler: Callable[[httpx.Request], httpx.Response], sleeps: list[float]
) -> CallbackClient:
    return CallbackClient(
        api_key="cb-key",
        webhook_secret=SECRET,
        client=httpx.Client(transport=httpx.MockTransport(handler)),
        min_backoff=0.5,
        max_backoff=8,
        sleep=sleeps.append,
    )


def _payload(status: str = "COMPLETED") -> CallbackRequest:
    return CallbackRequest(job_id="job-1", status=status, analysis_data={"score": 80}, attempt=2)


def _ok() -> httpx.Response:
    """The API's answer: it echoes the job."""
    return httpx.Response(200, json={"jobId": "job-1", "status": "COMPLETED", "message": "ok"})


def test_signed_with_api_key_and_standard_webhooks() -> None:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, json={"jobId": "job-1", "status": "COMPLETED", "message": "ok"})

    result = _client(handler, []).send(URL, _payload())
    assert result.outcome is Outcome.APPLIED
    request = seen[0]
    assert request.headers["X-API-Key"] == "cb-key"
    assert verify(SECRET, request.content, request.headers)  # raises if the signature is wrong
    body = json.loads(request.content)
    assert body == {
        "jobId": "job-1",
        "status": "COMPLETED",
        "analysisData": {"score": 80},
        "errorMessage": None,
        "progress": None,
        "attempt": 2,
        "durationSeconds": None,
        "phase": None,
    }


def test_retries_5xx_and_network_errors_with_one_webhook_id() -> None:
    answers = [
        httpx.ConnectError("refused"),
        httpx.Response(502),
        httpx.Response(503),
        _ok(),
    ]
    ids: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        ids.append(request.headers["webhook-id"])
        verify(SECRET, request.content, request.headers)  # re-signed on every try
        answer = answers.pop(0)
        if isinstance(answer, Exception):
            raise answer
        return answer

    sleeps: list[float] = []
    result = _client(handler, sleeps).send(URL, _payload(), give_up_after=3600)
    assert result.outcome is Outcome.APPLIED
    assert len(ids) == 4 and len(set(ids)) == 1, "one logical callback keeps one webhook-id"
    assert len(sleeps) == 3
    assert all(0 < s <= 8 for s in sleeps)


def test_honours_retry_after_on_429() -> None:
    answers = [httpx.Response(429, headers={"Retry-After": "3"}), _ok()]
    sleeps: list[float] = []
    result = _client(lambda r: answers.pop(0), sleeps).send(URL, _payload(), give_up_after=60)
    assert result.outcome is Outcome.APPLIED
    assert sleeps == [3.0]


@pytest.mark.parametrize(
    ("code", "outcome"),
    [
        (409, Outcome.CONFLICT),
        (404, Outcome.GONE),
        (401, Outcome.REJECTED),
        (422, Outcome.REJECTED),
    ],
)
def test_4xx_is_never_retried(code: int, outcome: Outcome) -> None:
    calls: list[int] = []

    def handler(request: httpx.Request) -> httpx.Response:
        calls.append(1)
        return httpx.Response(code, json={"error": "X", "message": "why", "details": None})

    result = _client(handler, []).send(URL, _payload(), give_up_after=3600)
    assert result.outcome is outcome
    assert calls == [1]
    assert "why" in result.detail


@pytest.mark.parametrize(
    "answer",
    [
        httpx.Response(200, text="OK"),  # a catch-all page
        httpx.Response(200, json={"jobId": "another-job", "status": "COMPLETED"}),
        httpx.Response(204),
        httpx.Response(404, json={"detail": "Not Found"}),  # another FastAPI app on the port
        httpx.Response(404, text="<html>Not Found</html>"),
        httpx.Response(409, text="conflict"),
        httpx.Response(302, headers={"Location": "http://elsewhere.test/"}),
    ],
    ids=["200-text", "200-other-job", "204", "404-fastapi", "404-html", "409-text", "302"],
)
def test_an_endpoint_that_does_not_answer_like_the_api_gets_no_second_try(
    answer: httpx.Response,
) -> None:
    calls: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        calls.append(request)
        return answer

    result = _client(handler, []).send(URL, _payload(), give_up_after=3600)
    assert result.outcome is Outcome.STRANGER
    assert result.outcome.stop_work
    assert len(calls) == 1, "the key is not sent there again"


def test_a_refusal_stops_the_job_too() -> None:
    # e.g. another installation of ours on the port: its keys are not ours.
    assert Outcome.REJECTED.stop_work and Outcome.CONFLICT.stop_work and Outcome.GONE.stop_work
    assert not Outcome.APPLIED.stop_work and not Outcome.UNDELIVERED.stop_work


def test_seed_form_is_exactly_the_originals_dto_and_still_signed() -> None:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return _ok()  # the original answers its InterviewJobResponse, with the jobId

    result = _client(handler, []).send(URL, SeedCallback.of(_payload()))
    assert result.outcome is Outcome.APPLIED
    body = json.loads(seen[0].content)
    assert body == {
        "jobId": "job-1",
        "analysisData": '{"score":80}',
        "status": "COMPLETED",
        "errorMessage": None,
    }
    assert json.loads(body["analysisData"]) == {"score": 80}
    assert seen[0].headers["X-API-Key"] == "cb-key"
    assert verify(SECRET, seen[0].content, seen[0].headers)
    failed = SeedCallback.of(
        CallbackRequest(job_id="job-1", status="FAILED", error_message="no video", attempt=1)
    )
    assert failed.wire() == {
        "jobId": "job-1",
        "analysisData": None,
        "status": "FAILED",
        "errorMessage": "no video",
    }
    with pytest.raises(ValueError, match="PROCESSING"):
        SeedCallback.of(CallbackRequest(job_id="job-1", status="PROCESSING", progress=5))


def test_gives_up_after_the_budget() -> None:
    sleeps: list[float] = []
    result = _client(lambda r: httpx.Response(503), sleeps).send(URL, _payload(), give_up_after=0)
    assert result.outcome is Outcome.UNDELIVERED
    assert sleeps == []


def test_should_stop_ends_the_wait() -> None:
    result = _client(lambda r: httpx.Response(503), []).send(
        URL, _payload(), give_up_after=3600, should_stop=lambda: True
    )
    assert result.outcome is Outcome.UNDELIVERED


@pytest.mark.parametrize(
    ("value", "seconds"),
    [("5", 5.0), (None, None), ("soon", None), ("Wed, 21 Oct 2015 07:28:00 GMT", 0.0)],
)
def test_retry_after_parsing(value: str | None, seconds: float | None) -> None:
    assert retry_after_seconds(value) == seconds
