"""Liveness, readiness (the database and the file store answer) and Prometheus metrics."""

from __future__ import annotations

import logging

from fastapi import APIRouter, Response
from fastapi.responses import JSONResponse

from interview_jobs import __version__
from interview_jobs.api.deps import ContextDep
from interview_jobs.api.errors import error_responses, unavailable_response
from interview_jobs.api.metrics import CONTENT_TYPE_LATEST

log = logging.getLogger(__name__)
router = APIRouter(tags=["health"])


@router.get("/health")
async def health() -> dict[str, str]:
    return {"status": "ok"}


@router.get("/api/interview/health")
async def interview_health() -> dict[str, str]:
    """(ext) The original system's probe (its front end calls it without a token): the API is
    up. Whether the AI backend is reachable is not probed here (a public endpoint must not make
    outbound requests); ``GET /ready`` checks the database."""
    return {"status": "healthy", "service": "Interview Job System API", "version": __version__}


@router.get("/ready", responses=error_responses(503))
async def ready(ctx: ContextDep) -> JSONResponse:
    try:
        await ctx.db.ping()
    except Exception as exc:  # any failure to answer means not ready
        log.warning("readiness: database unavailable: %s", exc)
        return unavailable_response(
            "The database is unavailable.", details={"database": "unavailable"}
        )
    try:
        await ctx.store.ping()
    except Exception as exc:
        log.warning("readiness: file store unavailable: %s", exc)
        return unavailable_response(
            "The file store is unavailable.", details={"database": "ok", "storage": "unavailable"}
        )
    return JSONResponse({"status": "ready", "database": "ok", "storage": "ok"})


@router.get(
    "/metrics",
    response_class=Response,
    responses={200: {"content": {CONTENT_TYPE_LATEST: {}}, "description": "Prometheus text"}},
)
async def metrics(ctx: ContextDep) -> Response:
    return Response(ctx.metrics.render(), media_type=CONTENT_TYPE_LATEST)
