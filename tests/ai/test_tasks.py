"""One forwarded job through a worker: real download from a loopback server, the real pipeline in
its child process (tiny model), real signed callbacks to a recording server standing in for the API.
"""

from __future__ import annotations

import os
import signal
import threading
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import FileResponse, JSONResponse, PlainTextResponse, Response
from starlette.routing import Route

from interview_jobs.ai.callback import CallbackClient
from interview_jobs.ai.ledger import Ledger
from interview_jobs.ai.runner import AnalysisProcess
from interview_jobs.ai.tasks import HandBack, RetryLater, WorkerContext, process_forward
from interview_jobs.config import Settings, get_settings
from interview_jobs.contracts.analysis import AnalysisResult
from interview_jobs.contracts.questions import find
from interview_jobs.contracts.webhooks import verify
from tests.media.generate import make_bad_inputs, make_clip
from tests.support.servers import ServerThread, serve

pytestmark = pytest.mark.slow


class FakeApi:
    """Records callbacks (after checking key and signature) and serves the test videos."""

    def __init__(self, media: dict[str, Path], callback_key: str, webhook_secret: str) -> None:
        self.media = media
        self.callbacks: list[dict[str, Any]] = []
        self.answers: dict[str, int] = {}  # jobId -> status code to answer
        self.on_callback: list[Any] = []
        self._key, self._secret = callback_key, webhook_secret
        self.lock = threading.Lock()

    def app(self) -> Starlette:
        async def callback(request: Request) -> Response:
            body = await request.body()
            if request.headers.get("x-api-key") != self._key:
                return JSONResponse({"error": "Unauthorized"}, status_code=401)
            verify(self._secret, body, request.headers)
            data = await request.json()
            with self.lock:
                self.callbacks.append(data)
            for hook in self.on_callback:
                hook(data)
            code = self.answers.get(data["jobId"], 200)
            if code >= 400:  # the API's error shape
                return JSONResponse(
                    {"error": "Conflict", "message": "x", "details": None}, status_code=code
                )
            return JSONResponse(
                {"jobId": data["jobId"], "status": data["status"], "message": "x"}, status_code=code
            )

        async def video(request: Request) -> Response:
            name = request.path_params["name"]
            if name == "unavailable":
                return PlainTextResponse("busy", status_code=503)
            if name not in self.media:
                return PlainTextResponse("no such video", status_code=404)
            return FileResponse(self.media[name], media_type="video/mp4")

        return Starlette(
            routes=[
                Route("/api/interview/analysis-callback", callback, methods=["POST"]),
                Route("/videos/{name}", video),
            ]
        )

    def of(self, job_id: str) -> list[dict[str, Any]]:
        with self.lock:
            return [c for c in self.callbacks if c["jobId"] == job_id]


@pytest.fixture(scope="module")
def media(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    d = tmp_path_factory.mktemp("media")
    files = make_bad_inputs(d / "bad")
    make_clip(d / "good.mp4", 8)
    files["good"] = d / "good.mp4"
    make_clip(d / "long.mp4", 40)
    files["long"] = d / "long.mp4"
    return files


@pytest.fixture(scope="module")
def module_settings(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    return get_settings(
        data_dir=tmp_path_factory.mktemp("data"), asr_model="tiny.en", allow_private_urls=True
    )


@pytest.fixture(scope="module")
def api(
    media: dict[str, Path], module_settings: Settings
) -> Iterator[tuple[FakeApi, ServerThread]]:
    fake = FakeApi(
        media, module_settings.secret("callback_api_key"), module_settings.secret("webhook_secret")
    )
    with serve(fake.app()) as server:
        yield fake, server


@pytest.fixture(scope="module")
def analysis(module_settings: Settings) -> Iterator[AnalysisProcess]:
    process = AnalysisProcess(module_settings.analysis_options())
    process.start()
    yield process
    process.close()


@pytest.fixture
def ctx(
    module_settings: Settings,
    api: tuple[FakeApi, ServerThread],
    analysis: AnalysisProcess,
    tmp_path: Path,
) -> Iterator[WorkerContext]:
    _, server = api
    settings = module_settings.model_copy(
        update={"api_url": server.url, "callback_give_up_seconds": 5.0}
    )
    context = WorkerContext(
        settings=settings,
        ledger=Ledger(tmp_path / "ledger.sqlite3"),
        callbacks=CallbackClient(
            api_key=settings.secret("callback_api_key"),
            webhook_secret=settings.secret("webhook_secret"),
        ),
        analysis=analysis,
    )
    yield context
    context.callbacks.close()
    context.ledger.close()


def _forward(server: ServerThread, video: str, **extra: Any) -> dict[str, Any]:
    return {
        "jobId": str(uuid.uuid4()),
        "videoUrl": f"{server.url}/videos/{video}",
        "analysisType": "comprehensive",
        "userId": "1",
        "attempt": 1,
        **extra,
    }


def _work_dirs(ctx: WorkerContext) -> list[Path]:
    return list((ctx.settings.data_dir / "work").glob("*"))


def test_a_good_video_completes_with_progress(
    ctx: WorkerContext, api: tuple[FakeApi, ServerThread]
) -> None:
    fake, server = api
    payload = _forward(server, "good")
    process_forward(payload, ctx)
    calls = fake.of(payload["jobId"])
    assert [c["status"] for c in calls][-1] == "COMPLETED"
    processing = [c for c in calls if c["status"] == "PROCESSING"]
    assert processing and processing[0]["progress"] == 0
    progress = [c["progress"] for c in processing]
    assert progress == sorted(progress) and max(progress) <= 99
    durations = [c["durationSeconds"] for c in processing if c["durationSeconds"] is not None]
    assert durations and abs(durations[0] - 8.0) < 0.5
    report = AnalysisResult.model_validate(calls[-1]["analysisData"])
    assert report.transcript is not None and len(report.transcript.words) > 10
    assert all(c["attempt"] == 1 for c in calls)
    phases = [c["phase"] for c in processing]
    assert phases[0] == "downloading" and "analysing" in phases and phases[-1] == "scoring"
    order = {"downloading": 0, "analysing": 1, "scoring": 2}
    assert [order[p] for p in phases] == sorted(order[p] for p in phases), phases
    assert calls[-1]["phase"] is None
    assert _work_dirs(ctx) == [], "the per-job directory is removed"
    assert ctx.ledger.unfinished() == []


@pytest.mark.parametrize(
    ("video", "words"),
    [
        ("text_as_mp4", "did not return an MP4, MOV, WebM or MKV video"),
        ("zero_bytes", "empty file"),
        ("nothing-here", "HTTP 404"),
        ("truncated_mp4", "incomplete"),
        ("image_as_mp4", "did not return"),
    ],
)
def test_bad_inputs_fail_with_a_clear_message_and_the_worker_keeps_serving(
    ctx: WorkerContext, api: tuple[FakeApi, ServerThread], video: str, words: str
) -> None:
    fake, server = api
    payload = _forward(server, video)
    process_forward(payload, ctx)
    final = fake.of(payload["jobId"])[-1]
    assert final["status"] == "FAILED"
    assert final["errorMessage"] and words in final["errorMessage"]
    assert _work_dirs(ctx) == []
    # the same worker (same analysis child) still serves the next job
    good = _forward(server, "good", analysisType="speech")
    process_forward(good, ctx)
    assert fake.of(good["jobId"])[-1]["status"] == "COMPLETED"


def test_a_job_with_questions_gets_an_answer_per_question(
    ctx: WorkerContext, api: tuple[FakeApi, ServerThread]
) -> None:
    """The forward's questions reach the pipeline resolved against the bank (text, id,
    category), and split the recording at their times."""
    fake, server = api
    known = find("beh-001")
    assert known is not None
    questions = [
        {"questionId": known.id, "startSeconds": 0},
        {"text": "Why us?", "startSeconds": 4},
    ]
    payload = _forward(server, "good", analysisType="speech", questions=questions)
    process_forward(payload, ctx)
    final = fake.of(payload["jobId"])[-1]
    assert final["status"] == "COMPLETED", final
    answers = final["analysisData"]["answers"]
    asked = [{k: a["question"].get(k) for k in ("text", "id", "category")} for a in answers]
    assert asked == [
        {"text": known.text, "id": known.id, "category": known.category.value},
        {"text": "Why us?", "id": None, "category": None},
    ]
    assert answers[0]["start"] == 0 and answers[1]["start"] == pytest.approx(4, abs=0.5)


def test_question_times_beyond_a_linked_video_fail_the_job_naming_the_item(
    ctx: WorkerContext, api: tuple[FakeApi, ServerThread]
) -> None:
    """The API cannot know a URL's length: the worker checks the times once it has the video."""
    fake, server = api
    questions = [
        {"text": "Why us?", "startSeconds": 1},
        {"questionId": "beh-001", "startSeconds": 30},
    ]
    payload = _forward(server, "good", questions=questions)  # an 8 s clip
    process_forward(payload, ctx)
    final = fake.of(payload["jobId"])[-1]
    assert final["status"] == "FAILED"
    assert final["errorMessage"] == (
        "The questions do not fit the video: questions[1].startSeconds 30.0 is beyond the video "
        "(8.0 s)."
    )
    assert _work_dirs(ctx) == []


def test_transient_download_errors_are_retried_then_failed(
    ctx: WorkerContext, api: tuple[FakeApi, ServerThread]
) -> None:
    fake, server = api
    payload = _forward(server, "unavailable")
    with pytest.raises(RetryLater, match="HTTP 503"):
        process_forward(payload, ctx, retries_so_far=0, max_retries=2)
    assert all(c["status"] == "PROCESSING" for c in fake.of(payload["jobId"]))
    assert [p.job_id for p in ctx.ledger.unfinished()] == [payload["jobId"]]
    process_forward(payload, ctx, retries_so_far=2, max_retries=2)  # the last try reports
    final = fake.of(payload["jobId"])[-1]
    assert final["status"] == "FAILED" and "503" in final["errorMessage"]


def test_a_host_that_does_not_exist_fails_at_once(
    ctx: WorkerContext, api: tuple[FakeApi, ServerThread]
) -> None:
    fake, _ = api
    payload = {**_forward(api[1], "x"), "videoUrl": "https://nonexistent.invalid/interview.mp4"}
    process_forward(payload, ctx, retries_so_far=0, max_retries=5)  # no RetryLater: no retry
    calls = fake.of(payload["jobId"])
    assert [c["status"] for c in calls] == ["PROCESSING", "FAILED"]
    assert calls[0]["phase"] == "downloading"
    assert "nonexistent.invalid does not exist" in calls[-1]["errorMessage"]
    assert ctx.ledger.unfinished() == []


@pytest.mark.parametrize(
    "answer",
    [
        JSONResponse({"error": "Unauthorized", "message": "bad key", "details": None}, 401),
        JSONResponse({"detail": "Not Found"}, 404),
        PlainTextResponse("OK"),
    ],
    ids=["another-installation-401", "stranger-404", "stranger-200"],
)
def test_no_callback_after_a_refusal_or_a_stranger(
    ctx: WorkerContext,
    media: dict[str, Path],
    tmp_path: Path,
    answer: Response,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """The callback URL answers like another server (or another installation with other keys):
    one callback reaches it, then nothing more — no analysis, no result carrying the key."""
    seen: list[bytes] = []

    async def callback(request: Request) -> Response:
        seen.append(await request.body())
        return answer

    async def video(request: Request) -> Response:
        return FileResponse(media["good"], media_type="video/mp4")

    stranger = Starlette(
        routes=[
            Route("/api/interview/analysis-callback", callback, methods=["POST"]),
            Route("/v.mp4", video),
        ]
    )
    with serve(stranger) as server:
        ctx.settings = ctx.settings.model_copy(update={"api_url": server.url})
        payload = _forward(server, "x") | {"videoUrl": f"{server.url}/v.mp4"}
        with caplog.at_level("ERROR", logger="interview_jobs.ai.callback"):
            process_forward(payload, ctx)
    assert len(seen) == 1, [b[:80] for b in seen]
    assert "no more callbacks are sent there for this job" in caplog.text
    assert ctx.ledger.unfinished() == []


def test_a_409_from_the_api_stops_the_work(
    ctx: WorkerContext, api: tuple[FakeApi, ServerThread]
) -> None:
    fake, server = api
    payload = _forward(server, "long")
    fake.answers[payload["jobId"]] = 409  # e.g. the user cancelled it
    process_forward(payload, ctx)
    statuses = [c["status"] for c in fake.of(payload["jobId"])]
    assert statuses == ["PROCESSING"], "one progress update, then nothing: no result is sent"
    assert ctx.ledger.unfinished() == []


def test_a_crashed_analysis_is_retried_and_the_child_comes_back(
    ctx: WorkerContext, api: tuple[FakeApi, ServerThread]
) -> None:
    fake, server = api
    payload = _forward(server, "long")
    killed: list[int] = []

    def kill_once(data: dict[str, Any]) -> None:
        pid = ctx.analysis.pid
        if (
            data["jobId"] == payload["jobId"]
            and (data.get("progress") or 0) > 5
            and not killed
            and pid
        ):
            killed.append(pid)
            os.kill(pid, signal.SIGKILL)

    fake.on_callback.append(kill_once)
    try:
        with pytest.raises(RetryLater, match="killed by SIGKILL"):
            process_forward(payload, ctx, retries_so_far=0, max_retries=3)
    finally:
        fake.on_callback.remove(kill_once)
    assert killed
    assert _work_dirs(ctx) == []
    process_forward(payload, ctx, retries_so_far=1, max_retries=3)
    assert fake.of(payload["jobId"])[-1]["status"] == "COMPLETED"
    assert ctx.analysis.pid not in (None, killed[0])


def test_time_limit_fails_the_job(ctx: WorkerContext, api: tuple[FakeApi, ServerThread]) -> None:
    fake, server = api
    ctx.settings = ctx.settings.model_copy(update={"task_time_limit_seconds": 1})
    payload = _forward(server, "long")
    process_forward(payload, ctx)
    final = fake.of(payload["jobId"])[-1]
    assert final["status"] == "FAILED" and "time limit" in final["errorMessage"]


def test_a_task_that_keeps_killing_its_worker_ends_failed(
    ctx: WorkerContext, api: tuple[FakeApi, ServerThread]
) -> None:
    fake, server = api
    payload = _forward(server, "good")
    # Three deliveries began and never ended (their worker died each time).
    for _ in range(ctx.settings.max_deliveries):
        ctx.ledger.begin(payload["jobId"], 1, payload)
    process_forward(payload, ctx)
    calls = fake.of(payload["jobId"])
    assert [c["status"] for c in calls] == ["FAILED"]
    assert "interrupted 3 times" in calls[0]["errorMessage"]
    assert ctx.ledger.unfinished() == []


def test_shutdown_hands_the_task_back(
    ctx: WorkerContext, api: tuple[FakeApi, ServerThread]
) -> None:
    fake, server = api
    payload = _forward(server, "long")

    def stop_soon(data: dict[str, Any]) -> None:
        if data["jobId"] == payload["jobId"] and (data.get("progress") or 0) > 5:
            ctx.stop_deadline = 0.0  # the grace period is over
            ctx.stopping.set()

    fake.on_callback.append(stop_soon)
    try:
        with pytest.raises(HandBack):
            process_forward(payload, ctx)
    finally:
        fake.on_callback.remove(stop_soon)
        ctx.stopping.clear()
        ctx.stop_deadline = float("inf")
    assert "COMPLETED" not in [c["status"] for c in fake.of(payload["jobId"])]
    assert [p.job_id for p in ctx.ledger.unfinished()] == [payload["jobId"]]
    assert ctx.ledger.begin(payload["jobId"], 1, payload) == 0, "a hand-back is no interruption"
    assert _work_dirs(ctx) == []


def _on_broker(settings: Settings, kind: str, server: ServerThread, tmp_path: Path) -> Settings:
    """The module's settings on a real broker (``kind``), with a queue of the test's own."""
    from tests.conftest import broker_url

    return settings.model_copy(
        update={
            "api_url": server.url,
            "data_dir": tmp_path,
            "broker_url": broker_url(kind),
            "queue_name": f"{kind}_{uuid.uuid4().hex[:8]}",
        }
    )


@pytest.mark.broker
def test_runtime_requeues_a_handed_back_task(
    module_settings: Settings, api: tuple[FakeApi, ServerThread], tmp_path: Path
) -> None:
    """Through Dramatiq on RabbitMQ: SIGTERM-style shutdown mid-task puts the task back on the
    durable queue (with its retry count), and no result is reported."""
    from dramatiq import Worker

    from interview_jobs.ai.queue import TaskRuntime, make_broker, queue_depth

    fake, server = api
    settings = _on_broker(module_settings, "rabbitmq", server, tmp_path)
    queue = settings.queue_name
    broker = make_broker(settings)
    runtime = TaskRuntime(settings, broker)
    payload = _forward(server, "long")

    def stop_soon(data: dict[str, Any]) -> None:
        if data["jobId"] == payload["jobId"] and (data.get("progress") or 0) > 5:
            runtime.begin_shutdown(grace_seconds=0)

    fake.on_callback.append(stop_soon)
    worker = Worker(broker, queues={queue}, worker_threads=1)
    try:
        runtime.enqueue(payload)
        worker.start()
        deadline = time.monotonic() + 120
        while not runtime.stopping.is_set():
            assert time.monotonic() < deadline
            time.sleep(0.1)
        worker.stop()  # waits for the task in hand, which hands itself back
        runtime.close()
        assert queue_depth(broker, queue) == 1, "the task is back on the queue"
    finally:
        fake.on_callback.remove(stop_soon)
        for name in (queue, f"{queue}.DQ", f"{queue}.XQ"):
            broker.channel.queue_delete(name)
        broker.close()
    assert "COMPLETED" not in [c["status"] for c in fake.of(payload["jobId"])]


@pytest.mark.broker
def test_a_job_through_a_real_worker_on_redis(
    module_settings: Settings, api: tuple[FakeApi, ServerThread], tmp_path: Path
) -> None:
    """Redis is the supported alternative broker: a forwarded job runs to COMPLETED through it."""
    from interview_jobs.ai.queue import TaskRuntime, make_broker, run_worker

    fake, server = api
    settings = _on_broker(module_settings, "redis", server, tmp_path)
    queue = settings.queue_name
    broker = make_broker(settings)
    runtime = TaskRuntime(settings, broker)
    worker = run_worker(runtime, threads=1)
    payload = _forward(server, "good", analysisType="speech")
    try:
        runtime.enqueue(payload)
        deadline = time.monotonic() + 120
        while not any(c["status"] == "COMPLETED" for c in fake.of(payload["jobId"])):
            assert time.monotonic() < deadline, fake.of(payload["jobId"])
            time.sleep(0.1)
    finally:
        worker.stop()
        runtime.close()
        for key in broker.client.keys(f"{broker.namespace}:{queue}*"):
            broker.client.delete(key)
        broker.close()
    report = AnalysisResult.model_validate(fake.of(payload["jobId"])[-1]["analysisData"])
    assert report.analysisType == "speech" and report.metrics.visual is None
