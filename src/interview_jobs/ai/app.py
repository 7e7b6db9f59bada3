"""The AI backend's HTTP ingress: accepts forwarded jobs and puts them on the queue.

Endpoints: ``POST /api/v1/interview/analyze`` (X-API-Key; idempotent on jobId + attempt;
202 ``{jobId, status: "QUEUED"}``), ``GET /health``, ``GET /ready`` (broker reachable),
``GET /metrics``, and the original system's ``GET /api/v1/interview/health``.

Without ``BROKER_URL`` (embedded) this process also runs the workers: Dramatiq worker threads on
an in-process broker, each with its own analysis child process. Forwards it had accepted but not
finished when it stopped are put back on the queue when it starts again (the ledger).
"""

from __future__ import annotations

import hmac
import json
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any
from urllib.parse import urlsplit

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, Response
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Gauge,
    generate_latest,
)
from pydantic import ValidationError
from starlette.concurrency import run_in_threadpool

from interview_jobs import __version__
from interview_jobs.ai.queue import TaskRuntime, broker_ready, make_broker, queue_depth, run_worker
from interview_jobs.config import Settings
from interview_jobs.contracts.errors import error_body, validation_details
from interview_jobs.contracts.forward import (
    API_KEY_HEADER,
    FORWARD_PATH,
    LEGACY_HEALTH_PATH,
    ForwardAccepted,
    ForwardRequest,
)

log = logging.getLogger(__name__)


def _error(
    status: int, code: str, message: str, details: Any = None, **headers: str
) -> JSONResponse:
    return JSONResponse(
        error_body(code, message, details), status_code=status, headers=headers or None
    )


def callback_url_allowed(callback_url: str, api_url: str) -> bool:
    """A callback may only go to the configured API: the callback carries our secret key."""
    target, own = urlsplit(callback_url), urlsplit(api_url)
    return (target.scheme, target.netloc) == (own.scheme, own.netloc) and target.path.startswith(
        own.path.rstrip("/") + "/"
    )


class _Metrics:
    def __init__(self, runtime_ref: dict[str, TaskRuntime]) -> None:
        self.registry = CollectorRegistry()
        self.forwards = Counter(
            "interview_ai_forwards",
            "Forwards received, by result",
            ["result"],
            registry=self.registry,
        )
        depth = Gauge(
            "interview_ai_queue_depth", "Jobs waiting in the queue", registry=self.registry
        )

        def current_depth() -> float:
            runtime = runtime_ref.get("runtime")
            if runtime is None:
                return float("nan")
            value = queue_depth(runtime.broker, runtime.settings.queue_name)
            return float("nan") if value is None else float(value)

        depth.set_function(current_depth)


def create_ai_app(settings: Settings, *, run_embedded_workers: bool | None = None) -> FastAPI:
    """The ingress app. ``run_embedded_workers`` defaults to "no BROKER_URL"."""
    embedded = settings.is_embedded if run_embedded_workers is None else run_embedded_workers
    api_keys = [k.encode() for k in settings.accepted_secrets("ai_api_key")]
    state: dict[str, TaskRuntime] = {}
    metrics = _Metrics(state)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        broker = make_broker(settings)
        runtime = TaskRuntime(settings, broker)
        state["runtime"] = runtime
        app.state.runtime = runtime
        worker = None
        if embedded:
            await run_in_threadpool(runtime.prestart, settings.worker_processes)
            worker = run_worker(runtime, threads=settings.worker_processes)
            for pending in await run_in_threadpool(runtime.ledger.unfinished):
                log.info("re-queueing job %s attempt %s", pending.job_id, pending.attempt)
                runtime.enqueue(pending.payload)
        try:
            yield
        finally:
            if worker is not None:
                # Embedded: hand the tasks in hand back at once; the ledger re-queues them on start.
                runtime.begin_shutdown(grace_seconds=0)
                await run_in_threadpool(worker.stop)
            await run_in_threadpool(runtime.close)
            await run_in_threadpool(broker.close)
            state.clear()

    app = FastAPI(
        title="Interview Job System — AI backend",
        version=__version__,
        lifespan=lifespan,
        docs_url=None,
        redoc_url=None,
    )

    @app.post(FORWARD_PATH, status_code=202, response_model=ForwardAccepted)
    async def accept_forward(request: Request) -> Response:
        given = request.headers.get(API_KEY_HEADER, "").encode()
        if not given or not any(hmac.compare_digest(given, k) for k in api_keys):
            metrics.forwards.labels("unauthorized").inc()
            return _error(401, "Unauthorized", f"a valid {API_KEY_HEADER} header is required")
        raw = await request.body()
        try:
            data = json.loads(raw)
        except ValueError as exc:
            metrics.forwards.labels("invalid").inc()
            return _error(400, "BadRequest", f"the body is not valid JSON: {exc}")
        try:
            forward = ForwardRequest.model_validate(data)
        except ValidationError as exc:
            metrics.forwards.labels("invalid").inc()
            return _error(
                422,
                "ValidationError",
                "the forwarded job is invalid",
                validation_details(exc.errors(include_url=False)),
            )
        if forward.callback_url and not callback_url_allowed(
            forward.callback_url, settings.api_url
        ):
            metrics.forwards.labels("invalid").inc()
            return _error(
                422,
                "ValidationError",
                "callbackUrl must be under this AI backend's configured API_URL",
                [{"field": "callbackUrl", "problem": f"not under {settings.api_url}"}],
            )
        runtime = state["runtime"]
        payload = forward.wire()
        accepted = await run_in_threadpool(
            runtime.ledger.accept, forward.job_id, forward.attempt, payload
        )
        if accepted:
            try:
                await run_in_threadpool(runtime.enqueue, payload)
            except Exception as exc:
                log.error("could not enqueue job %s: %s", forward.job_id, exc)
                await run_in_threadpool(runtime.ledger.forget, forward.job_id, forward.attempt)
                metrics.forwards.labels("unavailable").inc()
                return _error(
                    503,
                    "ServiceUnavailable",
                    "the job queue is unavailable; retry later",
                    None,
                    **{"Retry-After": "5"},
                )
        metrics.forwards.labels("accepted" if accepted else "duplicate").inc()
        return JSONResponse(ForwardAccepted(job_id=forward.job_id).wire(), status_code=202)

    @app.get("/health")
    async def health() -> dict[str, str]:
        return {"status": "ok"}

    @app.get(LEGACY_HEALTH_PATH)
    async def legacy_health() -> dict[str, str]:
        # The original Java backend reads this map; "status" is what it looks at.
        return {
            "status": "healthy",
            "service": "Interview Analysis Services",
            "version": __version__,
        }

    @app.get("/ready")
    async def ready() -> Response:
        runtime = state.get("runtime")
        ok = runtime is not None and await run_in_threadpool(broker_ready, runtime.broker)
        if not ok:
            return _error(
                503, "ServiceUnavailable", "the broker is not reachable", {"broker": False}
            )
        return JSONResponse({"status": "ready", "broker": True})

    @app.get("/metrics")
    async def prometheus_metrics() -> Response:
        body = await run_in_threadpool(generate_latest, metrics.registry)
        return Response(body, media_type=CONTENT_TYPE_LATEST)

    @app.exception_handler(404)
    async def not_found(request: Request, exc: Exception) -> JSONResponse:
        return _error(404, "NotFound", f"no such endpoint: {request.method} {request.url.path}")

    @app.exception_handler(405)
    async def not_allowed(request: Request, exc: Exception) -> JSONResponse:
        return _error(
            405, "MethodNotAllowed", f"{request.method} is not allowed on {request.url.path}"
        )

    return app
