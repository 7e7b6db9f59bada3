"""One forwarded job, start to finish: thin orchestration around fetch, the analysis child and
the callbacks. The task engine calls :func:`process_forward`; it decides nothing about queues.

Retry policy (declared here, applied by the engine):

* transient problems (download network error, 5xx/429 from the video server, an analysis process
  that crashed, an operator error such as a missing model) raise :class:`RetryLater`; the engine
  retries with backoff, and on the last allowed try we report FAILED instead of raising;
* permanent problems (bad URL, refused address, 404, not a video, corrupt video, time limit) are
  reported FAILED at once;
* a task delivered more than ``max_deliveries`` times (its worker died each time) is reported
  FAILED without running it again;
* a 409/404 from the API on any callback (job cancelled, deleted, finished elsewhere, or a newer
  attempt exists) stops the work quietly; a refused callback or an endpoint that does not answer
  like the API stops it loudly (see :mod:`interview_jobs.ai.callback`).

PROCESSING callbacks carry ``progress`` and ``phase`` (downloading, analysing, scoring). With
``CALLBACK_FORMAT=seed`` there are none: only the final result, in the original's form.
"""

from __future__ import annotations

import logging
import shutil
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from interview_jobs.ai.callback import CallbackClient, Outcome, callback_url_for
from interview_jobs.ai.fetch import FetchError, FetchPolicy, download
from interview_jobs.ai.ledger import Ledger
from interview_jobs.ai.runner import (
    AnalysisAborted,
    AnalysisCrashed,
    AnalysisFailed,
    AnalysisProcess,
    AnalysisRequest,
    AnalysisTimedOut,
)
from interview_jobs.config import Settings
from interview_jobs.contracts.analysis import AnalysisResult
from interview_jobs.contracts.callback import CallbackRequest, Phase, SeedCallback
from interview_jobs.contracts.forward import ForwardRequest

log = logging.getLogger(__name__)

# Progress bands: download, then the analysis reports its own 0..1 fraction.
DOWNLOAD_DONE = 5
ANALYSIS_SPAN = 94
PROGRESS_MIN_INTERVAL = 1.0  # seconds between progress callbacks
PROGRESS_MIN_STEP = 5  # percentage points that force a callback sooner
# Pipeline stages (analysis.pipeline's progress reports) that are the scoring phase.
SCORING_STAGES = frozenset({"scoring", "done"})


class RetryLater(Exception):
    """A transient failure: the task engine should run this task again later."""


class HandBack(RetryLater):
    """The worker is shutting down and gave up the task in hand; it runs again elsewhere/later."""


@dataclass
class WorkerContext:
    """Everything a worker thread needs to process forwards. One per worker thread."""

    settings: Settings
    ledger: Ledger
    callbacks: CallbackClient
    analysis: AnalysisProcess
    stopping: threading.Event = field(default_factory=threading.Event)
    # When stopping: the task in hand may finish until this monotonic time, then it is handed back.
    stop_deadline: float = float("inf")

    def shutdown_expired(self) -> bool:
        return self.stopping.is_set() and time.monotonic() >= self.stop_deadline

    def fetch_policy(self) -> FetchPolicy:
        return FetchPolicy(
            api_url=self.settings.api_url,
            allow_private_urls=self.settings.allow_private_urls,
            trusted_hosts=frozenset(self.settings.trusted_video_hosts),
            max_bytes=self.settings.max_download_bytes,
        )

    def work_root(self) -> Path:
        root = self.settings.data_dir / "work"
        root.mkdir(parents=True, exist_ok=True)
        return root


class _Job:
    """Per-task state: the callback target, the format, and the progress throttle."""

    def __init__(self, ctx: WorkerContext, forward: ForwardRequest) -> None:
        self.ctx = ctx
        self.forward = forward
        self.url = callback_url_for(ctx.settings.api_url, forward.callback_url)
        self.seed_form = ctx.settings.callback_format == "seed"
        self.stopped = False  # the API said stop, or the endpoint must get no more callbacks
        self._last_sent = 0.0
        self._last_progress = -1
        self._phase: Phase | None = None

    def _payload(self, **fields: Any) -> CallbackRequest:
        return CallbackRequest(job_id=self.forward.job_id, attempt=self.forward.attempt, **fields)

    def progress(
        self,
        percent: int,
        *,
        phase: Phase | None = None,
        duration: float | None = None,
        force: bool = False,
    ) -> None:
        """Send a PROCESSING update (one try, throttled; a new phase is sent at once); notes when
        the API says stop. The seed's form has no progress: nothing is sent."""
        now = time.monotonic()
        percent = max(0, min(99, percent))
        phase = phase or self._phase
        due = (
            force
            or phase != self._phase
            or percent - self._last_progress >= PROGRESS_MIN_STEP
            or now - self._last_sent >= PROGRESS_MIN_INTERVAL
        )
        moved = percent > self._last_progress or duration is not None or phase != self._phase
        if self.seed_form or self.stopped or not due or not moved:
            return
        self._last_sent, self._last_progress = now, max(percent, self._last_progress)
        self._phase = phase
        result = self.ctx.callbacks.send(
            self.url,
            self._payload(
                status="PROCESSING", progress=percent, phase=phase, duration_seconds=duration
            ),
        )
        if result.outcome.stop_work:
            log.info("job %s: API answered %s; stopping", self.forward.job_id, result.detail)
            self.stopped = True

    def finish(self, status: str, **fields: Any) -> None:
        """Send the terminal callback, retried while the API is unreachable."""
        if self.stopped:
            return
        payload = self._payload(status=status, **fields)
        result = self.ctx.callbacks.send(
            self.url,
            SeedCallback.of(payload) if self.seed_form else payload,
            give_up_after=self.ctx.settings.callback_give_up_seconds,
        )
        if result.outcome is Outcome.UNDELIVERED:
            # The API's deadline re-forwards the job; nothing is lost, only delayed.
            log.error(
                "job %s: %s result not delivered: %s", self.forward.job_id, status, result.detail
            )

    def fail(self, message: str) -> None:
        log.info("job %s attempt %s FAILED: %s", self.forward.job_id, self.forward.attempt, message)
        self.finish("FAILED", error_message=message)


def process_forward(
    payload: dict[str, Any], ctx: WorkerContext, *, retries_so_far: int = 0, max_retries: int = 0
) -> None:
    """Process one forwarded job. Raises :class:`RetryLater` for the engine to retry."""
    try:
        forward = ForwardRequest.model_validate(payload)
    except ValidationError as exc:
        log.error("dropping a malformed task payload: %s", exc)
        return
    job = _Job(ctx, forward)
    key = (forward.job_id, forward.attempt)
    interrupted = ctx.ledger.begin(*key, payload)
    if interrupted >= ctx.settings.max_deliveries:
        job.fail(
            f"the analysis was interrupted {interrupted} times (its worker stopped each time); "
            "giving up on this video"
        )
        ctx.ledger.finish(*key)
        return
    try:
        job.progress(0, phase="downloading", force=True)
        if not job.stopped:
            work_dir = Path(
                tempfile.mkdtemp(
                    prefix=f"{forward.job_id}-a{forward.attempt}-", dir=ctx.work_root()
                )
            )
            try:
                _run(job, work_dir, last_try=retries_so_far >= max_retries)
            finally:
                shutil.rmtree(work_dir, ignore_errors=True)
    except RetryLater:
        ctx.ledger.requeue(*key)
        raise
    ctx.ledger.finish(*key)


def _run(job: _Job, work_dir: Path, *, last_try: bool) -> None:
    ctx, forward = job.ctx, job.forward

    def transient(message: str) -> None:
        if last_try:
            job.fail(message)
            return
        raise RetryLater(message)

    if ctx.shutdown_expired():
        raise HandBack("the worker is shutting down; the job goes back to the queue")
    try:
        video = download(forward.video_url, work_dir, ctx.fetch_policy()).path
    except FetchError as exc:
        if exc.permanent:
            job.fail(str(exc))
            return
        transient(str(exc))
        return
    job.progress(DOWNLOAD_DONE, phase="analysing", force=True)
    if job.stopped:
        return

    def on_progress(fraction: float, stage: str) -> None:
        job.progress(
            DOWNLOAD_DONE + int(ANALYSIS_SPAN * max(0.0, min(1.0, fraction))),
            phase="scoring" if stage in SCORING_STAGES else "analysing",
        )

    def on_info(info: dict[str, Any]) -> None:
        duration = info.get("durationSeconds")
        if isinstance(duration, int | float):
            job.progress(DOWNLOAD_DONE, duration=float(duration), force=True)

    request = AnalysisRequest(
        video=video,
        analysis_type=forward.analysis_type.value,
        work_dir=work_dir,
        questions=forward.questions,
    )
    try:
        result = ctx.analysis.run(
            request,
            time_limit=ctx.settings.task_time_limit_seconds,
            on_progress=on_progress,
            on_info=on_info,
            should_abort=lambda: job.stopped or ctx.shutdown_expired(),
        )
    except AnalysisAborted:
        if job.stopped:
            return
        raise HandBack("the worker is shutting down; the job goes back to the queue") from None
    except AnalysisFailed as exc:
        if exc.operator_problem:
            transient(f"the AI backend cannot analyse videos right now: {exc}")
            return
        job.fail(str(exc))
        return
    except AnalysisTimedOut as exc:
        job.fail(str(exc))
        return
    except AnalysisCrashed as exc:
        transient(str(exc))
        return

    try:
        AnalysisResult.model_validate(result)
    except ValidationError as exc:
        log.error("job %s: the analysis does not match the contract: %s", forward.job_id, exc)
        job.fail("the analysis produced an invalid report (internal error); please retry later")
        return
    job.finish("COMPLETED", analysis_data=result)
