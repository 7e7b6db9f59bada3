"""Fixtures of the API tests: every test runs against SQLite and PostgreSQL.

* ``database_url`` (session, parametrised ``sqlite`` / ``postgres``): a migrated database — a temp
  SQLite file, or a uniquely named PostgreSQL database created for this session (Alembic upgrade)
  and dropped at the end. PostgreSQL unreachable → ``require`` skips locally, fails in CI.
* ``fresh_db`` (function): empties every table before the test, so each test is isolated.
* ``app`` / ``client``: the real ASGI app with its lifespan running, reached through httpx's
  ASGITransport. The dispatcher loop is off; tests drive ``app.state.dispatcher.run_once()``.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import asyncpg
import httpx
import pytest
import uvicorn
from fastapi import FastAPI

from interview_jobs.api import migrate
from interview_jobs.api.app import create_app
from interview_jobs.api.models import Base
from interview_jobs.config import Settings, get_settings
from tests.conftest import require_postgres
from tests.support.postgres import temporary_database

# Every table of the models, children first (a new table is emptied without being listed).
TABLES = tuple(t.name for t in reversed(Base.metadata.sorted_tables))

CALLBACK_KEY = "test-callback-key-0123456789"
AI_KEY = "test-ai-key-0123456789abcdef"
WEBHOOK_SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
PASSWORD = "correct horse battery"


@pytest.fixture(scope="session", params=["sqlite", "postgres"])
def database_url(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[str]:
    if request.param == "sqlite":
        path = tmp_path_factory.mktemp("sqlite") / "api.db"
        url = f"sqlite+aiosqlite:///{path}"
        migrate.upgrade(url)
        yield url
        return
    require_postgres()
    with temporary_database("ij_test") as url:
        migrate.upgrade(url)
        yield url


def is_postgres(url: str) -> bool:
    return url.startswith("postgresql")


async def empty_tables(url: str) -> None:
    if is_postgres(url):
        dsn = url.replace("postgresql+asyncpg", "postgresql")
        conn = await asyncpg.connect(dsn)
        try:
            await conn.execute(f"TRUNCATE {', '.join(TABLES)} RESTART IDENTITY CASCADE")
        finally:
            await conn.close()
    else:
        import sqlite3

        path = url.split(":///", 1)[1]
        with contextlib.closing(sqlite3.connect(path)) as conn:
            for table in TABLES:
                conn.execute(f"DELETE FROM {table}")
            conn.execute("DELETE FROM sqlite_sequence") if _has_sequence(conn) else None
            conn.commit()


def _has_sequence(conn: Any) -> bool:
    row = conn.execute("SELECT 1 FROM sqlite_master WHERE name='sqlite_sequence'").fetchone()
    return row is not None


@pytest.fixture
async def fresh_db(database_url: str) -> str:
    await empty_tables(database_url)
    return database_url


def make_settings(data_dir: Path, database_url: str, **overrides: Any) -> Settings:
    values: dict[str, Any] = {
        "data_dir": data_dir,
        "database_url": database_url,
        "dispatcher_enabled": False,
        "gc_freeze_on_start": False,
        "argon2_time_cost": 1,
        "argon2_memory_kib": 8,
        "argon2_parallelism": 1,
        "jwt_secret": "test-jwt-secret-0123456789abcdef",
        "callback_api_key": CALLBACK_KEY,
        "ai_api_key": AI_KEY,
        "webhook_secret": WEBHOOK_SECRET,
        "url_signing_secret": "test-url-signing-0123456789",
        "api_url": "http://api.test",
        "ai_url": "http://127.0.0.1:9",  # discard port: nothing listens in tests by default
        "login_rate_limit_per_minute": 5,
    }
    values.update(overrides)
    return get_settings(**values)


@pytest.fixture
def settings_overrides() -> dict[str, Any]:
    """Override in a test module (or via indirect parametrisation) to change the app's settings."""
    return {}


@pytest.fixture
def settings(tmp_path: Path, fresh_db: str, settings_overrides: dict[str, Any]) -> Settings:
    return make_settings(tmp_path / "data", fresh_db, **settings_overrides)


@contextlib.asynccontextmanager
async def running(app: FastAPI) -> AsyncIterator[FastAPI]:
    async with app.router.lifespan_context(app):
        yield app


@pytest.fixture
async def app(settings: Settings) -> AsyncIterator[FastAPI]:
    application = create_app(settings)
    async with running(application):
        yield application


@pytest.fixture
async def client(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://api.test") as c:
        yield c


async def login(client: httpx.AsyncClient, username: str) -> dict[str, str]:
    """Register (if needed) and log in; returns the Authorization header."""
    r = await client.post("/api/auth/register", json={"username": username, "password": PASSWORD})
    assert r.status_code in (201, 409), r.text
    r = await client.post("/api/auth/login", json={"username": username, "password": PASSWORD})
    assert r.status_code == 200, r.text
    return {"Authorization": f"Bearer {r.json()['accessToken']}"}


@pytest.fixture
async def alice(client: httpx.AsyncClient) -> dict[str, str]:
    return await login(client, "alice")


@pytest.fixture
async def bob(client: httpx.AsyncClient) -> dict[str, str]:
    return await login(client, "bob")


# ---- media ----
def mp4_bytes(size: int = 8192) -> bytes:
    """Bytes that sniff as MP4 (an ftyp box); not decodable, which the API never needs."""
    head = b"\x00\x00\x00\x18ftypisom\x00\x00\x02\x00isomiso2"
    return head + bytes(range(256)) * ((size - len(head)) // 256 + 1)


def webm_bytes(size: int = 8192) -> bytes:
    # EBML header whose DocType is "webm"
    head = (
        b"\x1a\x45\xdf\xa3\x9f\x42\x86\x81\x01\x42\xf7\x81\x01"
        b"\x42\xf2\x81\x04\x42\xf3\x81\x08\x42\x82\x84webm"
    )
    return (head + b"\x00" * size)[:size]


async def upload(
    client: httpx.AsyncClient,
    headers: dict[str, str],
    data: bytes | None = None,
    name: str = "interview.mp4",
) -> dict[str, Any]:
    r = await client.post(
        "/api/files", files={"file": (name, data or mp4_bytes(), "video/mp4")}, headers=headers
    )
    assert r.status_code == 201, r.text
    return dict(r.json())


async def create_job(
    client: httpx.AsyncClient, headers: dict[str, str], **body: Any
) -> dict[str, Any]:
    body = body or {"videoUrl": "https://videos.example.com/interview.mp4"}
    r = await client.post("/api/interview/analyze", json=body, headers=headers)
    assert r.status_code == 202, r.text
    return dict(r.json())


# ---- a real HTTP server on a free loopback port ----
@contextlib.asynccontextmanager
async def serve(app: Any, port: int) -> AsyncIterator[uvicorn.Server]:
    """Serve an ASGI app with uvicorn inside the test's event loop (lifespan off)."""
    config = uvicorn.Config(app, host="127.0.0.1", port=port, lifespan="off", log_level="warning")
    server = uvicorn.Server(config)
    task = asyncio.create_task(server.serve())
    while not server.started:
        if task.done():
            task.result()  # raises the start-up error
        await asyncio.sleep(0.005)
    try:
        yield server
    finally:
        server.should_exit = True
        await task
