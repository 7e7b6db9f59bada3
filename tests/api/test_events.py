"""The SSE stream, read from a real server (uvicorn on a free loopback port) while callbacks
change the job: pushed by the job feed (no polling), resumable, across API processes."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from typing import Any

import asyncpg
import httpx
import pytest
from fastapi import FastAPI

from interview_jobs.api.app import create_app
from interview_jobs.config import Settings
from tests.api.conftest import create_job, is_postgres, running, serve
from tests.api.test_callback import ANALYSIS, post_callback
from tests.support.servers import free_port


async def next_event(lines: AsyncIterator[str]) -> tuple[str, dict[str, Any]]:
    """The next ``event:``/``data:`` pair, skipping comments and the retry hint."""
    name = ""
    async for line in lines:
        if line.startswith("event: "):
            name = line.removeprefix("event: ")
        elif line.startswith("data: "):
            return name, json.loads(line.removeprefix("data: "))
    raise AssertionError("stream ended")


async def test_events_follow_status_and_progress_then_close(
    client: httpx.AsyncClient, alice: dict[str, str], app: FastAPI
) -> None:
    job = await create_job(client, alice)
    port = free_port()
    async with (
        serve(app, port),
        httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", timeout=10) as http,
    ):
        url = f"/api/interview/job/{job['jobId']}/events"
        async with http.stream("GET", url, headers=alice) as response:
            assert response.status_code == 200
            assert response.headers["content-type"].startswith("text/event-stream")
            lines = response.aiter_lines()
            name, data = await next_event(lines)
            assert (name, data["status"], data["progress"]) == ("status", "PENDING", None)

            # Callbacks arrive through the other client (think: another API replica).
            await post_callback(
                client, {"jobId": job["jobId"], "status": "PROCESSING", "progress": 30}
            )
            _, data = await next_event(lines)
            assert (data["status"], data["progress"]) == ("PROCESSING", 30)
            await post_callback(
                client, {"jobId": job["jobId"], "status": "PROCESSING", "progress": 60}
            )
            _, data = await next_event(lines)
            assert data["progress"] == 60
            await post_callback(
                client, {"jobId": job["jobId"], "status": "COMPLETED", "analysisData": ANALYSIS}
            )
            _, data = await next_event(lines)
            assert data["status"] == "COMPLETED"
            # Closed after the terminal status.
            assert [line async for line in lines if line.startswith("data:")] == []


async def test_events_of_a_finished_job_send_one_event(
    client: httpx.AsyncClient, alice: dict[str, str]
) -> None:
    job = await create_job(client, alice)
    await client.post(f"/api/interview/job/{job['jobId']}/cancel", headers=alice)
    r = await client.get(f"/api/interview/job/{job['jobId']}/events", headers=alice)
    assert r.status_code == 200
    events = [json.loads(line[6:]) for line in r.text.splitlines() if line.startswith("data: ")]
    assert [e["status"] for e in events] == ["CANCELLED"]


async def test_last_event_id_resumes_where_the_client_was(
    client: httpx.AsyncClient, alice: dict[str, str], app: FastAPI
) -> None:
    job = await create_job(client, alice)
    url = f"/api/interview/job/{job['jobId']}/events"
    port = free_port()
    async with (
        serve(app, port),
        httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", timeout=10) as http,
    ):
        async with http.stream("GET", url, headers=alice) as response:
            lines = response.aiter_lines()
            seen = [line async for line in _until_data(lines)]
        first_id = next(line[4:] for line in seen if line.startswith("id: "))
        # Reconnecting with the id of what it has: nothing is sent again until the job changes.
        await post_callback(client, {"jobId": job["jobId"], "status": "PROCESSING", "progress": 7})
        headers = {**alice, "Last-Event-ID": first_id}
        async with http.stream("GET", url, headers=headers) as response:
            _, data = await next_event(response.aiter_lines())
            assert (data["status"], data["progress"]) == ("PROCESSING", 7)
        await post_callback(
            client, {"jobId": job["jobId"], "status": "COMPLETED", "analysisData": ANALYSIS}
        )
        async with http.stream("GET", url, headers=alice) as response:
            seen = [line async for line in response.aiter_lines()]
        last_id = [line[4:] for line in seen if line.startswith("id: ")][-1]
        # It saw the terminal event already: 204 tells an EventSource to stop reconnecting.
        done = await http.get(url, headers={**alice, "Last-Event-ID": last_id})
        assert done.status_code == 204


async def _until_data(lines: AsyncIterator[str]) -> AsyncIterator[str]:
    async for line in lines:
        yield line
        if line.startswith("data: "):
            return


async def test_a_change_applied_by_another_api_process_reaches_the_stream(
    client: httpx.AsyncClient, alice: dict[str, str], settings: Settings, fresh_db: str
) -> None:
    """PostgreSQL: the stream is held by one app, the callback lands on another; the second
    commits a NOTIFY, the first's listener wakes the stream. A change made while no one
    listened (here: by SQL of its own, with no NOTIFY) is picked up when the listener
    reconnects."""
    if not is_postgres(fresh_db):
        pytest.skip("one API process per SQLite file: an in-process broadcast")
    job = await create_job(client, alice)
    holder = create_app(settings)
    port = free_port()
    async with (
        running(holder),
        serve(holder, port),
        httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", timeout=10) as http,
    ):
        async with asyncio.timeout(10):
            await holder.state.ctx.feed.listening.wait()
        url = f"/api/interview/job/{job['jobId']}/events"
        async with http.stream("GET", url, headers=alice) as response:
            lines = response.aiter_lines()
            _, data = await next_event(lines)
            assert data["status"] == "PENDING"
            await post_callback(
                client, {"jobId": job["jobId"], "status": "PROCESSING", "progress": 40}
            )
            async with asyncio.timeout(5):
                _, data = await next_event(lines)
            assert data["progress"] == 40

            dsn = fresh_db.replace("postgresql+asyncpg", "postgresql")
            conn = await asyncpg.connect(dsn)
            try:
                await conn.execute(
                    "UPDATE interview_jobs SET progress = 55 WHERE job_id = $1", job["jobId"]
                )
                await conn.execute(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                    "WHERE query LIKE 'LISTEN%' AND datname = current_database()"
                )
            finally:
                await conn.close()
            async with asyncio.timeout(10):
                _, data = await next_event(lines)
            assert data["progress"] == 55
