"""DirectRoute (the status poll's route class) calls its endpoint without FastAPI's dependency
solver, so it must refuse any endpoint whose parameters the solver would have had to validate,
and must not change what the route declares."""

from __future__ import annotations

import pytest
from fastapi import APIRouter, Depends, FastAPI, Request, Response
from fastapi.testclient import TestClient

from interview_jobs.api.deps import AuthUser, CurrentUser, DirectRoute, SessionDep, current_user
from interview_jobs.api.errors import Unauthorized


def _router() -> APIRouter:
    return APIRouter(route_class=DirectRoute)


def test_refuses_a_path_parameter_that_needs_converting() -> None:
    with pytest.raises(TypeError, match="must be a str"):

        @_router().get("/job/{job_id}")
        async def endpoint(job_id: int, user: CurrentUser) -> Response:
            raise AssertionError


def test_refuses_query_parameters_and_other_dependencies() -> None:
    with pytest.raises(TypeError, match="only str path parameters"):

        @_router().get("/jobs")
        async def with_query(limit: int, user: CurrentUser) -> Response:
            raise AssertionError

    with pytest.raises(TypeError, match="only str path parameters"):

        @_router().get("/job/{job_id}")
        async def with_session(job_id: str, session: SessionDep) -> Response:
            raise AssertionError


def test_refuses_dependencies_added_by_include_router() -> None:
    async def audit(request: Request) -> None:
        raise AssertionError("would be skipped")

    router = _router()

    @router.get("/job/{job_id}")
    async def endpoint(job_id: str, request: Request) -> Response:
        return Response(job_id)

    app = FastAPI()
    app.include_router(router, dependencies=[Depends(audit)])
    # FastAPI (0.165) builds an included route's handler on its first request
    with TestClient(app) as client, pytest.raises(TypeError, match="only str path parameters"):
        client.get("/job/1")


def test_dependency_overrides_go_through_fastapis_own_handler() -> None:
    router = _router()

    @router.get("/who/{name}")
    async def who(name: str, user: CurrentUser) -> Response:
        return Response(f"{name}:{user.username}")

    app = FastAPI()
    app.include_router(router)
    with TestClient(app) as client:
        with pytest.raises(Unauthorized):  # the direct path: the real current_user, no token
            client.get("/who/a")
        app.dependency_overrides[current_user] = lambda: AuthUser(1, "stand-in")
        assert client.get("/who/a").text == "a:stand-in"


def test_the_status_route_declares_what_it_did_before(app: FastAPI) -> None:
    operation = app.openapi()["paths"]["/api/interview/job/{job_id}"]["get"]
    assert operation["security"] == [{"bearerAuth": []}]
    assert [(p["name"], p["in"], p["required"]) for p in operation["parameters"]] == [
        ("job_id", "path", True)
    ]
    assert operation["responses"]["200"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/JobOut"
    }
    for status in ("401", "404"):
        assert status in operation["responses"]


async def test_direct_route_passes_path_request_and_user() -> None:
    seen: dict[str, object] = {}
    router = _router()

    @router.get("/echo/{name}")
    async def echo(name: str, request: Request) -> Response:
        seen["name"], seen["path"] = name, request.url.path
        return Response("ok")

    route = router.routes[0]
    assert isinstance(route, DirectRoute)
    scope = {
        "type": "http",
        "method": "GET",
        "path": "/echo/a b",
        "headers": [],
        "query_string": b"",
        "path_params": {"name": "a b"},
    }
    response = await route.get_route_handler()(Request(scope))
    assert response.body == b"ok"
    assert seen == {"name": "a b", "path": "/echo/a b"}
