"""``interview-jobs worker``: N worker processes consuming the broker.

Each worker process runs a Dramatiq worker with one thread and a prefetch of one (so the next job
goes to an idle process instead of waiting behind a busy one), plus one warm analysis child
(:mod:`interview_jobs.ai.runner`). ``worker --processes N`` supervises N of them and restarts one
that died (with a backoff) — unlike Dramatiq's own CLI, which stops every process when one exits.

SIGTERM/SIGINT: each worker stops taking tasks, lets the task in hand finish for
``WORKER_SHUTDOWN_GRACE_SECONDS``, then hands it back to the queue and exits.
"""

from __future__ import annotations

import logging
import os
import signal
import threading
from types import FrameType

from interview_jobs.config import ConfigError, Settings

log = logging.getLogger(__name__)


def require_broker(settings: Settings) -> None:
    if settings.broker_url is None:
        raise ConfigError(
            "interview-jobs worker needs INTERVIEW_JOBS_BROKER_URL (RabbitMQ or Redis); "
            "without a broker, `interview-jobs ai` (or `up`) runs the workers itself"
        )


def worker_process(settings: Settings, *, index: int, threads: int = 1) -> None:
    """Body of one worker process: consume until SIGTERM/SIGINT, then stop gracefully."""
    from interview_jobs.ai.queue import TaskRuntime, make_broker, run_worker

    require_broker(settings)
    stop = threading.Event()

    def on_signal(signum: int, _frame: FrameType | None) -> None:
        log.info("worker %d: %s received, finishing", index, signal.Signals(signum).name)
        stop.set()

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)

    broker = make_broker(settings)
    runtime = TaskRuntime(settings, broker)
    runtime.prestart(threads)
    worker = run_worker(runtime, threads=threads)
    log.info("worker %d (pid %d) consuming queue %s", index, os.getpid(), settings.queue_name)
    stop.wait()
    grace = settings.worker_shutdown_grace_seconds
    runtime.begin_shutdown(grace_seconds=grace)
    worker.stop(timeout=int((grace + 30) * 1000))
    runtime.close()
    broker.close()
    log.info("worker %d stopped", index)
