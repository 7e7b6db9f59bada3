"""HTTP of the jobs domain: the seed's endpoints, the (ext) ones, and the AI backend's callback."""

from __future__ import annotations

import hmac
import json
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Header, Query, Request, Response
from fastapi.responses import JSONResponse, StreamingResponse
from pydantic import ValidationError
from pydantic_core import to_json

from interview_jobs.api.deps import ContextDep, CurrentUser, DirectRoute, SessionDep
from interview_jobs.api.errors import BadRequest, Unauthorized, ValidationFailed, error_responses
from interview_jobs.api.jobs import events, service
from interview_jobs.api.jobs.schemas import (
    STATUS_MESSAGES,
    AnalyzeRequest,
    InterviewJobResponse,
    JobDetailOut,
    JobOut,
    ListQuery,
)
from interview_jobs.contracts.callback import CALLBACK_PATH, CallbackRequest, CallbackResponse
from interview_jobs.contracts.common import JobStatus
from interview_jobs.contracts.forward import API_KEY_HEADER
from interview_jobs.contracts.webhooks import SignatureError, verify

router = APIRouter(
    prefix="/api/interview", tags=["jobs"], responses=error_responses(401, 404, 422, 503)
)
# The status poll and job creation, the hottest endpoints, have a router of their own, for its
# route class (see DirectRoute).
direct_router = APIRouter(
    prefix="/api/interview",
    tags=["jobs"],
    responses=error_responses(401, 404, 422, 503),
    route_class=DirectRoute,
)
callback_router = APIRouter(tags=["callback"])

# The callback's body is read raw (its signature covers the exact bytes), then validated as a
# CallbackRequest: declared here. The schema itself is added by interview_jobs.api.openapi.
_CALLBACK_BODY = {
    "requestBody": {
        "required": True,
        "content": {
            "application/json": {"schema": {"$ref": "#/components/schemas/CallbackRequest"}}
        },
    },
    "parameters": [
        {
            "name": name,
            "in": "header",
            "required": False,
            "schema": {"type": "string"},
            "description": "Standard Webhooks header (required when WEBHOOK_SECRET is set)",
        }
        for name in ("webhook-id", "webhook-timestamp", "webhook-signature")
    ],
}


def _job_wire(job: service.JobRow) -> dict[str, Any]:
    """A job's JSON object as ``JobOut`` declares it (camelCase keys, in its field order), built
    straight from the row: the status poll and the list dump it with pydantic-core, which
    writes datetimes and enums exactly as the model would (tests/api/test_jobs.py checks), at a
    fraction of the cost of building the model first."""
    # The stored strings are the enums' values (StrEnum: equal, same hash, same JSON).
    status = job.status
    return {
        "id": job.id,
        "jobId": job.job_id,
        "userId": job.user_id,
        "status": status,
        "message": job.error_message
        if status == JobStatus.FAILED and job.error_message
        else STATUS_MESSAGES[status],
        "analysisType": job.analysis_type,
        "videoUrl": job.video_url,
        "fileId": job.file_id,
        "createdAt": job.created_at,
        "updatedAt": job.updated_at,
        "errorMessage": job.error_message,
        "progress": job.progress,
        "attempt": job.attempt,
        "estimatedCompletionTime": job.estimated_completion_at,
    }


def _json(content: Any, headers: dict[str, str] | None = None) -> Response:
    return Response(to_json(content), media_type="application/json", headers=headers)


@direct_router.post(
    "/analyze",
    status_code=202,
    response_model=InterviewJobResponse,
    responses=error_responses(400, 409),
)
async def analyze(
    body: AnalyzeRequest,
    user: CurrentUser,
    ctx: ContextDep,
    idempotency_key: Annotated[str | None, Header(alias="Idempotency-Key")] = None,
) -> JSONResponse:
    """Create a job (PENDING) and answer at once; the dispatcher forwards it after commit."""
    created = await service.create(ctx, user, body, idempotency_key)
    message = (
        "Job created; it will be analysed in the background."
        if not created.replayed
        else f"Job already created for this Idempotency-Key; it is {created.status}."
    )
    payload = InterviewJobResponse(
        job_id=created.job_id,
        status=created.status,
        message=message,
        analysis_type=created.analysis_type,
        created_at=created.created_at,
        estimated_completion_time=created.estimated_completion_at,
    )
    return JSONResponse(
        payload.wire(),
        status_code=202,
        headers={"Location": f"/api/interview/job/{created.job_id}"},
    )


# The read-only endpoints take no SessionDep: they read on a connection of their own, without a
# transaction to open and commit (the hot path of clients polling a job).
@direct_router.get("/job/{job_id}", response_model=JobOut)
async def get_job(job_id: str, request: Request, user: CurrentUser) -> Response:
    # The endpoint clients poll, made cheap: no dependency solver (DirectRoute), and the row is
    # dumped to JSON directly (FastAPI would validate the model we just built, then serialise).
    job = await service.read(request.app.state.ctx, user, job_id)
    return _json(_job_wire(job))


@router.get("/job/{job_id}/detail", response_model=JobDetailOut)
async def get_job_detail(job_id: str, user: CurrentUser, ctx: ContextDep) -> JobDetailOut:
    job = await service.read(ctx, user, job_id, detail=True)
    return JobDetailOut.model_validate(
        {
            **_job_wire(job),
            "detailedAnalysis": service.analysis_of(job),
            "durationSeconds": job.duration_seconds,
        }
    )


@router.get("/jobs", response_model=list[JobOut])
async def list_jobs(
    request: Request,
    user: CurrentUser,
    ctx: ContextDep,
    query: Annotated[ListQuery, Query()],
) -> Response:
    """The caller's jobs, newest first; the next page is in the ``Link`` header."""
    jobs, more = await service.list_jobs(
        ctx, user, status=query.status, before=query.before, limit=query.limit
    )
    headers = {}
    if more and jobs:
        nxt: dict[str, str | int] = {"limit": query.limit, "before": jobs[-1].job_id}
        if query.status is not None:
            nxt["status"] = query.status.value
        headers["Link"] = f'<{request.url.path}?{urlencode(nxt)}>; rel="next"'
    return _json([_job_wire(j) for j in jobs], headers)


@router.post("/job/{job_id}/cancel", response_model=JobOut, responses=error_responses(409))
async def cancel_job(job_id: str, user: CurrentUser, session: SessionDep) -> JobOut:
    return JobOut.model_validate(_job_wire(await service.cancel(session, user, job_id)))


@router.delete("/job/{job_id}", status_code=204, response_class=Response)
async def delete_job(job_id: str, user: CurrentUser, session: SessionDep) -> Response:
    await service.delete(session, user, job_id)
    return Response(status_code=204)


@router.get(
    "/job/{job_id}/events",
    response_class=StreamingResponse,
    responses={200: {"content": {"text/event-stream": {}}, "description": "Server-Sent Events"}},
)
async def job_events(
    job_id: str, user: CurrentUser, session: SessionDep, ctx: ContextDep
) -> StreamingResponse:
    job = await service.get_owned(session, user, job_id)
    return StreamingResponse(
        events.job_events(ctx, job.id),
        media_type="text/event-stream",
        headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"},
    )


@callback_router.post(
    CALLBACK_PATH,
    response_model=CallbackResponse,
    responses=error_responses(400, 401, 404, 409, 422, 503),
    openapi_extra=_CALLBACK_BODY,
)
async def analysis_callback(
    request: Request, session: SessionDep, ctx: ContextDep
) -> CallbackResponse:
    """The AI backend's report: API key, then (when WEBHOOK_SECRET is set) the signature."""
    key = request.headers.get(API_KEY_HEADER)
    if not key or not any(hmac.compare_digest(key.encode(), k) for k in ctx.callback_api_keys):
        raise Unauthorized(f"A valid {API_KEY_HEADER} header is required.", bearer=False)
    raw = await request.body()
    webhook_id: str | None = None
    if ctx.webhook_secret is not None:
        try:
            webhook_id = verify(ctx.webhook_secret, raw, request.headers)
        except SignatureError as exc:
            raise Unauthorized(f"Webhook signature rejected: {exc}", bearer=False) from None
    try:
        data = json.loads(raw)
    except ValueError:
        raise BadRequest("The request body is not valid JSON.") from None
    try:
        body = CallbackRequest.model_validate(data)
    except ValidationError as exc:
        raise ValidationFailed.from_pydantic(exc) from None
    outcome = await service.apply_callback(ctx, session, body, webhook_id)
    ctx.metrics.callbacks.labels("applied" if outcome.applied else "repeat").inc()
    return CallbackResponse(job_id=outcome.job_id, status=outcome.status, message=outcome.message)
