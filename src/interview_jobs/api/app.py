"""The FastAPI application: ``create_app(settings)`` and its lifespan.

Nothing is created at import time. ``create_app`` builds the database handle, the shared context
and the routers; the lifespan starts (and stops) the outbox dispatcher, the job feed's listener
(PostgreSQL), the WAL checkpointer (SQLite) and the retention purge, and disposes the engine.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import logging
import time
from collections.abc import AsyncIterator

from fastapi import FastAPI
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from interview_jobs.api import health
from interview_jobs.api.auth import endpoints as auth_endpoints
from interview_jobs.api.context import AppContext
from interview_jobs.api.cors import install_cors
from interview_jobs.api.db import Database
from interview_jobs.api.dispatch import Dispatcher
from interview_jobs.api.errors import install_error_handlers
from interview_jobs.api.export import endpoints as export_endpoints
from interview_jobs.api.files import endpoints as file_endpoints
from interview_jobs.api.files import retention
from interview_jobs.api.jobs import endpoints as job_endpoints
from interview_jobs.api.metrics import Metrics
from interview_jobs.api.openapi import install_openapi
from interview_jobs.api.progress import endpoints as progress_endpoints
from interview_jobs.api.questions import endpoints as question_endpoints
from interview_jobs.api.shares import endpoints as share_endpoints
from interview_jobs.api.web import mount_web
from interview_jobs.config import Settings, get_settings

log = logging.getLogger(__name__)


class MetricsMiddleware:
    """Counts requests and observes latency per route template (pure ASGI: cheap)."""

    def __init__(self, app: ASGIApp, metrics: Metrics) -> None:
        self.app = app
        self.metrics = metrics

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
            template = getattr(scope.get("route"), "path", "unmatched")
            self.metrics.observe_request(
                scope["method"], template, status, time.perf_counter() - started
            )


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or get_settings()
    db = Database(settings.resolved_database_url, pool_size=settings.db_pool_size)
    ctx = AppContext.build(settings, db)

    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        # The file store first: a bucket that is missing and cannot be created stops start-up
        # (ConfigError, saying so) before anything else runs.
        await ctx.store.start()
        dispatcher = Dispatcher(ctx)
        app.state.dispatcher = dispatcher
        if settings.gc_freeze_on_start:
            # Everything made at start-up lives as long as the process: keep it out of the
            # garbage collector's full scans (measured: 60 ms pauses under load without this).
            # Not for test processes that make many apps: frozen garbage is never collected.
            gc.collect()
            gc.freeze()
        background: list[asyncio.Task[None]] = []
        if settings.dispatcher_enabled:
            ctx.wake_dispatcher = dispatcher.wake
            background.append(
                asyncio.create_task(dispatcher.run_forever(), name="outbox-dispatcher")
            )
        if db.is_postgres:
            background.append(asyncio.create_task(ctx.feed.listen_forever(), name="job-feed"))
        if db.is_sqlite:
            background.append(asyncio.create_task(db.checkpoint_forever(), name="wal-checkpoint"))
        background.append(asyncio.create_task(retention.purge_forever(ctx), name="purge"))
        try:
            yield
        finally:
            for task in background:
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await task
            await dispatcher.aclose()
            await ctx.store.aclose()
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
    # Routes are matched in order, one by one: job creation and the polled status first, then
    # the other jobs routes, then the rarer ones. No two routes share a path and method, so the
    # order changes nothing else.
    job_endpoints.add_plain_routes(app.router)
    app.include_router(job_endpoints.router)
    app.include_router(job_endpoints.callback_router)
    app.include_router(auth_endpoints.router)
    app.include_router(file_endpoints.router)
    app.include_router(question_endpoints.router)
    app.include_router(share_endpoints.owner_router)
    app.include_router(share_endpoints.public_router)
    app.include_router(export_endpoints.router)
    app.include_router(progress_endpoints.router)
    app.include_router(health.router)
    mount_web(app)  # the web page at / and /static/
    install_openapi(app)
    app.add_middleware(MetricsMiddleware, metrics=ctx.metrics)
    install_cors(app, settings.cors_allow_origins)  # outermost: preflights never reach routing
    return app
