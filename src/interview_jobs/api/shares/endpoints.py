"""HTTP of sharing: the owner's links and comments under the job, and the link's own reads."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Request, Response

from interview_jobs.api.deps import ContextDep, CurrentUser, SessionDep
from interview_jobs.api.errors import error_responses
from interview_jobs.api.jobs.service import analysis_of
from interview_jobs.api.models import ReportShare, ShareComment
from interview_jobs.api.shares import service
from interview_jobs.api.shares.schemas import (
    CommentIn,
    CommentOut,
    ShareCreate,
    SharedReportOut,
    ShareOut,
)

MAX_ID = 2**63 - 1
ItemId = Annotated[int, Path(ge=1, le=MAX_ID)]

owner_router = APIRouter(
    prefix="/api/interview/job/{job_id}",
    tags=["sharing"],
    responses=error_responses(401, 404, 422, 503),
)
# No login: the token in the path is the credential (never logged: interview_jobs.logs).
public_router = APIRouter(
    prefix="/api/shared/{token}", tags=["sharing"], responses=error_responses(404, 422, 503)
)


def _share_out(share: ReportShare, url: str | None = None) -> ShareOut:
    return ShareOut(
        id=share.id,
        url=url,
        allow_comments=share.allow_comments,
        created_at=share.created_at,
        expires_at=share.expires_at,
        state=service.state_of(share),
    )


def _comment_out(comment: ShareComment) -> CommentOut:
    return CommentOut(
        id=comment.id,
        name=comment.author,
        text=comment.text,
        at_seconds=comment.at_seconds,
        created_at=comment.created_at,
    )


@owner_router.post(
    "/shares", status_code=201, response_model=ShareOut, responses=error_responses(400, 409, 415)
)
async def create_share(
    job_id: str, body: ShareCreate, user: CurrentUser, session: SessionDep, ctx: ContextDep
) -> ShareOut:
    """A read-only link to this report (``url`` is shown this once: only its hash is kept)."""
    share, token = await service.create(ctx, session, user, job_id, body)
    return _share_out(share, f"{service.SHARE_PATH}{token}")


@owner_router.get("/shares", response_model=list[ShareOut])
async def list_shares(
    job_id: str, user: CurrentUser, session: SessionDep, ctx: ContextDep
) -> list[ShareOut]:
    return [_share_out(s) for s in await service.shares_of(ctx, session, user, job_id)]


@owner_router.delete("/shares/{share_id}", status_code=204, response_class=Response)
async def revoke_share(
    job_id: str, share_id: ItemId, user: CurrentUser, session: SessionDep, ctx: ContextDep
) -> Response:
    """Revoke a link: it opens nothing from now on (its comments stay with the report)."""
    await service.revoke(ctx, session, user, job_id, share_id)
    return Response(status_code=204)


@owner_router.get("/comments", response_model=list[CommentOut])
async def list_comments(
    job_id: str, user: CurrentUser, session: SessionDep, ctx: ContextDep
) -> list[CommentOut]:
    return [_comment_out(c) for c in await service.comments_of(ctx, session, user, job_id)]


@owner_router.delete("/comments/{comment_id}", status_code=204, response_class=Response)
async def delete_comment(
    job_id: str, comment_id: ItemId, user: CurrentUser, session: SessionDep, ctx: ContextDep
) -> Response:
    await service.delete_comment(ctx, session, user, job_id, comment_id)
    return Response(status_code=204)


@public_router.get("", response_model=SharedReportOut)
async def shared_report(token: str, session: SessionDep, ctx: ContextDep) -> SharedReportOut:
    share, job, video, comments = await service.shared_report(ctx, session, token)
    return SharedReportOut(
        status=job.status,
        analysis_type=job.analysis_type,
        created_at=job.created_at,
        duration_seconds=job.duration_seconds,
        detailed_analysis=analysis_of(job),
        video_url=video,
        allow_comments=share.allow_comments,
        expires_at=share.expires_at,
        comments=[_comment_out(c) for c in comments],
    )


@public_router.post(
    "/comments",
    status_code=201,
    response_model=CommentOut,
    responses=error_responses(400, 403, 415, 429),
)
async def add_comment(
    token: str, body: CommentIn, request: Request, session: SessionDep, ctx: ContextDep
) -> CommentOut:
    client = request.client.host if request.client else "unknown"
    return _comment_out(await service.add_comment(ctx, session, token, body, client))
