"""HTTP of the auth domain: register, login, me."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response

from interview_jobs.api.auth import service
from interview_jobs.api.auth.schemas import (
    AccountDeletion,
    Credentials,
    LoginRequest,
    TokenOut,
    UserOut,
    UserSettings,
)
from interview_jobs.api.context import AppContext
from interview_jobs.api.deps import ContextDep, CurrentUser, SessionDep
from interview_jobs.api.errors import error_responses
from interview_jobs.api.files.retention import effective_days
from interview_jobs.api.models import User

router = APIRouter(prefix="/api/auth", tags=["auth"], responses=error_responses(503))


@router.post(
    "/register",
    status_code=201,
    response_model=UserOut,
    response_model_by_alias=True,
    responses=error_responses(400, 409, 422),
)
async def register(body: Credentials, session: SessionDep, ctx: ContextDep) -> UserOut:
    user = await service.register(ctx, session, body.username, body.password)
    return _user_out(ctx, user)


@router.post("/login", response_model=TokenOut, responses=error_responses(400, 401, 422, 429))
async def login(body: LoginRequest, request: Request, ctx: ContextDep) -> TokenOut:
    client = request.client.host if request.client else "unknown"
    token, lifetime = await service.login(ctx, body.username, body.password, client)
    return TokenOut(access_token=token, expires_in=lifetime)


def _user_out(ctx: AppContext, user: User) -> UserOut:
    return UserOut(
        id=user.id,
        username=user.username,
        video_retention_days=user.video_retention_days,
        retention_days=effective_days(ctx.settings.video_retention_days, user.video_retention_days),
    )


@router.get("/me", response_model=UserOut, responses=error_responses(401, 404))
async def me(user: CurrentUser, session: SessionDep, ctx: ContextDep) -> UserOut:
    return _user_out(ctx, await service.me(session, user))


@router.patch("/me", response_model=UserOut, responses=error_responses(400, 401, 404, 415, 422))
async def update_me(
    body: UserSettings, user: CurrentUser, session: SessionDep, ctx: ContextDep
) -> UserOut:
    """(ext) My settings: ``videoRetentionDays`` (shorter than the server's only)."""
    found = await service.update_settings(ctx, session, user, body.video_retention_days)
    return _user_out(ctx, found)


@router.delete(
    "/me",
    status_code=204,
    response_class=Response,
    responses=error_responses(401, 403, 404, 422, 429),
)
async def delete_me(
    body: AccountDeletion, request: Request, user: CurrentUser, session: SessionDep, ctx: ContextDep
) -> Response:
    """Delete my account and everything of mine: files (their bytes too), jobs, analyses, share
    links, comments, idempotency keys. Needs the password."""
    client = request.client.host if request.client else "unknown"
    await service.delete_account(ctx, session, user, body.password, client)
    return Response(status_code=204)
