"""The SSE stream, read from a real server (uvicorn on a free loopback port) while callbacks
change the job."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from typing import Any

import httpx
from fastapi import FastAPI

from tests.api.conftest import create_job, serve
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
