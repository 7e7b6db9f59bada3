"""The AI backend's HTTP ingress: accepts forwarded jobs and puts them on the queue.

Endpoints: ``POST /api/v1/interview/analyze`` (X-API-Key; idempotent on jobId + attempt;
202 ``{jobId, status: "QUEUED"}``), ``GET /health``, ``GET /ready`` (broker reachable),
``GET /metrics``, and the original system's ``GET /api/v1/interview/health``.

A forward without ``X-API-Key`` is accepted only from the addresses in ``AI_UNKEYED_FORWARD_FROM``
(the original Java backend sends no key). The source is the socket peer: this server is run
without proxy headers, so an ``X-Forwarded-For`` cannot claim an allowed address.

Without ``BROKER_URL`` (embedded) this process also runs the workers: Dramatiq worker threads on
an in-process broker, each with its own analysis child process. Forwards it had accepted but not
finished when it stopped are put back on the queue when it starts again (the ledger).
"""

from __future__ import annotations

import hmac
import ipaddress
import json
import logging
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Annotated, Any
from urllib.parse import urlsplit

from fastapi import APIRouter, Depends, FastAPI, Request
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
from interview_jobs.contracts.errors import error_body, field_error, validation_details
from interview_jobs.contracts.forward import (
    API_KEY_HEADER,
    FORWARD_PATH,
    LEGACY_HEALTH_PATH,
    ForwardAccepted,
    ForwardRequest,
)

log = logging.getLogger(__name__)

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


def _error(
    status: int, code: str, message: str, details: Any = None, **headers: str
) -> JSONResponse:
    return JSONResponse(
        error_body(status, code, message, details), status_code=status, headers=headers or None
    )


def callback_url_allowed(callback_url: str, api_url: str) -> bool:
    """A callback may only go to the configured API: the callback carries our secret key."""
    target, own = urlsplit(callback_url), urlsplit(api_url)
    return (target.scheme, target.netloc) == (own.scheme, own.netloc) and target.path.startswith(
        own.path.rstrip("/") + "/"
    )


def address_in(peer: str | None, networks: Sequence[Network]) -> bool:
    """Is the peer address in one of the networks? An IPv4 client of a dual-stack socket shows as
    ``::ffff:a.b.c.d``: it is compared as the IPv4 address it is."""
    if not peer or not networks:
        return False
    try:
        ip = ipaddress.ip_address(peer.split("%", 1)[0])
    except ValueError:
        return False
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return any(ip.version == net.version and ip in net for net in networks)


class _Metrics:
    def __init__(self, ingress: Ingress) -> None:
        self.registry = CollectorRegistry()
        self.forwards = Counter(
            "interview_ai_forwards",
            "Forwards received, by result",
            ["result"],
            registry=self.registry,
        )
        self.unkeyed = Counter(
            "interview_ai_unkeyed_forwards",
            "Forwards accepted without X-API-Key (AI_UNKEYED_FORWARD_FROM)",
            registry=self.registry,
        )
        depth = Gauge(
            "interview_ai_queue_depth", "Jobs waiting in the queue", registry=self.registry
        )

        def current_depth() -> float:
            runtime = ingress.runtime
            if runtime is None:
                return float("nan")
            value = queue_depth(runtime.broker, runtime.settings.queue_name)
            return float("nan") if value is None else float(value)

        depth.set_function(current_depth)


@dataclass
class Ingress:
    """What the endpoints share, kept on ``app.state.ingress``; the runtime exists while the app
    is running (lifespan)."""

    settings: Settings
    embedded: bool
    api_keys: list[bytes] = field(init=False)
    metrics: _Metrics = field(init=False)
    runtime: TaskRuntime | None = None

    def __post_init__(self) -> None:
        self.api_keys = [k.encode() for k in self.settings.accepted_secrets("ai_api_key")]
        self.metrics = _Metrics(self)

    def key_is_valid(self, given: str) -> bool:
        raw = given.encode()
        return any(hmac.compare_digest(raw, k) for k in self.api_keys)


def _ingress(request: Request) -> Ingress:
    ingress: Ingress = request.app.state.ingress
    return ingress


IngressDep = Annotated[Ingress, Depends(_ingress)]

router = APIRouter()


@router.post(FORWARD_PATH, status_code=202, response_model=ForwardAccepted)
async def accept_forward(request: Request, ingress: IngressDep) -> Response:
    metrics, settings = ingress.metrics, ingress.settings
    given = request.headers.get(API_KEY_HEADER, "")
    peer = request.client.host if request.client is not None else None
    # A key that is sent is checked even from an allowed address: a wrong one is a mistake to
    # report, not to overlook.
    unkeyed = not given and address_in(peer, settings.ai_unkeyed_forward_from)
    if not unkeyed and not (given and ingress.key_is_valid(given)):
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
    if forward.callback_url and not callback_url_allowed(forward.callback_url, settings.api_url):
        metrics.forwards.labels("invalid").inc()
        return _error(
            422,
            "ValidationError",
            "callbackUrl must be under this AI backend's configured API_URL",
            [field_error("callbackUrl", f"not under {settings.api_url}")],
        )
    if unkeyed:
        log.info(
            "keyless forward of job %s attempt %s from %s (allowed by AI_UNKEYED_FORWARD_FROM)",
            forward.job_id,
            forward.attempt,
            peer,
        )
        metrics.unkeyed.inc()
    runtime = ingress.runtime
    assert runtime is not None, "the app is not running"
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


@router.get("/health")
async def health() -> dict[str, str]:
    return {"status": "ok"}


@router.get(LEGACY_HEALTH_PATH)
async def legacy_health() -> dict[str, str]:
    # The original Java backend reads this map; "status" is what it looks at.
    return {
        "status": "healthy",
        "service": "Interview Analysis Services",
        "version": __version__,
    }


@router.get("/ready")
async def ready(ingress: IngressDep) -> Response:
    runtime = ingress.runtime
    ok = runtime is not None and await run_in_threadpool(broker_ready, runtime.broker)
    if not ok:
        return _error(503, "ServiceUnavailable", "the broker is not reachable", {"broker": False})
    return JSONResponse({"status": "ready", "broker": True})


@router.get("/metrics")
async def prometheus_metrics(ingress: IngressDep) -> Response:
    body = await run_in_threadpool(generate_latest, ingress.metrics.registry)
    return Response(body, media_type=CONTENT_TYPE_LATEST)


async def _not_found(request: Request, exc: Exception) -> JSONResponse:
    return _error(404, "NotFound", f"no such endpoint: {request.method} {request.url.path}")


async def _not_allowed(request: Request, exc: Exception) -> JSONResponse:
    return _error(405, "MethodNotAllowed", f"{request.method} is not allowed on {request.url.path}")


@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    ingress: Ingress = app.state.ingress
    settings = ingress.settings
    broker = make_broker(settings)
    runtime = TaskRuntime(settings, broker)
    ingress.runtime = runtime
    app.state.runtime = runtime
    worker = None
    if ingress.embedded:
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
        ingress.runtime = None


def create_ai_app(settings: Settings, *, run_embedded_workers: bool | None = None) -> FastAPI:
    """The ingress app. ``run_embedded_workers`` defaults to "no BROKER_URL"."""
    embedded = settings.is_embedded if run_embedded_workers is None else run_embedded_workers
    app = FastAPI(
        title="Interview Job System — AI backend",
        version=__version__,
        lifespan=lifespan,
        docs_url=None,
        redoc_url=None,
    )
    app.state.ingress = Ingress(settings, embedded)
    app.include_router(router)
    app.add_exception_handler(404, _not_found)
    app.add_exception_handler(405, _not_allowed)
    return app
