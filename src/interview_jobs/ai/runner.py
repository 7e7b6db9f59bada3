"""Runs the analysis pipeline in a warm child process.

Why a child process and not the worker itself:

* a video that crashes a decoder or exhausts memory kills the child, not the worker: the worker
  reports the job FAILED (after ``max_crashes`` tries) instead of dying and having the broker
  redeliver the poison task forever;
* the time limit is enforced by killing the child — no asynchronous exception inside native code;
* CPU work stays off the worker's threads, so its broker heartbeats and callbacks keep flowing
  (Dramatiq on Redis loses a task whose heartbeat starves: dramatiq #692);
* models are loaded once per child and reused across jobs (start-up is paid once, not per job).

The child speaks a tiny protocol over a Pipe: the parent sends one request, the child answers
with any number of ``("progress", fraction, stage)`` / ``("info", {...})`` messages and exactly
one ``("result", dict)`` or ``("error", code, message)``.
"""

from __future__ import annotations

import contextlib
import logging
import multiprocessing
import multiprocessing.connection
import os
import signal
import threading
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from interview_jobs.contracts.questions import QuestionIn, check_times, resolve

log = logging.getLogger(__name__)


class RunnerError(Exception):
    """Base of everything :meth:`AnalysisProcess.run` raises."""


class AnalysisFailed(RunnerError):
    """The pipeline rejected the video (AnalysisError): a clear, permanent failure."""

    def __init__(self, code: str, message: str, *, operator_problem: bool = False) -> None:
        super().__init__(message)
        self.code = code
        #: True when the installation is to blame (missing/corrupt model), not the video.
        self.operator_problem = operator_problem


class AnalysisCrashed(RunnerError):
    """The child process died (signal, out of memory, native crash)."""


class AnalysisTimedOut(RunnerError):
    """The analysis ran past the time limit and was killed."""


class AnalysisAborted(RunnerError):
    """The caller asked to stop (job cancelled or deleted, worker shutting down)."""


@dataclass(frozen=True)
class AnalysisRequest:
    video: Path
    analysis_type: str
    work_dir: Path
    # The job's questions as forwarded; None: none given.
    questions: list[QuestionIn] | None = None


def questions_for(request: AnalysisRequest, duration: float | None) -> list[dict[str, Any]] | None:
    """The job's questions as the pipeline takes them (resolved against the bank), once their
    times are known to lie within the video. Raises ``ValueError`` naming the item: the API
    could check them only when it knew the video's length (an uploaded file), not for a URL."""
    if request.questions is None:
        return None
    try:
        check_times(request.questions, duration)
    except ValueError as exc:
        raise ValueError(f"The questions do not fit the video: {exc}.") from None
    return resolve(request.questions)


def _exit_with_parent(parent_pid: int) -> None:
    """End this child when the process that started it is gone (no orphaned analyses).

    Not ``prctl(PR_SET_PDEATHSIG)``: that fires when the *thread* that started the child ends
    (prctl(2)), which killed every child started from a short-lived thread — the prestarted ones
    died at once, and the first job of each worker paid the start-up again."""

    def watch() -> None:
        while os.getppid() == parent_pid:
            time.sleep(0.5)
        os._exit(1)

    threading.Thread(target=watch, name="parent-watch", daemon=True).start()


def _thread_lock_for_tqdm() -> None:
    """tqdm makes a multiprocessing lock (a named semaphore, registered with the resource
    tracker) the first time it is used — faster-whisper makes a (disabled) bar per transcription.
    A child killed mid-job cannot unregister it, and the tracker then prints "leaked semaphore
    objects" when the system stops. This child shares no bars with other processes: a thread
    lock is all tqdm needs."""
    try:
        from tqdm import tqdm  # type: ignore[import-untyped]
    except ImportError:
        return
    tqdm.set_lock(threading.RLock())


def _serve(
    conn: multiprocessing.connection.Connection, options: dict[str, Any], parent_pid: int
) -> None:
    """The child's main loop."""
    _exit_with_parent(parent_pid)
    _thread_lock_for_tqdm()
    # The parent decides when we stop (it finishes or hands back the task first).
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    # MediaPipe/TFLite log through absl/glog to stderr at every model load: keep errors only.
    os.environ.setdefault("GLOG_minloglevel", "2")
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

    from interview_jobs.analysis import AnalysisError, AnalysisOptions, Analyzer, probe

    analyzer = Analyzer(AnalysisOptions(**options))
    try:
        analyzer.warm_up()  # load the models before the first job, not during it
    except AnalysisError as exc:  # reported properly by the first analyze() instead
        log.error("analysis warm-up failed: %s", exc)
    conn.send(("ready",))
    while True:
        try:
            request: AnalysisRequest | None = conn.recv()
        except (EOFError, OSError):
            return
        if request is None:
            return
        try:
            info = probe(request.video)
            conn.send(("info", {"durationSeconds": info.duration_seconds}))
            try:
                questions = questions_for(request, info.duration_seconds)
            except ValueError as exc:
                conn.send(("error", "bad_questions", str(exc), False))
                continue

            def progress(fraction: float, stage: str) -> None:
                conn.send(("progress", float(fraction), stage))

            result = analyzer.analyze(
                request.video,
                analysis_type=request.analysis_type,
                progress=progress,
                work_dir=request.work_dir,
                questions=questions,
            )
            conn.send(("result", result))
        except AnalysisError as exc:
            conn.send(("error", exc.code, str(exc), not exc.is_input_error))
        except Exception as exc:
            log.error("unexpected analysis failure:\n%s", traceback.format_exc())
            detail = f"{type(exc).__name__}: {exc}"
            conn.send(
                ("error", "internal_error", f"the analysis failed unexpectedly ({detail})", False)
            )


class AnalysisProcess:
    """One warm analysis child. Not thread-safe: one per worker thread."""

    def __init__(
        self,
        options: dict[str, Any],
        *,
        start_timeout: float = 300.0,
        poll_interval: float = 0.2,
    ) -> None:
        self._options = options
        self._ctx = multiprocessing.get_context("spawn")
        self._start_timeout = start_timeout
        self._poll = poll_interval
        self._proc: multiprocessing.process.BaseProcess | None = None
        self._conn: multiprocessing.connection.Connection | None = None
        self._busy = False  # a request was sent and its answer has not come
        #: How the last child ended (its exit code; negative: the signal that killed it).
        self.exit_code: int | None = None

    @property
    def pid(self) -> int | None:
        return self._proc.pid if self._proc is not None and self._proc.is_alive() else None

    def _ensure_started(self) -> multiprocessing.connection.Connection:
        if self._proc is not None and self._proc.is_alive() and self._conn is not None:
            return self._conn
        self.close()
        parent_conn, child_conn = self._ctx.Pipe()
        proc = self._ctx.Process(
            target=_serve,
            args=(child_conn, self._options, os.getpid()),
            name="interview-jobs-analysis",
            daemon=True,
        )
        proc.start()
        child_conn.close()
        self._proc, self._conn = proc, parent_conn
        deadline = time.monotonic() + self._start_timeout
        while not parent_conn.poll(self._poll):
            if not proc.is_alive():
                self.close()
                raise AnalysisCrashed(
                    f"the analysis process failed to start (exit code {proc.exitcode})"
                )
            if time.monotonic() > deadline:
                self.close()
                raise AnalysisCrashed("the analysis process did not start in time")
        try:
            message = parent_conn.recv()
        except (EOFError, OSError) as exc:
            self.close()
            raise AnalysisCrashed("the analysis process failed to start") from exc
        if message != ("ready",):
            self.close()
            raise AnalysisCrashed(f"the analysis process sent {message!r} instead of ready")
        return parent_conn

    def start(self) -> None:
        """Start the child and load its libraries now rather than on the first job."""
        self._ensure_started()

    def run(
        self,
        request: AnalysisRequest,
        *,
        time_limit: float,
        on_progress: Callable[[float, str], None] = lambda f, s: None,
        on_info: Callable[[dict[str, Any]], None] = lambda info: None,
        should_abort: Callable[[], bool] = lambda: False,
    ) -> dict[str, Any]:
        conn = self._ensure_started()
        conn.send(request)
        self._busy = True
        deadline = time.monotonic() + time_limit
        while True:
            if should_abort():
                self.close()
                raise AnalysisAborted("the analysis was stopped")
            if time.monotonic() > deadline:
                self.close()
                raise AnalysisTimedOut(
                    f"the analysis took longer than the {time_limit:.0f} s time limit"
                )
            try:
                ready = conn.poll(self._poll)
                message = conn.recv() if ready else None
            except (EOFError, OSError):
                message = None
                ready = True
            if message is None:
                if ready or (self._proc is not None and not self._proc.is_alive()):
                    raise self._crashed()
                continue
            kind = message[0]
            if kind == "progress":
                on_progress(message[1], message[2])
            elif kind == "info":
                on_info(message[1])
            elif kind == "result":
                self._busy = False
                return dict(message[1])
            elif kind == "error":
                self._busy = False
                raise AnalysisFailed(message[1], message[2], operator_problem=message[3])

    def _crashed(self) -> AnalysisCrashed:
        proc = self._proc
        code = None
        if proc is not None:
            proc.join(timeout=5)
            code = proc.exitcode
        self.close()
        if code is not None and code < 0:
            try:
                name = signal.Signals(-code).name
            except ValueError:
                name = f"signal {-code}"
            return AnalysisCrashed(f"the analysis process was killed by {name}")
        return AnalysisCrashed(f"the analysis process exited unexpectedly (exit code {code})")

    def close(self, *, grace: float = 5.0) -> None:
        """Stop the child. An idle one is asked to exit and ends like any Python process (its
        resources released); a busy one, or one still there after ``grace`` seconds, is killed."""
        proc, conn, busy = self._proc, self._conn, self._busy
        self._proc = self._conn = None
        self._busy = False
        if conn is not None:
            if not busy:
                with contextlib.suppress(OSError, ValueError):
                    conn.send(None)
            with contextlib.suppress(OSError):
                conn.close()
        if proc is None:
            return
        if not busy:
            proc.join(timeout=grace)
        if proc.is_alive():
            proc.kill()
        proc.join(timeout=10)
        self.exit_code = proc.exitcode
