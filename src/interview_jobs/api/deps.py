"""``Annotated`` dependency aliases used by every endpoint module (the HTTP side only).

``SessionDep`` is the request's write transaction (:meth:`Database.transaction`): committed when
the endpoint returns normally, rolled back when it raises. It is function-scoped, so the commit
happens *before* the response is sent (a 201/202 means the row is durable) and a commit failure
is rendered by the error handlers. ``ReadsDep`` is the read session (``api/driver.py``) of
requests that only read. ``CurrentUser`` is read from the bearer token alone (signed and
expiring) — no database round trip on every request.

Dependencies are ``async def`` on purpose: FastAPI runs a plain ``def`` dependency in a worker
thread, one thread hop per request for what is microseconds of work.

The plain handlers (``routes.PlainRoute``) use the functions below the aliases directly: the
same authentication, and a JSON body parsed and validated as FastAPI would (400 for a body that
is not JSON, 422 naming each invalid field), in the same order (the body's syntax, then the
credentials, then its values).
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from typing import Annotated, Any, TypeVar

from fastapi import Depends, Request, Response
from pydantic import BaseModel, ValidationError
from sqlalchemy.ext.asyncio import AsyncSession

from interview_jobs.api.auth.tokens import AuthUser
from interview_jobs.api.context import AppContext
from interview_jobs.api.driver import ReadSession
from interview_jobs.api.errors import (
    BadRequest,
    Unauthorized,
    ValidationFailed,
    is_json_media_type,
    json_expected,
)


def context(request: Request) -> AppContext:
    ctx: AppContext = request.app.state.ctx
    return ctx


async def get_ctx(request: Request) -> AppContext:
    return context(request)


async def get_session(request: Request) -> AsyncIterator[AsyncSession]:
    async with context(request).db.transaction() as session:
        yield session


async def get_reads(request: Request) -> ReadSession:
    return context(request).db.driver


ContextDep = Annotated[AppContext, Depends(get_ctx)]
SessionDep = Annotated[AsyncSession, Depends(get_session, scope="function")]
ReadsDep = Annotated[ReadSession, Depends(get_reads)]


def bearer_token(request: Request) -> str | None:
    header = request.headers.get("authorization")
    if not header:
        return None
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise Unauthorized("The Authorization header must be 'Bearer <token>'.")
    return token.strip()


def authenticated(request: Request) -> tuple[AppContext, AuthUser]:
    """The app's context and the caller the bearer token names (Unauthorized without one)."""
    ctx, token = context(request), bearer_token(request)
    if token is None:
        raise Unauthorized("Authentication required: send 'Authorization: Bearer <token>'.")
    return ctx, ctx.tokens.verify(token)


async def optional_user(request: Request) -> AuthUser | None:
    return None if bearer_token(request) is None else authenticated(request)[1]


async def current_user(request: Request) -> AuthUser:
    return authenticated(request)[1]


CurrentUser = Annotated[AuthUser, Depends(current_user)]
OptionalUser = Annotated[AuthUser | None, Depends(optional_user)]


# ---- for the plain handlers ----
M = TypeVar("M", bound=BaseModel)
_NO_BODY = object()


async def json_payload(request: Request) -> Any:
    """The body as JSON (415 if it is sent as another type, 400 if it does not parse;
    ``_NO_BODY`` when empty)."""
    raw = await request.body()
    if not raw:
        return _NO_BODY
    content_type = request.headers.get("content-type")
    if not is_json_media_type(content_type):
        raise json_expected(content_type)
    try:
        return json.loads(raw)
    except ValueError:
        raise BadRequest("The request body is not valid JSON.") from None


def validated(model: type[M], payload: Any) -> M:
    """``payload`` as ``model`` (422 listing each invalid field, as FastAPI's would)."""
    if payload is _NO_BODY:
        raise ValidationFailed.field(None, "a JSON body is required")
    try:
        return model.model_validate(payload)
    except ValidationError as exc:
        raise ValidationFailed.from_pydantic(exc) from None


def json_response(
    model: BaseModel, *, status_code: int = 200, headers: dict[str, str] | None = None
) -> Response:
    """A response model as FastAPI writes it (by alias, JSON mode)."""
    return Response(
        model.__pydantic_serializer__.to_json(model, by_alias=True),
        status_code=status_code,
        media_type="application/json",
        headers=headers,
    )
