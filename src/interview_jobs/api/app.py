"""The FastAPI application: ``create_app(settings)`` and its lifespan.

Nothing is created at import time. ``create_app`` builds the database handle, the shared context
and the routers; the lifespan starts (and stops) the outbox dispatcher and disposes the engine.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import logging
import time
from collections.abc import AsyncIterator
from typing import Any

from fastapi import FastAPI
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from interview_jobs.api import health
from interview_jobs.api.auth import endpoints as auth_endpoints
from interview_jobs.api.context import AppContext
from interview_jobs.api.db import Database
from interview_jobs.api.dispatch import Dispatcher
from interview_jobs.api.errors import install_error_handlers
from interview_jobs.api.files import endpoints as file_endpoints
from interview_jobs.api.jobs import endpoints as job_endpoints
from interview_jobs.api.metrics import Metrics
from interview_jobs.api.openapi import install_openapi
from interview_jobs.api.web import mount_web
from interview_jobs.config import Settings, get_settings

log = logging.getLogger(__name__)


# Methods are labels as sent; anything else is "other", so that a client inventing methods cannot
# grow the label set (and the children cached below) without bound.
_METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})


class MetricsMiddleware:
    """Counts requests and observes latency per route template (pure ASGI: cheap). The labelled
    children are cached: ``labels()`` costs as much as a quarter of the rest of this middleware."""

    def __init__(self, app: ASGIApp, metrics: Metrics) -> None:
        self.app = app
        self.metrics = metrics
        self._children: dict[tuple[str, str, int], tuple[Any, Any]] = {}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 500

        async def send_wrapper(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, send_wrapper)
        finally:
            route = scope.get("route")
            template = getattr(route, "path", "unmatched")
            method = scope["method"] if scope["method"] in _METHODS else "other"
            key = (method, template, status)
            children = self._children.get(key)
            if children is None:
                children = self._children[key] = (
                    self.metrics.requests.labels(method, template, str(status)),
                    self.metrics.latency.labels(template),
                )
            children[0].inc()
            children[1].observe(time.perf_counter() - started)


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or get_settings()
    db = Database(
        settings.resolved_database_url,
        pool_size=settings.db_pool_size,
        sqlite_driver=settings.db_sqlite_driver,
    )
    ctx = AppContext.build(settings, db)

    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        dispatcher = Dispatcher(ctx)
        app.state.dispatcher = dispatcher
        task: asyncio.Task[None] | None = None
        if settings.gc_freeze_on_start:
            # Everything made at start-up lives as long as the process: keep it out of the
            # garbage collector's full scans (measured: 60 ms pauses under load without this).
            # Not for test processes that make many apps: frozen garbage is never collected.
            gc.collect()
            gc.freeze()
        if settings.dispatcher_enabled:
            ctx.wake_dispatcher = dispatcher.wake
            task = asyncio.create_task(dispatcher.run_forever(), name="outbox-dispatcher")
        checkpointer: asyncio.Task[None] | None = None
        if db.inloop_sqlite:
            checkpointer = asyncio.create_task(db.checkpoint_forever(), name="wal-checkpoint")
        try:
            yield
        finally:
            for background in (task, checkpointer):
                if background is not None:
                    background.cancel()
                    with contextlib.suppress(asyncio.CancelledError):
                        await background
            await dispatcher.aclose()
            await db.dispose()

    app = FastAPI(
        title="Interview Job System — API",
        version="1.0",
        lifespan=lifespan,
        # Our metrics are Prometheus (/metrics); FastAPI's native OpenTelemetry would otherwise
        # look for configured providers on every request (measured: ~3% of a status poll).
        telemetry={"tracing": False, "metrics": False, "logs": False},
    )
    app.state.ctx = ctx
    install_error_handlers(app)
    # Routes are matched in order, one by one: the jobs routes (the polled status and job
    # creation first) come before the rarer ones. No two routers share a path, so the order
    # changes nothing else.
    app.include_router(job_endpoints.direct_router)
    app.include_router(job_endpoints.router)
    app.include_router(job_endpoints.callback_router)
    app.include_router(auth_endpoints.router)
    app.include_router(file_endpoints.router)
    app.include_router(health.router)
    mount_web(app)  # the web page at / and /static/
    install_openapi(app)
    app.add_middleware(MetricsMiddleware, metrics=ctx.metrics)
    return app
