"""``Annotated`` dependency aliases used by every endpoint module.

``SessionDep`` is the request's session: it commits when the endpoint returns normally and rolls
back when it raises. It is function-scoped, so the commit happens *before* the response is sent
(a 201/202 means the row is durable) and a commit failure is rendered by the error handlers.
``CurrentUser`` is read from the bearer token alone (signed and expiring) — no database round trip
on every request.
"""

from __future__ import annotations

import inspect
import json
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Coroutine
from dataclasses import dataclass
from typing import Annotated, Any

import fastapi.routing
import jwt
from fastapi import Depends, Request, Response
from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute
from pydantic import BaseModel
from sqlalchemy.ext.asyncio import AsyncSession

from interview_jobs.api.context import AppContext
from interview_jobs.api.errors import Unauthorized

JWT_ALGORITHM = "HS256"


async def get_ctx(request: Request) -> AppContext:
    ctx: AppContext = request.app.state.ctx
    return ctx


ContextDep = Annotated[AppContext, Depends(get_ctx)]


async def get_session(request: Request) -> AsyncIterator[AsyncSession]:
    ctx: AppContext = request.app.state.ctx
    async with ctx.db.sessionmaker() as session:
        try:
            yield session
        except BaseException:
            await session.rollback()
            for hook in session.info.get(AFTER_ROLLBACK, ()):
                hook()
            raise
        else:
            await session.commit()
            for hook in session.info.get(AFTER_COMMIT, ()):
                hook()


# Side effects on the file system that must follow the transaction's fate (delete a stored file
# only once its row is gone; remove a fresh upload if its row was not written).
AFTER_COMMIT = "after_commit"
AFTER_ROLLBACK = "after_rollback"


def on_commit(session: AsyncSession, hook: Callable[[], None]) -> None:
    session.info.setdefault(AFTER_COMMIT, []).append(hook)


def on_rollback(session: AsyncSession, hook: Callable[[], None]) -> None:
    session.info.setdefault(AFTER_ROLLBACK, []).append(hook)


SessionDep = Annotated[AsyncSession, Depends(get_session, scope="function")]


@dataclass(frozen=True, slots=True)
class AuthUser:
    id: int
    username: str


def bearer_token(request: Request) -> str | None:
    header = request.headers.get("authorization")
    if not header:
        return None
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise Unauthorized("The Authorization header must be 'Bearer <token>'.")
    return token.strip()


def decode_token(ctx: AppContext, token: str) -> AuthUser:
    cached = ctx.token_cache.get(token)
    if cached is not None and cached[1] > time.time():
        hit: AuthUser = cached[0]
        return hit
    user, expires = _verify_token(ctx, token)
    if len(ctx.token_cache) >= TOKEN_CACHE_SIZE:
        ctx.token_cache.clear()  # crude but bounded; a client re-uses its token for an hour
    ctx.token_cache[token] = (user, expires)
    return user


# Verified tokens, kept until they expire: a client polling a job sends the same token many times,
# and checking the signature again each time costs as much as the database read.
TOKEN_CACHE_SIZE = 10_000


def _decode(ctx: AppContext, token: str) -> dict[str, Any]:
    """The token's claims, checked with the current key or (during a rotation) a previous one."""
    for key in ctx.jwt_keys[:-1]:
        try:
            return _decode_with(key, token)
        except jwt.InvalidSignatureError:
            continue
    return _decode_with(ctx.jwt_keys[-1], token)


def _decode_with(key: bytes, token: str) -> dict[str, Any]:
    claims: dict[str, Any] = jwt.decode(
        token, key, algorithms=[JWT_ALGORITHM], options={"require": ["exp", "sub"]}
    )
    return claims


def _verify_token(ctx: AppContext, token: str) -> tuple[AuthUser, float]:
    try:
        claims = _decode(ctx, token)
        user = AuthUser(id=int(claims["sub"]), username=str(claims.get("name", "")))
        return user, float(claims["exp"])
    except jwt.ExpiredSignatureError:
        raise Unauthorized("The access token has expired; log in again.") from None
    except (jwt.InvalidTokenError, ValueError, TypeError):
        raise Unauthorized("The access token is not valid.") from None


def _user_from(request: Request) -> AuthUser | None:
    token = bearer_token(request)
    if token is None:
        return None
    return decode_token(request.app.state.ctx, token)


# Dependencies are ``async def`` on purpose: FastAPI runs a plain ``def`` dependency in a worker
# thread, one thread hop per request for what is microseconds of work.
async def optional_user(request: Request) -> AuthUser | None:
    return _user_from(request)


async def current_user(request: Request) -> AuthUser:
    user = _user_from(request)
    if user is None:
        raise Unauthorized("Authentication required: send 'Authorization: Bearer <token>'.")
    return user


CurrentUser = Annotated[AuthUser, Depends(current_user)]
OptionalUser = Annotated[AuthUser | None, Depends(optional_user)]


class DirectRoute(APIRoute):
    """An ``APIRoute`` whose endpoint is called without FastAPI's general dependency solver.

    For the hottest endpoints (the status poll, job creation): profiling showed the solver (four
    parameter kinds checked for the endpoint and again for each dependency) costing a quarter of
    the request's CPU. The endpoint is declared as usual — the OpenAPI document (parameters, body,
    security) is the same — but its parameters may only be ``str`` path parameters, the
    ``Request``, ``CurrentUser``, ``ContextDep``, optional headers (default None) and one JSON
    body model. Anything else — including dependencies added by the router or by
    ``include_router`` — is refused (TypeError) when FastAPI builds the handler (for an included
    router, on its first request), so this can never skip work a parameter or dependency needed.

    Only the plain case is direct: a request that sends one of the headers, a body that is not
    ``application/json`` or does not validate, or any request while ``app.dependency_overrides``
    holds anything goes through FastAPI's own handler, which gives exactly its usual answer (the
    body read here is cached on the request, so it is not lost).
    """

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        generic = super().get_route_handler()
        # FastAPI ≥ 0.165 builds the handler once per inclusion, with that inclusion's
        # dependencies in an "effective route context"; older versions copied them into the route.
        context_var = getattr(fastapi.routing, "_effective_route_context_var", None)
        context = context_var.get() if context_var is not None else None
        if context is None or getattr(context, "original_route", None) is not self:
            context = self
        direct = self._direct(context.dependant)
        provider = context.dependency_overrides_provider

        async def handler(request: Request) -> Response:
            if provider is not None and getattr(provider, "dependency_overrides", None):
                return await generic(request)
            response = await direct(request)
            return response if response is not None else await generic(request)

        return handler

    def direct_handler(self) -> DirectHandler:
        """The direct call alone, for serving the route before FastAPI's router (see
        ``interview_jobs.api.app.FastLane``): it answers None where FastAPI's own handler must.
        Dependencies an ``include_router`` adds are not in it: include the route's router
        without any."""
        return self._direct(self.dependant)

    def _direct(self, dependant: Dependant) -> DirectHandler:
        endpoint = self.endpoint
        signature = inspect.signature(endpoint, eval_str=True)
        refused = TypeError(
            f"DirectRoute {self.path}: only str path parameters, the Request, CurrentUser, "
            "ContextDep, optional headers and one JSON body model"
        )
        path_names = [field.name for field in dependant.path_params]
        for name in path_names:
            if signature.parameters[name].annotation is not str:
                raise TypeError(f"DirectRoute {self.path}: path parameter {name} must be a str")
        injected = {current_user: "user", get_ctx: "ctx"}
        dependencies = [(dep.name, injected.get(dep.call)) for dep in dependant.dependencies]  # type: ignore[arg-type]
        headers = [(field.name, field.alias) for field in dependant.header_params]
        if any(signature.parameters[name].default is not None for name, _ in headers):
            raise refused
        body = dependant.body_params[0] if len(dependant.body_params) == 1 else None
        body_model = body.field_info.annotation if body is not None else None
        if body is not None and not (
            isinstance(body_model, type) and issubclass(body_model, BaseModel)
        ):
            raise refused
        if (
            any(name is None or kind is None for name, kind in dependencies)
            or dependant.query_params
            or dependant.cookie_params
            or len(dependant.body_params) > 1
            or len(signature.parameters)
            != len(path_names)
            + len(dependencies)
            + len(headers)
            + (body is not None)
            + (dependant.request_param_name is not None)
        ):
            raise refused
        request_name = dependant.request_param_name

        async def direct(request: Request) -> Response | None:
            params = request.path_params
            kwargs: dict[str, Any] = {name: params[name] for name in path_names}
            for name, alias in headers:
                if alias in request.headers:
                    return None
                kwargs[name] = None
            if body is not None:
                parsed = await _json_body(request, body_model)  # type: ignore[arg-type]
                if parsed is None:
                    return None
                kwargs[body.name] = parsed
            for dep_name, kind in dependencies:
                if kind == "user":
                    kwargs[str(dep_name)] = await current_user(request)
                else:
                    kwargs[str(dep_name)] = request.app.state.ctx
            if request_name is not None:
                kwargs[request_name] = request
            response: Response = await endpoint(**kwargs)
            return response

        return direct


DirectHandler = Callable[[Request], Awaitable[Response | None]]
_JSON = frozenset({"application/json", "application/json; charset=utf-8"})


async def _json_body(request: Request, model: type[BaseModel]) -> BaseModel | None:
    """The body as ``model`` when it is plain valid JSON of it (validated in Python mode, as
    FastAPI does); None for anything FastAPI's handler must answer itself."""
    if request.headers.get("content-type", "").lower() not in _JSON:
        return None
    try:
        raw = await request.body()
        return model.model_validate(json.loads(raw)) if raw else None
    except Exception:  # unreadable, not JSON, not valid: FastAPI's handler says exactly why
        return None
