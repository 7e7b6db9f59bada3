"""Job creation's fast path: the analyze endpoint without FastAPI's dependency solver
(DirectRoute), and the job + outbox write without a session (fastsql.py), on both databases."""

from __future__ import annotations

import uuid
from typing import Any
from unittest import mock

import fastapi.routing
import httpx
import pytest
from fastapi import APIRouter, FastAPI, Header
from pydantic import BaseModel
from sqlalchemy import exc as sa_exc
from sqlalchemy import func, select

from interview_jobs.api.deps import ContextDep, CurrentUser, DirectRoute
from interview_jobs.api.jobs import repository
from interview_jobs.api.models import InterviewJob, OutboxEntry, utcnow

VIDEO = {"videoUrl": "https://videos.example.com/a.mp4"}


class Two(BaseModel):
    a: int


async def _counts(app: FastAPI) -> tuple[int, int]:
    async with app.state.ctx.db.sessionmaker() as session:
        jobs = await session.scalar(select(func.count()).select_from(InterviewJob))
        outbox = await session.scalar(select(func.count()).select_from(OutboxEntry))
    return int(jobs or 0), int(outbox or 0)


def _values(user_id: int, **changes: Any) -> dict[str, Any]:
    now = utcnow()
    values: dict[str, Any] = {
        "job_id": str(uuid.uuid4()),
        "user_id": user_id,
        "video_url": "https://videos.example.com/a.mp4",
        "status": "PENDING",
        "file_id": None,
        "analysis_type": "comprehensive",
        "created_at": now,
        "updated_at": now,
        "attempt": 1,
        "duration_seconds": None,
        "deadline_at": now,
        "estimated_completion_at": now,
    }
    return {**values, **changes}


async def _user_id(client: httpx.AsyncClient, headers: dict[str, str]) -> int:
    r = await client.get("/api/auth/me", headers=headers)
    assert r.status_code == 200, r.text
    return int(r.json()["id"])


async def test_plain_creation_skips_the_solver_and_others_use_it(
    client: httpx.AsyncClient, alice: dict[str, str]
) -> None:
    with mock.patch.object(
        fastapi.routing, "solve_dependencies", wraps=fastapi.routing.solve_dependencies
    ) as solver:
        plain = await client.post("/api/interview/analyze", json=VIDEO, headers=alice)
        assert plain.status_code == 202, plain.text
        assert solver.call_count == 0
        # An Idempotency-Key, a +json content type, an invalid body: FastAPI's own handler.
        keyed = await client.post(
            "/api/interview/analyze", json=VIDEO, headers={**alice, "Idempotency-Key": "k1"}
        )
        assert keyed.status_code == 202, keyed.text
        vendor = await client.post(
            "/api/interview/analyze",
            content=b'{"videoUrl": "https://videos.example.com/b.mp4"}',
            headers={**alice, "Content-Type": "application/vnd.example+json"},
        )
        assert vendor.status_code == 202, vendor.text
        invalid = await client.post(
            "/api/interview/analyze", json={"videoUrl": "ftp://x/y"}, headers=alice
        )
        assert invalid.status_code == 422
        assert solver.call_count == 3
    # Both paths answer with the same shape.
    assert set(plain.json()) == set(keyed.json()) == set(vendor.json())
    assert plain.headers["location"] == f"/api/interview/job/{plain.json()['jobId']}"
    assert invalid.json()["error"] == "ValidationError"
    assert any("videoUrl" in str(d) for d in invalid.json()["details"])


async def test_a_valid_body_without_a_token_is_401_and_bad_json_is_400(
    client: httpx.AsyncClient,
) -> None:
    r = await client.post("/api/interview/analyze", json=VIDEO)
    assert r.status_code == 401
    r = await client.post(
        "/api/interview/analyze", content=b"{not json", headers={"Content-Type": "application/json"}
    )
    assert r.status_code == 400
    assert r.json()["error"] == "BadRequest"


async def test_the_analyze_route_declares_what_it_did_before(app: FastAPI) -> None:
    operation = app.openapi()["paths"]["/api/interview/analyze"]["post"]
    assert operation["security"] == [{"bearerAuth": []}]
    assert operation["requestBody"]["required"] is True
    assert operation["requestBody"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/AnalyzeRequest"
    }
    assert [(p["name"], p["in"], p.get("required", False)) for p in operation["parameters"]] == [
        ("Idempotency-Key", "header", False)
    ]
    assert operation["responses"]["202"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/InterviewJobResponse"
    }
    for status in ("400", "401", "409", "422"):
        assert status in operation["responses"]


def test_direct_route_refuses_headers_with_defaults_and_non_model_bodies() -> None:
    router = APIRouter(route_class=DirectRoute)
    with pytest.raises(TypeError, match="optional headers"):

        @router.post("/a")
        async def with_default(x_mode: str = Header(default="fast")) -> None:
            raise AssertionError

    with pytest.raises(TypeError, match="one JSON body model"):

        @router.post("/b")
        async def with_dict(body: dict[str, int], ctx: ContextDep) -> None:
            raise AssertionError

    with pytest.raises(TypeError, match="one JSON body model"):

        @router.post("/c")
        async def with_two(first: Two, second: Two, user: CurrentUser) -> None:
            raise AssertionError


async def test_the_job_and_its_outbox_row_are_written_together(
    app: FastAPI, client: httpx.AsyncClient, alice: dict[str, str]
) -> None:
    user_id = await _user_id(client, alice)
    db = app.state.ctx.db
    job_pk = await repository.create_job(db, _values(user_id))
    async with db.sessionmaker() as session:
        row = (await session.execute(select(OutboxEntry))).scalar_one()
    assert (row.job_pk, row.attempt, row.tries) == (job_pk, 1, 0)
    # A foreign key that fails (a file deleted since it was checked): SQLAlchemy's
    # IntegrityError, as from a session (the API answers 409), and neither row is stored.
    with pytest.raises(sa_exc.IntegrityError):
        await repository.create_job(db, _values(user_id, file_id=987654))
    assert await _counts(app) == (1, 1)


@pytest.mark.parametrize("settings_overrides", [{"db_sqlite_driver": "aiosqlite"}])
async def test_the_session_path_writes_the_same_rows(
    app: FastAPI, client: httpx.AsyncClient, alice: dict[str, str]
) -> None:
    # The threaded SQLite driver has no raw write path (on PostgreSQL this is asyncpg's).
    user_id = await _user_id(client, alice)
    db = app.state.ctx.db
    assert db.fast.raw_writes in (None, "asyncpg")
    await repository.create_job(db, _values(user_id))
    with pytest.raises(sa_exc.IntegrityError):
        await repository.create_job(db, _values(user_id, file_id=987654))
    assert await _counts(app) == (1, 1)


async def test_a_failing_block_rolls_the_sqlite_transaction_back(
    app: FastAPI, client: httpx.AsyncClient, alice: dict[str, str]
) -> None:
    db = app.state.ctx.db
    if db.fast.raw_writes != "sqlite":
        pytest.skip("the in-loop SQLite transaction")
    user_id = await _user_id(client, alice)
    params = {f"job_{k}": v for k, v in _values(user_id).items()}
    with pytest.raises(RuntimeError, match="after the insert"):
        async with db.fast.sqlite_transaction() as tx:
            tx.run(repository._FAST_INSERT_JOB, params)
            raise RuntimeError("after the insert")
    assert await _counts(app) == (0, 0)
    # The connection is usable (not left inside a transaction).
    await repository.create_job(db, _values(user_id))
    assert await _counts(app) == (1, 1)
