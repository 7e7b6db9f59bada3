"""The API's OpenAPI document: FastAPI's, plus what it cannot see by itself.

* **Security.** The bearer token is read by our own dependencies (``deps.current_user`` /
  ``optional_user``), not by a FastAPI security class (one less step on every request), so the
  schemes are declared here: each operation whose dependencies include ``current_user`` needs
  ``bearerAuth``; ``optional_user`` makes it optional (the signed file URL is the alternative);
  the callback needs ``callbackApiKey`` (``X-API-Key``). Derived from the routes, so a new
  endpoint is declared the way its dependencies say; a handler that reads the request itself
  (the plain handlers, the callback) declares what it checks with ``routes.plain_operation``.
* **Schemas of bodies read by hand** (``routes.plain_operation``'s).

The document is built once, on first request of ``/openapi.json``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from fastapi import FastAPI
from fastapi.dependencies.models import Dependant
from fastapi.openapi.utils import get_openapi
from fastapi.routing import APIRoute

from interview_jobs.api.deps import current_user, optional_user
from interview_jobs.api.errors import error_responses
from interview_jobs.api.routes import PLAIN_BODIES, SECURITY, iter_endpoints
from interview_jobs.contracts.forward import API_KEY_HEADER

SECURITY_SCHEMES: dict[str, Any] = {
    "bearerAuth": {"type": "http", "scheme": "bearer", "bearerFormat": "JWT"},
    "callbackApiKey": {"type": "apiKey", "in": "header", "name": API_KEY_HEADER},
}


def _calls(dependant: Dependant) -> set[Callable[..., Any]]:
    found: set[Callable[..., Any]] = set()
    for dep in dependant.dependencies:
        if dep.call is not None:
            found.add(dep.call)
        found |= _calls(dep)
    return found


def route_auth(route: APIRoute, path: str) -> str:
    """``"bearer"``, ``"optional-bearer"``, ``"callback"`` or ``"none"``: what a route needs."""
    declared = (route.openapi_extra or {}).get("security")
    if declared is not None:  # a handler that reads the request itself (routes.plain_operation)
        return next(auth for auth, value in SECURITY.items() if value == declared)
    calls = _calls(route.dependant)
    if current_user in calls:
        return "bearer"
    if optional_user in calls:
        return "optional-bearer"
    return "none"


def build_openapi(app: FastAPI) -> dict[str, Any]:
    document = get_openapi(
        title=app.title, version=app.version, description=app.description, routes=app.routes
    )
    components = document.setdefault("components", {})
    components["securitySchemes"] = SECURITY_SCHEMES
    schemas = components.setdefault("schemas", {})
    for name, model in PLAIN_BODIES.items():
        schema = model.model_json_schema(by_alias=True, ref_template="#/components/schemas/{model}")
        for def_name, definition in schema.pop("$defs", {}).items():
            schemas.setdefault(def_name, definition)
        schemas[name] = schema
    for endpoint in iter_endpoints(app):
        route = endpoint.route
        if not isinstance(route, APIRoute) or not route.include_in_schema:
            continue
        security = SECURITY.get(route_auth(route, endpoint.path))
        if security is None:
            continue
        for method in endpoint.methods:
            operation = document["paths"][endpoint.path].get(method.lower())
            if operation is not None:
                operation["security"] = security
    # Every JSON body may not parse (400) or come as another media type (415): errors.py answers
    # both for any route, so every such operation declares them.
    for operation in (op for item in document["paths"].values() for op in item.values()):
        if "application/json" in operation.get("requestBody", {}).get("content", {}):
            for code in (400, 415):
                operation["responses"].setdefault(str(code), _error_response(code))
    return document


def _error_response(code: int) -> dict[str, Any]:
    content = {"application/json": {"schema": {"$ref": "#/components/schemas/ErrorOut"}}}
    return {"description": error_responses(code)[code]["description"], "content": content}


def install_openapi(app: FastAPI) -> None:
    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            app.openapi_schema = build_openapi(app)
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]
