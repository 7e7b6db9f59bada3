"""Sharing a report: links made, listed and revoked by the owner, opened without a login;
comments through the link; expiry and revocation at once; nothing else of the owner shown."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine

from interview_jobs.config import Settings
from tests.api.conftest import create_job, upload
from tests.api.test_callback import post_callback

ANALYSIS = {"schemaVersion": 1, "analysisType": "comprehensive", "score": 81, "summary": "Clear."}


async def completed_job(client: httpx.AsyncClient, headers: dict[str, str], **body: Any) -> str:
    job = await create_job(client, headers, **body)
    r = await post_callback(
        client,
        {"jobId": job["jobId"], "status": "COMPLETED", "analysisData": json.dumps(ANALYSIS)},
    )
    assert r.status_code == 200, r.text
    return str(job["jobId"])


async def share(
    client: httpx.AsyncClient, headers: dict[str, str], job_id: str, **body: Any
) -> dict[str, Any]:
    r = await client.post(f"/api/interview/job/{job_id}/shares", json=body, headers=headers)
    assert r.status_code == 201, r.text
    return dict(r.json())


def token_of(url: str) -> str:
    match = re.fullmatch(r"/s/([A-Za-z0-9_-]+)", url)
    assert match, url
    return match.group(1)


async def test_a_link_opens_the_report_without_a_login_and_shows_nothing_else(
    client: httpx.AsyncClient, alice: dict[str, str]
) -> None:
    file = await upload(client, alice, name="alice-smith-interview.mp4")
    job_id = await completed_job(client, alice, fileId=file["id"])
    made = await share(client, alice, job_id, expiresInDays=3)
    assert made["state"] == "active" and made["allowComments"] is False
    expires = datetime.fromisoformat(made["expiresAt"])
    assert timedelta(days=3) - timedelta(minutes=1) < expires - datetime.now(UTC) <= timedelta(3)
    token = token_of(made["url"])
    assert len(token) >= 43  # 256 bits, url-safe base64

    page = await client.get(made["url"])
    assert page.status_code == 200 and "text/html" in page.headers["content-type"]
    assert page.headers["referrer-policy"] == "no-referrer"

    r = await client.get(f"/api/shared/{token}")  # no Authorization header
    assert r.status_code == 200, r.text
    shared = r.json()
    assert shared["detailedAnalysis"] == ANALYSIS
    assert shared["status"] == "COMPLETED"
    assert shared["comments"] == [] and shared["allowComments"] is False
    # the video through a short-lived signed URL, which plays without a login
    video = await client.get(shared["videoUrl"])
    assert video.status_code == 200 and video.content.startswith(b"\x00\x00\x00\x18ftyp")
    # nothing of the owner: no user, job id, file name or link of theirs anywhere in it
    raw = r.text
    for secret in (job_id, "alice", file["fileName"], "userId", 'videoUrl":"https'):
        assert secret not in raw, secret

    listed = (await client.get(f"/api/interview/job/{job_id}/shares", headers=alice)).json()
    assert [s["id"] for s in listed] == [made["id"]]
    assert listed[0]["url"] is None  # only its hash is kept


async def test_revoked_and_expired_links_answer_404_at_once(
    client: httpx.AsyncClient, alice: dict[str, str], settings: Settings
) -> None:
    job_id = await completed_job(client, alice)
    revoked, expired = await share(client, alice, job_id), await share(client, alice, job_id)
    r = await client.delete(f"/api/interview/job/{job_id}/shares/{revoked['id']}", headers=alice)
    assert r.status_code == 204
    r = await client.get(f"/api/shared/{token_of(revoked['url'])}")
    assert r.status_code == 404 and "revoked or has expired" in r.json()["message"]
    # a link whose time is up (set in the database: no waiting)
    engine = create_async_engine(settings.resolved_database_url)
    async with engine.begin() as conn:
        past = datetime.now(UTC) - timedelta(seconds=1)
        if engine.dialect.name == "sqlite":
            past = past.replace(tzinfo=None)  # type: ignore[assignment]
        await conn.execute(
            text("UPDATE report_shares SET expires_at = :t WHERE id = :id"),
            {"t": past, "id": expired["id"]},
        )
    await engine.dispose()
    assert (await client.get(f"/api/shared/{token_of(expired['url'])}")).status_code == 404
    states = {
        s["id"]: s["state"]
        for s in (await client.get(f"/api/interview/job/{job_id}/shares", headers=alice)).json()
    }
    assert states == {revoked["id"]: "revoked", expired["id"]: "expired"}
    # unknown, malformed or absurdly long tokens: the same 404
    for token in ("x" * 43, "not-a-token", "a" * 5000):
        assert (await client.get(f"/api/shared/{token}")).status_code == 404


async def test_only_the_owner_shares_and_only_a_completed_report(
    client: httpx.AsyncClient, alice: dict[str, str], bob: dict[str, str]
) -> None:
    job_id = await completed_job(client, alice)
    r = await client.post(f"/api/interview/job/{job_id}/shares", json={}, headers=bob)
    assert r.status_code == 404  # never revealing that it exists
    made = await share(client, alice, job_id)
    r = await client.delete(f"/api/interview/job/{job_id}/shares/{made['id']}", headers=bob)
    assert r.status_code == 404
    pending = await create_job(client, alice)
    r = await client.post(f"/api/interview/job/{pending['jobId']}/shares", json={}, headers=alice)
    assert r.status_code == 409 and "only a completed report" in r.json()["message"]
    refused = [
        ({"expiresInDays": 0}, "expiresInDays"),
        ({"expiresInDays": 91}, "expiresInDays"),
        ({"allowComment": True}, "allowComment"),
    ]
    for body, field in refused:
        r = await client.post(f"/api/interview/job/{job_id}/shares", json=body, headers=alice)
        assert r.status_code == 422, body
        assert field in r.text


async def test_comments_pinned_to_a_time_seen_and_deleted_by_the_owner(
    client: httpx.AsyncClient, alice: dict[str, str]
) -> None:
    job_id = await completed_job(client, alice)
    closed = token_of((await share(client, alice, job_id))["url"])
    r = await client.post(f"/api/shared/{closed}/comments", json={"name": "Coach", "text": "Hi"})
    assert r.status_code == 403 and "does not take comments" in r.json()["message"]

    token = token_of((await share(client, alice, job_id, allowComments=True))["url"])
    body = {
        "name": " Coach Kim ",
        "text": "<script>alert(1)</script>\x07 Slow down here.",
        "atSeconds": 12.5,
    }
    r = await client.post(f"/api/shared/{token}/comments", json=body)
    assert r.status_code == 201, r.text
    comment = r.json()
    assert comment["name"] == "Coach Kim" and comment["atSeconds"] == 12.5
    # stored as text (the page renders it as text, never as HTML); control characters dropped
    assert comment["text"] == "<script>alert(1)</script> Slow down here."
    shared = (await client.get(f"/api/shared/{token}")).json()
    assert [c["id"] for c in shared["comments"]] == [comment["id"]]
    bad_bodies = [
        {"name": "", "text": "x"},
        {"name": "a", "text": "x" * 2001},
        {"name": "a", "text": " \x00 "},
        {"name": "a", "text": "x", "atSeconds": -1},
    ]
    for bad in bad_bodies:
        r = await client.post(f"/api/shared/{token}/comments", json=bad)
        assert r.status_code == 422, bad

    mine = (await client.get(f"/api/interview/job/{job_id}/comments", headers=alice)).json()
    assert [c["text"] for c in mine] == [comment["text"]]
    url = f"/api/interview/job/{job_id}/comments/{comment['id']}"
    assert (await client.delete(url, headers=alice)).status_code == 204
    assert (await client.delete(url, headers=alice)).status_code == 404
    assert (await client.get(f"/api/shared/{token}")).json()["comments"] == []


@pytest.mark.parametrize("settings_overrides", [{"comment_rate_limit_per_minute": 3}])
async def test_posting_comments_is_rate_limited(
    client: httpx.AsyncClient, alice: dict[str, str]
) -> None:
    job_id = await completed_job(client, alice)
    token = token_of((await share(client, alice, job_id, allowComments=True))["url"])
    answers = [
        (await client.post(f"/api/shared/{token}/comments", json={"name": "a", "text": f"{i}"}))
        for i in range(4)
    ]
    assert [a.status_code for a in answers] == [201, 201, 201, 429]
    assert int(answers[-1].headers["retry-after"]) >= 1


async def test_deleting_the_job_takes_its_links_and_comments(
    client: httpx.AsyncClient, alice: dict[str, str]
) -> None:
    job_id = await completed_job(client, alice)
    token = token_of((await share(client, alice, job_id, allowComments=True))["url"])
    r = await client.post(f"/api/shared/{token}/comments", json={"name": "a", "text": "b"})
    assert r.status_code == 201
    assert (await client.delete(f"/api/interview/job/{job_id}", headers=alice)).status_code == 204
    assert (await client.get(f"/api/shared/{token}")).status_code == 404
