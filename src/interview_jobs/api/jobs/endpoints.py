"""HTTP of the jobs domain: the seed's endpoints, the (ext) ones, and the AI backend's callback."""

from __future__ import annotations

import functools
import hmac
import json
from typing import Annotated, Literal
from urllib.parse import urlencode

from fastapi import APIRouter, Header, Query, Request, Response
from fastapi.responses import StreamingResponse
from pydantic import ValidationError

from interview_jobs.api.deps import (
    ContextDep,
    CurrentUser,
    ReadsDep,
    SessionDep,
    authenticated,
    json_payload,
    json_response,
    validated,
)
from interview_jobs.api.errors import BadRequest, Unauthorized, ValidationFailed, error_responses
from interview_jobs.api.jobs import events, service
from interview_jobs.api.jobs.schemas import (
    AnalyzeRequest,
    InterviewJobResponse,
    JobDetailOut,
    JobOut,
    ListQuery,
    SeedJobDetailOut,
)
from interview_jobs.api.routes import PlainRoute, plain_operation
from interview_jobs.contracts.callback import CALLBACK_PATH, CallbackRequest, CallbackResponse
from interview_jobs.contracts.forward import API_KEY_HEADER
from interview_jobs.contracts.webhooks import SignatureError, verify

router = APIRouter(
    prefix="/api/interview", tags=["jobs"], responses=error_responses(401, 404, 422, 503)
)
callback_router = APIRouter(tags=["callback"])

# The callback reads its body raw (its signature covers the exact bytes), then validates it.
_WEBHOOK_HEADERS = tuple(
    (name, "Standard Webhooks header (required when WEBHOOK_SECRET is set)")
    for name in ("webhook-id", "webhook-timestamp", "webhook-signature")
)


# ---- job creation and the status poll: plain handlers (routes.PlainRoute) ----
async def analyze(request: Request) -> Response:
    """Create a job (PENDING) and answer at once; the dispatcher forwards it after commit."""
    payload = await json_payload(request)
    ctx, user = authenticated(request)
    body = validated(AnalyzeRequest, payload)
    created = await service.create(ctx, user, body, request.headers.get("idempotency-key"))
    answer = InterviewJobResponse(
        job_id=created.job_id,
        status=created.status,
        message=(
            f"Job already created for this Idempotency-Key; it is {created.status}."
            if created.replayed
            else "Job created; it will be analysed in the background."
        ),
        analysis_type=created.analysis_type,
        created_at=created.created_at,
        estimated_completion_time=created.estimated_completion_at,
    )
    location = {"Location": f"/api/interview/job/{created.job_id}"}
    return json_response(answer, status_code=202, headers=location)


async def get_job(request: Request) -> Response:
    ctx, user = authenticated(request)
    job = await service.read(ctx.db.driver, user, request.path_params["job_id"])
    return json_response(JobOut.of(job))


def add_plain_routes(app_router: APIRouter) -> None:
    """Job creation and the status poll, the requests clients send most, on the app's own
    router: matched first and once (a route of an included router is matched twice, measured
    here as a fifth of the poll's time in the app)."""
    add = functools.partial(
        app_router.add_api_route, route_class_override=PlainRoute, tags=["jobs"]
    )
    key = (("Idempotency-Key", "the same key and body within 24 h: the same job"),)
    add(
        "/api/interview/job/{job_id}",
        get_job,
        methods=["GET"],
        response_model=JobOut,
        responses=error_responses(401, 404, 422, 503),
        openapi_extra=plain_operation(auth="bearer", path_params=("job_id",)),
    )
    add(
        "/api/interview/analyze",
        analyze,
        methods=["POST"],
        status_code=202,
        response_model=InterviewJobResponse,
        responses=error_responses(400, 401, 404, 409, 422, 503),
        openapi_extra=plain_operation(auth="bearer", headers=key, body=AnalyzeRequest),
    )
    # Ahead of the documentation routes FastAPI added when the app was made.
    app_router.routes.sort(key=lambda route: not isinstance(route, PlainRoute))


@router.get(
    "/job/{job_id}/detail",
    response_model=JobDetailOut | SeedJobDetailOut,
    responses={
        200: {
            "description": "The job and its analysis; with format=seed the original's "
            "InterviewJobDetailResponse (detailedAnalysis a JSON string)"
        }
    },
)
async def get_job_detail(
    job_id: str,
    user: CurrentUser,
    reads: ReadsDep,
    format: Annotated[
        Literal["ext", "seed"],
        Query(description="seed: the original system's form (detailedAnalysis a JSON string)"),
    ] = "ext",
) -> JobDetailOut | Response:
    job = await service.read_detail(reads, user, job_id)
    if format == "seed":
        return json_response(SeedJobDetailOut.of_detail(job))
    return JobDetailOut.of_detail(job, service.analysis_of(job))


@router.get("/jobs", response_model=list[JobOut])
async def list_jobs(
    request: Request,
    response: Response,
    user: CurrentUser,
    reads: ReadsDep,
    query: Annotated[ListQuery, Query()],
) -> list[JobOut]:
    """The caller's jobs, newest first; the next page is in the ``Link`` header."""
    jobs, more = await service.list_jobs(
        reads, user, status=query.status, before=query.before, limit=query.limit
    )
    if more and jobs:
        nxt: dict[str, str | int] = {"limit": query.limit, "before": jobs[-1].job_id}
        if query.status is not None:
            nxt["status"] = query.status.value
        response.headers["Link"] = f'<{request.url.path}?{urlencode(nxt)}>; rel="next"'
    return [JobOut.of(job) for job in jobs]


@router.post("/job/{job_id}/cancel", response_model=JobOut, responses=error_responses(409))
async def cancel_job(
    job_id: str, user: CurrentUser, session: SessionDep, ctx: ContextDep
) -> JobOut:
    return JobOut.of(await service.cancel(ctx, session, user, job_id))


@router.delete("/job/{job_id}", status_code=204, response_class=Response)
async def delete_job(
    job_id: str, user: CurrentUser, session: SessionDep, ctx: ContextDep
) -> Response:
    await service.delete(ctx, session, user, job_id)
    return Response(status_code=204)


@router.get(
    "/job/{job_id}/events",
    response_class=StreamingResponse,
    responses={
        200: {"content": {"text/event-stream": {}}, "description": "Server-Sent Events"},
        204: {"description": "Last-Event-ID was the job's terminal event: nothing more to send"},
    },
)
async def job_events(
    job_id: str,
    user: CurrentUser,
    reads: ReadsDep,
    ctx: ContextDep,
    last_event_id: Annotated[str | None, Header(alias="Last-Event-ID")] = None,
) -> Response:
    job = await service.read(reads, user, job_id)
    if job.status.is_terminal and events.event_id(job) == last_event_id:
        return Response(status_code=204)
    stream = events.job_events(
        reads,
        ctx.feed,
        job,
        last_event_id=last_event_id,
        heartbeat_seconds=ctx.settings.sse_heartbeat_seconds,
    )
    return StreamingResponse(
        stream,
        media_type="text/event-stream",
        headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"},
    )


@callback_router.post(
    CALLBACK_PATH,
    response_model=CallbackResponse,
    responses=error_responses(400, 401, 404, 409, 422, 503),
    openapi_extra=plain_operation(auth="callback", headers=_WEBHOOK_HEADERS, body=CallbackRequest),
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
