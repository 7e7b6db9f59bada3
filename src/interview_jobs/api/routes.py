"""Routes: the plain route class of the hot endpoints, and the app's endpoints as a flat list.

:class:`PlainRoute` serves an endpoint that is a plain handler: it takes the ``Request`` and
returns the ``Response``, authenticating, parsing and rendering itself. Measured on the status
poll (``bench/api_throughput.py``, and a profile of it in process), FastAPI's request handling
around an endpoint — the dependency solver, the parameter checks, the response validation —
cost about as much as the rest of the request together, on the two requests clients send most.
The route is still declared to FastAPI (it matches, appears in the OpenAPI document and in the
route list like any other); :func:`plain_operation` declares what FastAPI cannot see in a handler
that takes only the request.

:func:`iter_endpoints` lists the app's endpoints with their full path templates (included
routers are nested in ``app.routes``; ``fastapi.routing.iter_route_contexts`` flattens them). Used
for the OpenAPI document's security, the ``Allow`` header of a 405, and the tests that derive
their endpoint lists from the app.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Coroutine, Iterator
from dataclasses import dataclass
from typing import Any

from fastapi import Request, Response, routing
from fastapi.routing import APIRoute
from pydantic import BaseModel
from starlette.routing import BaseRoute, compile_path
from starlette.types import ASGIApp, Receive, Scope, Send

Auth = str  # "bearer" | "optional-bearer" | "callback" | "none": see openapi.route_auth
SECURITY: dict[Auth, list[dict[str, list[str]]]] = {
    "bearer": [{"bearerAuth": []}],
    "optional-bearer": [{"bearerAuth": []}, {}],
    "callback": [{"callbackApiKey": []}],
}
PLAIN_BODIES: dict[str, type[BaseModel]] = {}  # schemas openapi.py adds to the components


class PlainRoute(APIRoute):
    """A route whose endpoint is the request handler itself (see the module docstring).

    Its endpoint must take only the ``Request``; dependencies — the route's or its router's —
    are refused, since none would run.
    """

    def __init__(self, path: str, endpoint: Callable[..., Any], **kwargs: Any) -> None:
        super().__init__(path, endpoint, **kwargs)
        if self.dependant.dependencies or len(self.dependant.path_params) > 0:
            raise TypeError(f"PlainRoute {path}: the handler takes the Request alone")
        handler: Callable[[Request], Coroutine[Any, Any, Response]] = self.endpoint

        # Not FastAPI's request_response: its exit stacks are for dependencies (none here); what
        # the handler raises is rendered by the app's ExceptionMiddleware (the same handlers).
        async def app(scope: Scope, receive: Receive, send: Send) -> None:
            response = await handler(Request(scope, receive, send))
            await response(scope, receive, send)

        self.app = app


def plain_operation(
    *,
    auth: Auth,
    path_params: tuple[str, ...] = (),
    headers: tuple[tuple[str, str], ...] = (),
    body: type[BaseModel] | None = None,
) -> dict[str, Any]:
    """``openapi_extra`` of a route whose handler reads the request itself (a PlainRoute, the
    callback): what it reads — path parameters (strings), optional headers (name, description),
    a JSON body — and the credentials it checks."""
    operation: dict[str, Any] = {
        "parameters": [
            {"name": name, "in": "path", "required": True, "schema": {"type": "string"}}
            for name in path_params
        ]
        + [
            {
                "name": name,
                "in": "header",
                "required": False,
                "schema": {"type": "string"},
                "description": description,
            }
            for name, description in headers
        ]
    }
    if auth in SECURITY:
        operation["security"] = SECURITY[auth]
    if body is not None:
        PLAIN_BODIES[body.__name__] = body
        operation["requestBody"] = {
            "required": True,
            "content": {
                "application/json": {"schema": {"$ref": f"#/components/schemas/{body.__name__}"}}
            },
        }
    return operation


@dataclass(frozen=True)
class Endpoint:
    path: str  # the template, e.g. /api/files/{file_id}
    methods: frozenset[str]
    route: BaseRoute  # the APIRoute (or Starlette Route / Mount) as declared
    regex: re.Pattern[str]


def iter_endpoints(app: ASGIApp) -> Iterator[Endpoint]:
    for context in routing.iter_route_contexts(list(getattr(app, "routes", []))):
        path = context.path_format
        if path is None:
            continue
        route = context.original_route
        methods = frozenset(getattr(route, "methods", None) or ())
        yield Endpoint(path, methods, route, compile_path(path)[0])


def allowed_methods(app: ASGIApp, path: str) -> list[str]:
    """Every method some route serves at ``path``, sorted."""
    methods: set[str] = set()
    for endpoint in iter_endpoints(app):
        if endpoint.methods and endpoint.regex.match(path):
            methods |= endpoint.methods
    return sorted(methods)
