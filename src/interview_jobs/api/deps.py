"""``Annotated`` dependency aliases used by every endpoint module (the HTTP side only).

``SessionDep`` is the request's write transaction (:meth:`Database.transaction`): committed when
the endpoint returns normally, rolled back when it raises. It is function-scoped, so the commit
happens *before* the response is sent (a 201/202 means the row is durable) and a commit failure
is rendered by the error handlers. ``ReadsDep`` is the read session (``api/reads.py``) of
requests that only read. ``CurrentUser`` is read from the bearer token alone (signed and
expiring) — no database round trip on every request.

Dependencies are ``async def`` on purpose: FastAPI runs a plain ``def`` dependency in a worker
thread, one thread hop per request for what is microseconds of work.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy.ext.asyncio import AsyncSession

from interview_jobs.api.auth.tokens import AuthUser
from interview_jobs.api.context import AppContext
from interview_jobs.api.errors import Unauthorized
from interview_jobs.api.reads import ReadSession


async def get_ctx(request: Request) -> AppContext:
    ctx: AppContext = request.app.state.ctx
    return ctx


ContextDep = Annotated[AppContext, Depends(get_ctx)]


async def get_session(request: Request) -> AsyncIterator[AsyncSession]:
    ctx: AppContext = request.app.state.ctx
    async with ctx.db.transaction() as session:
        yield session


SessionDep = Annotated[AsyncSession, Depends(get_session, scope="function")]


async def get_reads(request: Request) -> ReadSession:
    ctx: AppContext = request.app.state.ctx
    return ctx.db.reads


ReadsDep = Annotated[ReadSession, Depends(get_reads)]


def bearer_token(request: Request) -> str | None:
    header = request.headers.get("authorization")
    if not header:
        return None
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise Unauthorized("The Authorization header must be 'Bearer <token>'.")
    return token.strip()


async def optional_user(request: Request) -> AuthUser | None:
    token = bearer_token(request)
    if token is None:
        return None
    ctx: AppContext = request.app.state.ctx
    return ctx.tokens.verify(token)


async def current_user(request: Request) -> AuthUser:
    user = await optional_user(request)
    if user is None:
        raise Unauthorized("Authentication required: send 'Authorization: Bearer <token>'.")
    return user


CurrentUser = Annotated[AuthUser, Depends(current_user)]
OptionalUser = Annotated[AuthUser | None, Depends(optional_user)]
