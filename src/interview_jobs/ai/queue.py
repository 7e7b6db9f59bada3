"""The task engine: Dramatiq, on RabbitMQ or Redis (``BROKER_URL``), or in-process (embedded).

Why Dramatiq: it acknowledges a message only after the task finished, RabbitMQ redelivers the task
of a worker that died, and it has backoff retries, dead-letter queues and a worker that runs one
task per thread with a configurable prefetch. Celery acknowledges early and prefetches by default,
its Redis transport re-runs tasks longer than the visibility timeout, and Huey deletes a task
before running it (at-most-once) — see docs/ARCHITECTURE.md.

Nothing here runs at import: :func:`make_broker` and :class:`TaskRuntime` are called by the
process that needs them (the AI ingress, a worker process, or the embedded runner).
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

import dramatiq
from dramatiq.brokers.stub import StubBroker
from dramatiq.middleware import CurrentMessage, Retries

from interview_jobs.ai.callback import CallbackClient
from interview_jobs.ai.ledger import Ledger
from interview_jobs.ai.runner import AnalysisProcess
from interview_jobs.ai.tasks import HandBack, WorkerContext, process_forward
from interview_jobs.config import ConfigError, Settings

log = logging.getLogger(__name__)

ACTOR_NAME = "analyze_interview"


def make_broker(settings: Settings) -> dramatiq.Broker:
    """The broker for ``BROKER_URL`` (StubBroker when unset) with our middleware."""
    middleware = [
        CurrentMessage(),
        Retries(
            max_retries=settings.task_max_retries,
            min_backoff=int(settings.task_min_backoff_seconds * 1000),
            max_backoff=int(settings.task_max_backoff_seconds * 1000),
        ),
    ]
    url = settings.broker_url
    if url is None:
        return StubBroker(middleware=middleware)
    scheme = urlsplit(url).scheme
    if scheme in ("amqp", "amqps"):
        from dramatiq.brokers.rabbitmq import RabbitmqBroker

        # confirm_delivery: the ingress answers 202 only once RabbitMQ has the message.
        return RabbitmqBroker(url=url, confirm_delivery=True, middleware=middleware)
    if scheme in ("redis", "rediss", "unix"):
        from dramatiq.brokers.redis import RedisBroker

        return RedisBroker(url=url, middleware=middleware)  # type: ignore[no-untyped-call]
    raise ConfigError(
        f"INTERVIEW_JOBS_BROKER_URL must be amqp://… (RabbitMQ) or redis://…, not {scheme or url!r}"
    )


def broker_ready(broker: dramatiq.Broker) -> bool:
    """A cheap round trip to the broker (the embedded queue is always ready)."""
    if isinstance(broker, StubBroker):
        return True
    try:
        from dramatiq.brokers.rabbitmq import RabbitmqBroker
        from dramatiq.brokers.redis import RedisBroker

        if isinstance(broker, RabbitmqBroker):
            return bool(broker.connection.is_open and broker.channel.is_open)
        if isinstance(broker, RedisBroker):
            return bool(broker.client.ping())
    except Exception as exc:
        log.warning("broker not ready: %s", exc)
        return False
    return True


def queue_depth(broker: dramatiq.Broker, queue_name: str) -> int | None:
    """Messages waiting in the queue, when the broker can tell cheaply."""
    try:
        from dramatiq.brokers.rabbitmq import RabbitmqBroker
        from dramatiq.brokers.redis import RedisBroker

        if isinstance(broker, StubBroker):
            return broker.queues[queue_name].qsize() if queue_name in broker.queues else 0
        if isinstance(broker, RabbitmqBroker):
            counts = broker.get_queue_message_counts(queue_name)
            return int(counts[0])
        if isinstance(broker, RedisBroker):
            return int(broker.client.llen(f"{broker.namespace}:{queue_name}"))
    except Exception as exc:
        log.debug("queue depth unavailable: %s", exc)
    return None


class TaskRuntime:
    """Declares the actor on a broker and owns the per-thread worker contexts.

    Each worker thread gets its own :class:`WorkerContext` — its own analysis child process and
    HTTP client — created on first use and closed by :meth:`close`.
    """

    def __init__(self, settings: Settings, broker: dramatiq.Broker) -> None:
        self.settings = settings
        self.broker = broker
        self.ledger = Ledger(settings.data_dir / "ai-ledger.sqlite3")
        self.stopping = threading.Event()
        self._local = threading.local()
        self._contexts: list[WorkerContext] = []
        self._idle: list[WorkerContext] = []  # started ahead of time, not yet bound to a thread
        self._lock = threading.Lock()
        self.actor: dramatiq.Actor[[dict[str, Any]], None] = dramatiq.Actor(
            self._handle,
            broker=broker,
            actor_name=ACTOR_NAME,
            queue_name=settings.queue_name,
            priority=0,
            options={"max_retries": settings.task_max_retries},
        )

    # ---- producer side ----
    def enqueue(self, payload: dict[str, Any]) -> None:
        self.actor.send(payload)

    # ---- consumer side ----
    def _new_context(self) -> WorkerContext:
        settings = self.settings
        ctx = WorkerContext(
            settings=settings,
            ledger=self.ledger,
            callbacks=CallbackClient(
                api_key=settings.current_secret("callback_api_key"),
                webhook_secret=settings.secret("webhook_secret"),
            ),
            analysis=AnalysisProcess(settings.analysis_options()),
            stopping=self.stopping,
        )
        with self._lock:
            self._contexts.append(ctx)
        return ctx

    def context(self) -> WorkerContext:
        """This thread's context: a prestarted one if any is idle, else a new one."""
        ctx: WorkerContext | None = getattr(self._local, "ctx", None)
        if ctx is None:
            with self._lock:
                ctx = self._idle.pop() if self._idle else None
            ctx = ctx or self._new_context()
            self._local.ctx = ctx
        return ctx

    def prestart(self, count: int) -> None:
        """Start ``count`` analysis children now (in parallel), so no job pays their start-up."""
        contexts = [self._new_context() for _ in range(count)]
        threads = [threading.Thread(target=c.analysis.start, daemon=True) for c in contexts]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        with self._lock:
            self._idle.extend(contexts)

    def _handle(self, payload: dict[str, Any]) -> None:
        message = CurrentMessage.get_current_message()
        retries = int(message.options.get("retries", 0)) if message is not None else 0
        try:
            process_forward(
                payload,
                self.context(),
                retries_so_far=retries,
                max_retries=self.settings.task_max_retries,
            )
        except HandBack:
            # Not a failure: put it back as it was (same retry count), and acknowledge this copy.
            log.info("handing back job %s", payload.get("jobId"))
            self.actor.send_with_options(args=(payload,), retries=retries)

    def begin_shutdown(self, grace_seconds: float) -> None:
        """Let the tasks in hand finish for ``grace_seconds``, then hand them back."""
        deadline = time.monotonic() + grace_seconds
        with self._lock:
            for ctx in self._contexts:
                ctx.stop_deadline = deadline
        self.stopping.set()

    def close(self) -> None:
        with self._lock:
            contexts, self._contexts = self._contexts, []
        for ctx in contexts:
            ctx.analysis.close()
            ctx.callbacks.close()
        self.ledger.close()


def run_worker(
    runtime: TaskRuntime,
    *,
    threads: int,
    on_started: Callable[[dramatiq.Worker], None] | None = None,
) -> dramatiq.Worker:
    """Start a Dramatiq worker consuming our queue with ``threads`` threads, prefetch 1 each."""
    worker = dramatiq.Worker(
        runtime.broker, queues={runtime.settings.queue_name}, worker_threads=threads
    )
    # One task in hand per thread and nothing waiting behind it: another worker process should
    # get the next job rather than have it sit in this one's prefetch buffer.
    worker.queue_prefetch = threads
    worker.start()
    if on_started is not None:
        on_started(worker)
    return worker
