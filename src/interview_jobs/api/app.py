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
from starlette.requests import Request
from starlette.routing import Match
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from interview_jobs.api import health
from interview_jobs.api.auth import endpoints as auth_endpoints
from interview_jobs.api.context import AppContext
from interview_jobs.api.db import Database
from interview_jobs.api.deps import DirectHandler, DirectRoute
from interview_jobs.api.dispatch import Dispatcher
from interview_jobs.api.errors import install_error_handlers
from interview_jobs.api.files import endpoints as file_endpoints
from interview_jobs.api.jobs import endpoints as job_endpoints
from interview_jobs.api.metrics import Metrics
from interview_jobs.api.openapi import install_openapi
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


class FastLane:
    """Serves the status poll ahead of the whole middleware stack and FastAPI's router.

    The poll is the request clients send most. Profiled in the server, the layers around its
    endpoint — Starlette's and FastAPI's middleware, route matching through included routers,
    the request/response adapters — cost more than the endpoint itself. A GET that matches one
    of ``routes`` (DirectRoute routes: their endpoints take no dependency the solver must run)
    is answered here by the route's direct handler, and counted in the metrics as the
    middleware would. Anything else — any other request, a request the direct handler leaves
    to FastAPI, one that raises (a 401, a 404, the database down) or arrives while dependency
    overrides are set — goes down the usual stack, which answers exactly as without this lane
    (running a GET a second time is safe). Only GET: a POST that failed after writing must not
    run again. The page's security headers concern other paths (web/__init__.py).

    The routes' router must be included without dependencies (their direct handlers do not run
    any that ``include_router`` adds); create_app does so.
    """

    def __init__(
        self, app: ASGIApp, routes: list[DirectRoute], owner: FastAPI, metrics: Metrics
    ) -> None:
        self.app = app
        self.owner = owner
        self.metrics = metrics
        self.lanes: list[tuple[DirectRoute, DirectHandler]] = []
        for route in routes:
            if route.methods != {"GET"}:
                raise ValueError(f"FastLane serves GET routes only, not {route.path}")
            self.lanes.append((route, route.direct_handler()))

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["method"] == "GET":
            started = time.perf_counter()
            for route, direct in self.lanes:
                match, child_scope = route.matches(scope)
                if match is not Match.FULL or self.owner.dependency_overrides:
                    continue
                scope.update(child_scope)  # path_params, endpoint, route
                try:
                    response = await direct(Request(scope, receive, send))
                except Exception:
                    break  # the usual stack answers (and logs) it
                if response is None:
                    break
                try:
                    await response(scope, receive, send)
                finally:
                    self.metrics.observe_request(
                        "GET", route.path, response.status_code, time.perf_counter() - started
                    )
                return
        await self.app(scope, receive, send)


class InterviewJobsAPI(FastAPI):
    """FastAPI with the :class:`FastLane` in front of its middleware stack."""

    def __init__(self, *, fast_lane: list[DirectRoute], metrics: Metrics, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._fast_lane = fast_lane
        self._lane_metrics = metrics

    def build_middleware_stack(self) -> ASGIApp:
        stack = super().build_middleware_stack()
        return FastLane(stack, self._fast_lane, self, self._lane_metrics)


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

    app = InterviewJobsAPI(
        fast_lane=[
            route
            for route in job_endpoints.direct_router.routes
            if isinstance(route, DirectRoute) and route.methods == {"GET"}
        ],
        metrics=ctx.metrics,
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
