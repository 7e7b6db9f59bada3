"""Our AI backend behind the original's Java backend (issue 16), replayed for real.

The original (potate4/CareerOS) forwards ``POST {ai}/api/v1/interview/analyze`` with only
``Content-Type: application/json`` — no key — and the body below, probes
``GET {ai}/api/v1/interview/health``, and receives results at
``POST /api/interview/analysis-callback`` into ``InterviewAnalysisCallbackRequest``: four String
fields, ``analysisData`` a JSON *string*, status COMPLETED or FAILED. Here a real ``interview-jobs
ai`` process (embedded queue, tiny model) runs with ``AI_UNKEYED_FORWARD_FROM=127.0.0.1`` and
``CALLBACK_FORMAT=seed``; a loopback recorder stands in for the Java backend: it parses every
callback with a strict model of that DTO and answers as the original does.
"""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import httpx
import pytest
from pydantic import BaseModel, ConfigDict, ValidationError
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import FileResponse, JSONResponse, PlainTextResponse, Response
from starlette.routing import Route

from interview_jobs.ai.app import create_ai_app
from interview_jobs.config import get_settings
from interview_jobs.contracts.analysis import AnalysisResult
from interview_jobs.contracts.webhooks import verify
from tests.media.generate import make_clip
from tests.support.servers import ServerThread, free_port, serve
from tests.support.system import TEST_SECRETS, Process, wait_http

pytestmark = pytest.mark.slow

FORWARD = "/api/v1/interview/analyze"
# Exactly the headers the original's RestTemplate call sets (httpx adds Host, Content-Length,
# Accept, User-Agent as any client does).
ORIGINAL_HEADERS = {"Content-Type": "application/json"}


class OriginalCallback(BaseModel):
    """The Java DTO, strictly: String fields (no object where a string is), no other fields."""

    model_config = ConfigDict(extra="forbid", strict=True)

    jobId: str
    analysisData: str | None
    status: Literal["COMPLETED", "FAILED"]
    errorMessage: str | None


@dataclass
class Received:
    body: bytes
    headers: dict[str, str]
    parsed: OriginalCallback | None
    problem: str | None


@dataclass
class Recorder:
    """The original's backend, as far as callbacks go, plus a video host."""

    media: dict[str, Path]
    received: list[Received] = field(default_factory=list)

    def app(self) -> Starlette:
        async def callback(request: Request) -> Response:
            body = await request.body()
            try:
                parsed = OriginalCallback.model_validate_json(body)
            except ValidationError as exc:
                self.received.append(Received(body, dict(request.headers), None, str(exc)))
                # The original answers any failure with 400 and a MessageResponse.
                return JSONResponse({"message": f"Analysis callback failed: {exc}"}, 400)
            self.received.append(Received(body, dict(request.headers), parsed, None))
            now = time.strftime("%Y-%m-%dT%H:%M:%S.000000")
            return JSONResponse(  # its InterviewJobResponse
                {
                    "jobId": parsed.jobId,
                    "status": parsed.status,
                    "message": "Job updated",
                    "createdAt": now,
                    "estimatedCompletionTime": now,
                }
            )

        async def video(request: Request) -> Response:
            path = self.media.get(request.path_params["name"])
            if path is None:
                return PlainTextResponse("no such video", status_code=404)
            return FileResponse(path, media_type="video/mp4")

        return Starlette(
            routes=[
                Route("/api/interview/analysis-callback", callback, methods=["POST"]),
                Route("/v/{name}", video),
            ]
        )

    def of(self, job_id: str) -> list[Received]:
        return [r for r in self.received if json.loads(r.body).get("jobId") == job_id]

    def wait_for(self, job_id: str, timeout: float, settle: float = 3.0) -> list[Received]:
        """The callbacks of a job, once one came and ``settle`` seconds brought no other."""
        deadline = time.monotonic() + timeout
        while not self.of(job_id):
            if time.monotonic() > deadline:
                return []
            time.sleep(0.2)
        time.sleep(settle)
        return self.of(job_id)


@pytest.fixture(scope="module")
def media(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    d = tmp_path_factory.mktemp("compat-media")
    make_clip(d / "good.mp4", 6)
    data = (d / "good.mp4").read_bytes()
    (d / "truncated.mp4").write_bytes(data[: len(data) * 6 // 10])  # the end (and index) cut off
    (d / "notes.mp4").write_text("These are my interview notes, not a video.\n" * 20)
    return {"good": d / "good.mp4", "broken": d / "truncated.mp4", "notes": d / "notes.mp4"}


@pytest.fixture(scope="module")
def recorder(media: dict[str, Path]) -> Iterator[tuple[Recorder, ServerThread]]:
    rec = Recorder(media)
    with serve(rec.app()) as server:
        yield rec, server


@dataclass
class Backend:
    url: str
    process: Process


@pytest.fixture(scope="module")
def backend(
    tmp_path_factory: pytest.TempPathFactory, recorder: tuple[Recorder, ServerThread]
) -> Iterator[Backend]:
    _, server = recorder
    workdir = tmp_path_factory.mktemp("compat-ai")
    port = free_port()
    env = {
        **TEST_SECRETS,
        "INTERVIEW_JOBS_DATA_DIR": str(workdir / "data"),
        "INTERVIEW_JOBS_API_URL": server.url,
        "INTERVIEW_JOBS_AI_UNKEYED_FORWARD_FROM": "127.0.0.1",
        "INTERVIEW_JOBS_CALLBACK_FORMAT": "seed",
        "INTERVIEW_JOBS_TRUSTED_VIDEO_HOSTS": json.dumps([f"127.0.0.1:{server.port}"]),
        "INTERVIEW_JOBS_ASR_MODEL": "tiny.en",
        "INTERVIEW_JOBS_WORKER_PROCESSES": "1",
        "INTERVIEW_JOBS_LOG_LEVEL": "INFO",
        # uvicorn would believe X-Forwarded-For from anyone with this: the AI backend must not.
        "FORWARDED_ALLOW_IPS": "*",
    }
    process = Process("ai", ["ai", "--port", str(port)], env, workdir).start()
    try:
        wait_http(f"http://127.0.0.1:{port}/ready", proc=process)
        yield Backend(f"http://127.0.0.1:{port}", process)
    finally:
        process.stop(timeout=30)


def _original_forward(video_url: str, **overrides: Any) -> dict[str, Any]:
    return {
        "videoUrl": video_url,
        "analysisType": "comprehensive",
        "userId": "1",
        "jobId": str(uuid.uuid4()),
        "fileId": 7,
        **overrides,
    }


def _post(url: str, body: dict[str, Any], source: str = "127.0.0.1", **headers: str) -> Any:
    with httpx.Client(transport=httpx.HTTPTransport(local_address=source), timeout=15) as http:
        return http.post(f"{url}{FORWARD}", content=json.dumps(body), headers=headers)


def test_without_the_setting_the_originals_forward_is_401(tmp_path: Path) -> None:
    settings = get_settings(data_dir=tmp_path, queue_name="compat_nokey")
    with serve(create_ai_app(settings, run_embedded_workers=False)) as server:
        body = _original_forward("https://videos.example.com/a.webm")
        answer = _post(server.url, body, **ORIGINAL_HEADERS)
    assert answer.status_code == 401
    assert answer.json()["message"] == "a valid X-API-Key header is required"


def test_the_originals_health_probe(backend: Backend) -> None:
    probe = httpx.get(f"{backend.url}/api/v1/interview/health", timeout=10)
    assert probe.status_code == 200
    assert probe.json()["status"] == "healthy"


def test_the_originals_forward_completes_with_one_parseable_callback(
    backend: Backend, recorder: tuple[Recorder, ServerThread]
) -> None:
    rec, server = recorder
    body = _original_forward(f"{server.url}/v/good")
    answer = _post(backend.url, body, **ORIGINAL_HEADERS)
    assert answer.status_code == 202, answer.text
    assert answer.json() == {"jobId": body["jobId"], "status": "QUEUED"}
    got = rec.wait_for(body["jobId"], timeout=180)
    assert len(got) == 1, [(r.body[:200], r.problem) for r in got] or backend.process.log_tail()
    callback = got[0]
    assert callback.parsed is not None, callback.problem
    assert callback.parsed.status == "COMPLETED" and callback.parsed.errorMessage is None
    assert isinstance(callback.parsed.analysisData, str)
    report = AnalysisResult.model_validate(json.loads(callback.parsed.analysisData))
    assert report.analysisType == "comprehensive" and report.metrics.durationSeconds > 5
    # Still our key and signature (the original ignores them).
    assert callback.headers["x-api-key"] == TEST_SECRETS["INTERVIEW_JOBS_CALLBACK_API_KEY"]
    assert verify(TEST_SECRETS["INTERVIEW_JOBS_WEBHOOK_SECRET"], callback.body, callback.headers)
    log = backend.process.log_path.read_text()
    assert f"keyless forward of job {body['jobId']} attempt 1 from 127.0.0.1" in log


def test_a_broken_video_gets_one_failed_callback_with_the_reason(
    backend: Backend, recorder: tuple[Recorder, ServerThread]
) -> None:
    rec, server = recorder
    body = _original_forward(f"{server.url}/v/broken")
    assert _post(backend.url, body, **ORIGINAL_HEADERS).status_code == 202
    got = rec.wait_for(body["jobId"], timeout=120)
    assert [r.parsed.status if r.parsed else r.problem for r in got] == ["FAILED"]
    failed = got[0].parsed
    assert failed is not None and failed.analysisData is None
    assert failed.errorMessage and "incomplete" in failed.errorMessage


def test_analysis_type_null_is_the_default(
    backend: Backend, recorder: tuple[Recorder, ServerThread]
) -> None:
    rec, server = recorder
    # (a link that answers 404, so that the job ends quickly)
    body = _original_forward(f"{server.url}/v/nothing-here", analysisType=None)
    answer = _post(backend.url, body, **ORIGINAL_HEADERS)
    assert answer.status_code == 202, answer.text
    got = rec.wait_for(body["jobId"], timeout=30)
    assert [r.parsed.status if r.parsed else r.problem for r in got] == ["FAILED"]


def test_refused_from_an_address_not_in_the_list(backend: Backend) -> None:
    body = _original_forward("https://videos.example.com/a.webm")
    # 127.0.0.2 is loopback too, but not the listed 127.0.0.1.
    assert _post(backend.url, body, source="127.0.0.2", **ORIGINAL_HEADERS).status_code == 401
    # Nor can it claim to be 127.0.0.1 through a proxy header.
    spoofed = _post(
        backend.url,
        body,
        source="127.0.0.2",
        **ORIGINAL_HEADERS,
        **{"X-Forwarded-For": "127.0.0.1", "X-Real-IP": "127.0.0.1"},
    )
    assert spoofed.status_code == 401


@pytest.mark.parametrize(
    ("link", "reason"),
    [
        ("https://nonexistent.invalid/nonexistent.mp4", "nonexistent.invalid does not exist"),
        ("{video_host}/v/nothing-here", "HTTP 404"),
        ("{video_host}/v/notes", "did not return an MP4, MOV, WebM or MKV video"),
    ],
    ids=["no-such-host", "4xx", "not-a-video"],
)
def test_a_link_that_cannot_work_fails_within_seconds_with_the_reason(
    backend: Backend, recorder: tuple[Recorder, ServerThread], link: str, reason: str
) -> None:
    """Issue 13: no retries with backoff for a link that can never work. The first retry of a
    transient failure would come after TASK_MIN_BACKOFF_SECONDS (5 s) and the last after
    minutes; the FAILED callback must come at once."""
    rec, server = recorder
    body = _original_forward(link.format(video_host=server.url))
    assert _post(backend.url, body, **ORIGINAL_HEADERS).status_code == 202
    got = rec.wait_for(body["jobId"], timeout=20, settle=1.0)
    assert len(got) == 1 and got[0].parsed is not None, backend.process.log_tail()
    assert got[0].parsed.status == "FAILED"
    assert got[0].parsed.errorMessage and reason in got[0].parsed.errorMessage
