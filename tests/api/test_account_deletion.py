"""Deleting an account (``DELETE /api/auth/me`` with the password): afterwards a scan of every
table and of the upload store finds nothing of that user, and everything of another user is
still there."""

from __future__ import annotations

import json
import uuid
from typing import Any

import httpx
from sqlalchemy import select
from sqlalchemy.ext.asyncio import create_async_engine

from interview_jobs.api.models import Base
from interview_jobs.config import Settings
from tests.api.conftest import PASSWORD, create_job, upload
from tests.api.test_callback import post_callback


async def a_full_account(client: httpx.AsyncClient, headers: dict[str, str]) -> dict[str, Any]:
    """Files, jobs (one completed through a signed callback, one made with an Idempotency-Key),
    a share link with a comment: something in every table."""
    file = await upload(client, headers)
    done = await create_job(client, headers, fileId=file["id"])
    answer = {
        "index": 0, "question": {"text": "Why us?", "id": "mot-001", "category": "motivation"},
        "start": 0.0, "end": 40.0, "score": 70, "contentScore": 60, "deliveryScore": 80,
    }  # fmt: skip
    analysis = {
        "schemaVersion": 2, "analysisType": "comprehensive", "score": 70, "summary": "x",
        "contentScore": 60, "deliveryScore": 80, "answers": [answer],
    }  # fmt: skip
    body = {"jobId": done["jobId"], "status": "COMPLETED", "analysisData": json.dumps(analysis)}
    assert (await post_callback(client, body, msg_id=f"msg_{uuid.uuid4().hex}")).status_code == 200
    keyed = await client.post(
        "/api/interview/analyze",
        json={"videoUrl": "https://videos.example.com/a.mp4"},
        headers={**headers, "Idempotency-Key": f"key-{uuid.uuid4()}"},
    )
    assert keyed.status_code == 202
    share = await client.post(
        f"/api/interview/job/{done['jobId']}/shares", json={"allowComments": True}, headers=headers
    )
    token = share.json()["url"].removeprefix("/s/")
    comment = {"name": "coach", "text": "nice"}
    assert (await client.post(f"/api/shared/{token}/comments", json=comment)).status_code == 201
    me = (await client.get("/api/auth/me", headers=headers)).json()
    return {
        "user_id": me["id"],
        "username": me["username"],
        "job_ids": [done["jobId"], keyed.json()["jobId"]],
        "stored_names": [file["fileName"]],
        "share_token": token,
    }


async def every_row(settings: Settings) -> dict[str, list[dict[str, Any]]]:
    engine = create_async_engine(settings.resolved_database_url)
    try:
        async with engine.connect() as conn:
            return {
                table.name: [dict(r._mapping) for r in await conn.execute(select(table))]
                for table in Base.metadata.sorted_tables
            }
    finally:
        await engine.dispose()


def traces(rows: dict[str, list[dict[str, Any]]], who: dict[str, Any]) -> list[str]:
    """Where anything of ``who`` still is."""
    found = []
    needles = [who["username"], *who["job_ids"], *who["stored_names"]]
    for table, items in rows.items():
        for row in items:
            if row.get("user_id") == who["user_id"] or (
                table == "users" and row["id"] == who["user_id"]
            ):
                found.append(f"{table}: {row}")
            text = " ".join(str(v) for v in row.values())
            found += [f"{table}: {needle!r} in {row}" for needle in needles if needle in text]
    return found


async def test_deleting_an_account_leaves_nothing_of_it(
    client: httpx.AsyncClient, alice: dict[str, str], bob: dict[str, str], settings: Settings
) -> None:
    mine, theirs = await a_full_account(client, alice), await a_full_account(client, bob)
    before = await every_row(settings)
    assert all(before[t] for t in before), {t: len(r) for t, r in before.items()}  # all in use
    assert traces(before, mine)

    wrong = await client.request("DELETE", "/api/auth/me", json={"password": "nope"}, headers=alice)
    assert wrong.status_code == 403 and "nothing was deleted" in wrong.json()["message"]
    assert await every_row(settings) == before
    missing = await client.request("DELETE", "/api/auth/me", json={}, headers=alice)
    assert missing.status_code == 422 and "password" in missing.text

    r = await client.request("DELETE", "/api/auth/me", json={"password": PASSWORD}, headers=alice)
    assert r.status_code == 204, r.text

    after = await every_row(settings)
    assert traces(after, mine) == []
    stored = {p.name for p in settings.files_dir.iterdir()}
    assert not stored & set(mine["stored_names"])
    # the other user keeps everything
    assert set(theirs["stored_names"]) <= stored
    assert len(traces(after, theirs)) == len(traces(before, theirs))
    assert (await client.get(f"/api/shared/{mine['share_token']}")).status_code == 404
    assert (await client.get(f"/api/shared/{theirs['share_token']}")).status_code == 200
    # the deleted user's token reaches nothing, and nothing answers 500
    assert (await client.get("/api/auth/me", headers=alice)).status_code == 404
    job = mine["job_ids"][0]
    assert (await client.get(f"/api/interview/job/{job}", headers=alice)).status_code == 404
    assert (await client.get("/api/interview/jobs", headers=alice)).json() == []
    late = await client.post(
        "/api/interview/analyze", json={"videoUrl": "https://x.example/a.mp4"}, headers=alice
    )
    assert late.status_code < 500, late.text
    # and the username is free again
    again = await client.post(
        "/api/auth/register", json={"username": mine["username"], "password": PASSWORD}
    )
    assert again.status_code == 201
