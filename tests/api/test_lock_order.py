"""Lock order on PostgreSQL: every writer locks a job's row before its outbox rows.

Found by bench/load.py: the dispatcher recording an accepted forward deleted the outbox row and
then updated the job, while a callback of the same job updated the job and then deleted its
outbox row — a deadlock, answered 500. Here a second connection plays the callback's
transaction step by step around the dispatcher's, deterministically.
"""

from __future__ import annotations

import asyncio

import asyncpg
import httpx
import pytest
from fastapi import FastAPI

from interview_jobs.api.dispatch import Dispatcher, RoundReport, _Result
from interview_jobs.api.models import utcnow
from tests.api.conftest import create_job, is_postgres


async def test_accepted_forward_and_callback_do_not_deadlock(
    client: httpx.AsyncClient, alice: dict[str, str], app: FastAPI, fresh_db: str
) -> None:
    if not is_postgres(fresh_db):
        pytest.skip("SQLite serialises writers: no lock order to get wrong")
    job = await create_job(client, alice)
    dispatcher: Dispatcher = app.state.dispatcher
    [claimed] = await dispatcher._claim(utcnow())  # the forward was POSTed and accepted …

    callback = await asyncpg.connect(fresh_db.replace("postgresql+asyncpg", "postgresql"))
    try:
        job_pk = await callback.fetchval(
            "SELECT id FROM interview_jobs WHERE job_id = $1", job["jobId"]
        )
        # … while a callback of the same job is half-way through its transaction
        tx = callback.transaction()
        await tx.start()
        await callback.execute(
            "UPDATE interview_jobs SET status = 'PROCESSING' WHERE id = $1", job_pk
        )
        record = asyncio.create_task(
            dispatcher._record([_Result(claimed, "accepted")], RoundReport())
        )
        await asyncio.sleep(0.5)  # the dispatcher now waits for the job's row lock
        await callback.execute("DELETE FROM outbox WHERE job_pk = $1", job_pk)
        await tx.commit()
        await asyncio.wait_for(record, timeout=20)  # raised "deadlock detected" before
    finally:
        await callback.close()
    left = await client.get(f"/api/interview/job/{job['jobId']}", headers=alice)
    assert left.json()["status"] == "PROCESSING"
