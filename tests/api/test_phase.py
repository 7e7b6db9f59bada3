"""A job's ``phase`` (issue 13, "Fail fast, fail clearly"): what the worker reported doing, on the
status, the list, the detail and the event stream; never back within an attempt; none once over."""

from __future__ import annotations

import httpx
from fastapi import FastAPI

from tests.api.conftest import create_job, serve
from tests.api.test_callback import ANALYSIS, post_callback
from tests.api.test_events import next_event
from tests.support.servers import free_port


async def _report(client: httpx.AsyncClient, job_id: str, **fields: object) -> None:
    r = await post_callback(client, {"jobId": job_id, "status": "PROCESSING", **fields})
    assert r.status_code == 200, r.text


async def test_the_phase_follows_the_workers_reports(
    client: httpx.AsyncClient, alice: dict[str, str]
) -> None:
    job = await create_job(client, alice)
    url = f"/api/interview/job/{job['jobId']}"

    async def phase() -> str | None:
        shown = (await client.get(url, headers=alice)).json()
        listed = (await client.get("/api/interview/jobs", headers=alice)).json()[0]
        detail = (await client.get(f"{url}/detail", headers=alice)).json()
        assert shown["phase"] == listed["phase"] == detail["phase"]
        return shown["phase"]  # type: ignore[no-any-return]

    assert await phase() == "queued"
    await _report(client, job["jobId"], progress=0)  # a sender that predates phases
    assert await phase() == "queued"
    await _report(client, job["jobId"], progress=5, phase="downloading")
    assert await phase() == "downloading"
    await _report(client, job["jobId"], progress=50, phase="analysing", durationSeconds=60)
    assert await phase() == "analysing"
    # A late report of an earlier phase (callbacks may arrive out of order) changes nothing.
    await _report(client, job["jobId"], progress=6, phase="downloading")
    assert await phase() == "analysing"
    await _report(client, job["jobId"], progress=95, phase="scoring")
    assert await phase() == "scoring"
    r = await post_callback(
        client, {"jobId": job["jobId"], "status": "COMPLETED", "analysisData": ANALYSIS}
    )
    assert r.status_code == 200
    assert await phase() is None


async def test_a_phase_that_is_not_one_is_422(
    client: httpx.AsyncClient, alice: dict[str, str]
) -> None:
    job = await create_job(client, alice)
    r = await post_callback(
        client, {"jobId": job["jobId"], "status": "PROCESSING", "phase": "dreaming"}
    )
    assert r.status_code == 422
    assert r.json()["details"][0]["field"] == "phase"


async def test_events_carry_the_phase_and_the_estimate(
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
            lines = response.aiter_lines()
            _, data = await next_event(lines)
            assert (data["status"], data["phase"]) == ("PENDING", "queued")
            assert data["estimatedCompletionTime"] is not None
            await _report(client, job["jobId"], progress=0, phase="downloading")
            _, data = await next_event(lines)
            assert (data["status"], data["phase"]) == ("PROCESSING", "downloading")
            # A change of phase alone is an event.
            await _report(client, job["jobId"], progress=0, phase="analysing")
            _, data = await next_event(lines)
            assert (data["progress"], data["phase"]) == (0, "analysing")
            await post_callback(
                client, {"jobId": job["jobId"], "status": "FAILED", "errorMessage": "broken"}
            )
            _, data = await next_event(lines)
            assert (data["status"], data["phase"]) == ("FAILED", None)
