"""The app's endpoints as a flat list: (path template, methods, route).

FastAPI ≥ 0.13x nests included routers (``app.routes`` holds one entry per router);
``fastapi.routing.iter_route_contexts`` flattens them with their full paths. Older versions keep
a flat ``app.routes``. Used for the OpenAPI document's security, the ``Allow`` header of a 405,
and the tests that derive their endpoint lists from the app.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

from fastapi import routing
from starlette.routing import BaseRoute, compile_path
from starlette.types import ASGIApp


@dataclass(frozen=True)
class Endpoint:
    path: str  # the template, e.g. /api/files/{file_id}
    methods: frozenset[str]
    route: BaseRoute  # the APIRoute (or Starlette Route / Mount) as declared
    regex: re.Pattern[str]


def iter_endpoints(app: ASGIApp) -> Iterator[Endpoint]:
    routes: list[BaseRoute] = list(getattr(app, "routes", []))
    iterate = getattr(routing, "iter_route_contexts", None)
    pairs = (
        ((c.original_route, c.path_format) for c in iterate(routes))
        if iterate is not None
        else ((r, getattr(r, "path_format", None)) for r in routes)
    )
    for route, path in pairs:
        if path is None:
            continue
        methods = frozenset(getattr(route, "methods", None) or ())
        yield Endpoint(path, methods, route, compile_path(path)[0])


def allowed_methods(app: ASGIApp, path: str) -> list[str]:
    """Every method some route serves at ``path``, sorted."""
    methods: set[str] = set()
    for endpoint in iter_endpoints(app):
        if endpoint.methods and endpoint.regex.match(path):
            methods |= endpoint.methods
    return sorted(methods)
