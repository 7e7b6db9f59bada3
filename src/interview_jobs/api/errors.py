"""The API's one error hierarchy and the handlers that render it.

Every error leaves the service as ``{"error": "<Code>", "message": "<sentence>", "details": …}``
(CONTRACT.md "Errors"; for 400, 415 and 422 ``details`` is always a list of ``{field, message}``,
``contracts/errors.py``). Services raise these; they never raise ``HTTPException``.

    AppError (500 InternalError)
     ├── BadRequest            400  a body that cannot be parsed
     ├── ValidationFailed      422  parsed, but a field or parameter has an invalid value
     ├── Unauthorized          401  no or bad credentials (adds ``WWW-Authenticate: Bearer``)
     ├── Forbidden             403  authenticated (or signed) but not allowed
     ├── NotFound              404  missing — or someone else's
     ├── Conflict              409  not possible in the current state
     ├── PayloadTooLarge       413
     ├── UnsupportedMediaType  415
     ├── RangeNotSatisfiable   416
     ├── RateLimited           429  (adds ``Retry-After``)
     └── ServiceUnavailable    503  a dependency (the database) is down

Framework errors are mapped onto the same shape: FastAPI's request validation (400 for JSON that
does not parse, 422 otherwise), Starlette's 404/405 (with an ``Allow`` listing every method of the
path) and, as a last resort, anything unexpected (500, logged, no internals in the body).

Database errors are translated where the driver is called, by :func:`translated` /
:func:`database_error` (the model is httpx's ``map_exceptions``): a value the database cannot
store is a 422 (a NUL character, a number out of range), a unique constraint lost to a concurrent
request a 409, a database that is down, restarting or aborted the transaction a 503 with
``Retry-After`` — never a 500, and nothing else is taken for a database error.

:class:`ErrorOut` is that shape for the OpenAPI document; routes declare the errors they can
answer with ``responses=error_responses(404, 409, …)``.
"""

from __future__ import annotations

import contextlib
import logging
import sqlite3
from typing import Any

import asyncpg
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field
from pydantic import ValidationError as PydanticValidationError
from sqlalchemy import exc as sa_exc
from starlette.exceptions import HTTPException as StarletteHTTPException

from interview_jobs.api.routes import allowed_methods
from interview_jobs.contracts.errors import error_body, field_error, validation_details

log = logging.getLogger(__name__)


class AppError(Exception):
    status_code = 500
    code = "InternalError"

    def __init__(
        self,
        message: str,
        *,
        details: Any = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.details = details
        self.headers = headers or {}


class BadRequest(AppError):
    status_code = 400
    code = "BadRequest"


class ValidationFailed(AppError):
    status_code = 422
    code = "ValidationError"

    @classmethod
    def field(cls, field: str | None, reason: str) -> ValidationFailed:
        """A 422 naming one field (None: the whole body) and why it is invalid."""
        message = f"{field}: {reason}" if field else reason
        return cls(message, details=[field_error(field, reason)])

    @classmethod
    def from_pydantic(cls, exc: PydanticValidationError) -> ValidationFailed:
        """A 422 listing each invalid field (camelCase, as on the wire) and why."""
        details = validation_details(exc.errors())
        return cls(_summary(details), details=details)


class Unauthorized(AppError):
    status_code = 401
    code = "Unauthorized"

    def __init__(self, message: str, *, bearer: bool = True, details: Any = None) -> None:
        super().__init__(
            message, details=details, headers={"WWW-Authenticate": "Bearer"} if bearer else None
        )


class Forbidden(AppError):
    status_code = 403
    code = "Forbidden"


class NotFound(AppError):
    status_code = 404
    code = "NotFound"


class Conflict(AppError):
    status_code = 409
    code = "Conflict"


class PayloadTooLarge(AppError):
    status_code = 413
    code = "PayloadTooLarge"


class UnsupportedMediaType(AppError):
    status_code = 415
    code = "UnsupportedMediaType"


class RangeNotSatisfiable(AppError):
    status_code = 416
    code = "RangeNotSatisfiable"


class RateLimited(AppError):
    status_code = 429
    code = "RateLimited"

    def __init__(self, message: str, *, retry_after: int) -> None:
        super().__init__(
            message, details={"retryAfter": retry_after}, headers={"Retry-After": str(retry_after)}
        )


class ServiceUnavailable(AppError):
    status_code = 503
    code = "ServiceUnavailable"


class ErrorOut(BaseModel):
    """Every error body (CONTRACT.md "Errors")."""

    error: str = Field(description="a stable code, e.g. NotFound, ValidationError")
    message: str = Field(description="a sentence for a person")
    details: Any = Field(default=None, description="per-field problems or other context; or null")


_DESCRIPTIONS = {
    400: "The body cannot be parsed",
    401: "No or bad credentials",
    403: "Authenticated but not allowed (or a bad signed URL)",
    404: "Not found (also another user's job or file)",
    405: "Method not allowed",
    409: "Conflicts with the current state",
    413: "Too large",
    415: "Not a supported video / media type",
    416: "Range not satisfiable",
    422: "A parameter or field has an invalid value",
    429: "Rate limited (see Retry-After)",
    503: "A dependency (the database) is unavailable",
}


def error_responses(*codes: int) -> dict[int | str, dict[str, Any]]:
    """``responses=`` of a route: these status codes answer with :class:`ErrorOut`."""
    return {code: {"model": ErrorOut, "description": _DESCRIPTIONS[code]} for code in codes}


def error_response(
    status_code: int,
    code: str,
    message: str,
    details: Any = None,
    headers: dict[str, str] | None = None,
) -> JSONResponse:
    return JSONResponse(
        error_body(status_code, code, message, details),
        status_code=status_code,
        headers=headers,
    )


def unavailable_response(message: str, details: Any = None) -> JSONResponse:
    """503 with ``Retry-After: 1``: the database is down, locked, or aborted the request."""
    return error_response(503, "ServiceUnavailable", message, details, headers={"Retry-After": "1"})


async def _app_error(_: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, AppError)
    return error_response(exc.status_code, exc.code, exc.message, exc.details, exc.headers)


def _summary(details: list[dict[str, Any]]) -> str:
    return "Invalid request: " + "; ".join(
        f"{d['field']}: {d['message']}" if d["field"] else d["message"] for d in details
    )


def is_json_media_type(content_type: str | None) -> bool:
    """``application/json`` or ``application/*+json`` — or no Content-Type at all (parsed as JSON,
    as FastAPI does)."""
    media_type = (content_type or "").partition(";")[0].strip().lower()
    return (
        not media_type
        or media_type == "application/json"
        or (media_type.startswith("application/") and media_type.endswith("+json"))
    )


def json_expected(content_type: str | None) -> UnsupportedMediaType:
    """A body sent as something other than JSON (``text/plain``, a form): 415, saying so."""
    media_type = (content_type or "").partition(";")[0].strip()
    return UnsupportedMediaType(
        f"The body must be JSON (Content-Type: application/json), not {media_type}.",
        details=[field_error(None, f"expected application/json, got {media_type}")],
    )


async def _request_validation(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    errors = list(exc.errors())
    content_type = request.headers.get("content-type")
    if isinstance(exc.body, bytes | str) and not is_json_media_type(content_type):
        return await _app_error(request, json_expected(content_type))
    if any(e.get("type") == "json_invalid" for e in errors) or isinstance(exc.body, bytes | str):
        return error_response(400, "BadRequest", "The request body is not valid JSON.")
    details = validation_details(errors)
    return error_response(422, "ValidationError", _summary(details), details)


# Starlette's HTTP errors get the codes of the hierarchy (and 405, which it has not).
_HTTP_CODES = {
    405: "MethodNotAllowed",
    **{c.status_code: c.code for c in AppError.__subclasses__()},
}


async def _http_exception(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    message = exc.detail if isinstance(exc.detail, str) else "Request failed."
    if exc.status_code == 404 and message == "Not Found":
        message = "No such resource."
    headers = dict(exc.headers) if exc.headers else {}
    if exc.status_code == 405:
        # Starlette's Allow names the methods of the first route that matched the path only;
        # a path served by several routes (GET and DELETE /api/files/{id}) allows all of theirs.
        methods = allowed_methods(request.app, request.url.path)
        if methods:
            headers["Allow"] = ", ".join(methods)
            message = f"{request.method} is not allowed here; use {headers['Allow']}."
    return error_response(
        exc.status_code,
        _HTTP_CODES.get(exc.status_code, "HTTPError"),
        message,
        headers=headers or None,
    )


async def _pool_exhausted(_: Request, exc: Exception) -> JSONResponse:
    # SQLAlchemy's pool waited DB_POOL timeout for a connection: raised before any driver call.
    log.warning("database pool exhausted: %s", exc)
    return unavailable_response("The database is busy; try again shortly.")


# ---- database errors: translated where the driver is called (the one boundary) ----
UNSTORABLE = (
    "A value in the request cannot be stored (a NUL or invalid character, or a number out of "
    "range)."
)
# PostgreSQL error classes (SQLSTATE's first two characters): 22 data exception (a NUL in a
# string, a number out of range) is bad input; 23 integrity constraint violation lost a race
# with a concurrent request; 08 connection exception, 53 insufficient resources, 57 operator
# intervention (the server is shutting down or restarting) mean "down"; 40 transaction rollback
# (a deadlock or serialization failure) means "try again".
_SQLSTATE_CLASSES = {"22": "input", "23": "conflict", "40": "retry"}
_SQLSTATE_CLASSES |= dict.fromkeys(("08", "53", "57"), "down")


def database_error(exc: BaseException) -> AppError | None:
    """What a failure inside the database driver means to the client, or None if ``exc`` is not
    one. Called only where the driver is called (the write engine's ``handle_error`` event, its
    connection factories, the read session), so a ConnectionError or a UnicodeEncodeError
    raised anywhere else is never taken for the database's."""
    if isinstance(exc, AppError):
        return exc
    orig = getattr(exc, "orig", None)  # SQLAlchemy's wrapper of a DBAPI error
    if orig is not None and orig is not exc:
        return database_error(orig) or _sqlalchemy_class(exc)
    if isinstance(exc, UnicodeEncodeError | OverflowError | sqlite3.DataError):
        # A string with a NUL or an unpaired surrogate, an integer beyond 64 bits.
        return ValidationFailed(UNSTORABLE)
    if isinstance(exc, sqlite3.IntegrityError):
        return _conflict()
    if isinstance(exc, sqlite3.Error):  # locked, busy, I/O: the database cannot answer now
        return _unavailable()
    sqlstate = getattr(exc, "sqlstate", None)
    if isinstance(sqlstate, str):
        kind = _SQLSTATE_CLASSES.get(sqlstate[:2])
        if kind == "input":
            return ValidationFailed(UNSTORABLE)
        if kind == "conflict":
            return _conflict()
        if kind == "retry":
            return _unavailable(
                "The database aborted this request in a conflict with another one; retry it."
            )
        return _unavailable() if kind == "down" else None
    if isinstance(exc, asyncpg.InterfaceError | OSError | TimeoutError):
        # The connection died under a query, or could not be made (refused, timed out).
        return _unavailable()
    return None


def _sqlalchemy_class(exc: BaseException) -> AppError | None:
    if isinstance(exc, sa_exc.IntegrityError):
        return _conflict()
    if isinstance(exc, sa_exc.DataError):
        return ValidationFailed(UNSTORABLE)
    if isinstance(exc, sa_exc.OperationalError | sa_exc.InterfaceError):
        return _unavailable()
    return None


def _conflict() -> Conflict:
    return Conflict("The request conflicts with a concurrent change.")


def _unavailable(message: str = "The database is unavailable; try again shortly.") -> AppError:
    return ServiceUnavailable(message, headers={"Retry-After": "1"})


class translated(contextlib.AbstractContextManager["translated"]):
    """Driver errors raised inside the block leave it as the API's errors (httpx's
    ``map_exceptions``): 503 down or busy, 409 a lost race, 422 a value it cannot store. A class,
    not a generator: it wraps every read, and costs a third of a generator-based one."""

    def __exit__(self, kind: object, exc: BaseException | None, tb: object) -> None:
        if isinstance(exc, Exception):
            error = database_error(exc)
            if error is not None and error is not exc:
                log_database_error(exc, error)
                raise error from exc


def log_database_error(exc: BaseException, error: AppError) -> None:
    level = logging.INFO if error.status_code < 500 else logging.WARNING
    log.log(level, "database error (%s %s): %s", error.status_code, type(exc).__name__, exc)


async def _unexpected(_: Request, exc: Exception) -> JSONResponse:
    log.exception("unhandled error", exc_info=exc)
    return error_response(500, "InternalError", "An unexpected error occurred.")


def install_error_handlers(app: FastAPI) -> None:
    app.add_exception_handler(AppError, _app_error)
    app.add_exception_handler(RequestValidationError, _request_validation)
    app.add_exception_handler(StarletteHTTPException, _http_exception)
    app.add_exception_handler(sa_exc.TimeoutError, _pool_exhausted)
    app.add_exception_handler(Exception, _unexpected)
