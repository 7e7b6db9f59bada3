"""Video retention: uploads past the server's or the user's (shorter) retention are deleted by the
purge — bytes and row — while the jobs keep their reports and say when the video went; files of
running jobs wait; replicas never delete a file twice; ``interview-jobs purge [--dry-run]``."""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine
from typer.testing import CliRunner

from interview_jobs.api.app import create_app
from interview_jobs.api.files import retention
from interview_jobs.config import Settings
from tests.api.conftest import create_job, is_postgres, upload
from tests.api.test_callback import post_callback


async def age(settings: Settings, file_id: int, days: float) -> None:
    """Make an upload ``days`` old (in the database: no waiting)."""
    engine = create_async_engine(settings.resolved_database_url)
    then: Any = datetime.now(UTC) - timedelta(days=days)
    if engine.dialect.name == "sqlite":
        then = then.replace(tzinfo=None)
    async with engine.begin() as conn:
        await conn.execute(
            text("UPDATE file_uploads SET uploaded_at = :t WHERE id = :id"),
            {"t": then, "id": file_id},
        )
    await engine.dispose()


async def complete(client: httpx.AsyncClient, job_id: str) -> None:
    analysis = {"schemaVersion": 1, "analysisType": "comprehensive", "score": 77, "summary": "ok"}
    body = {"jobId": job_id, "status": "COMPLETED", "analysisData": json.dumps(analysis)}
    assert (await post_callback(client, body)).status_code == 200


def stored(settings: Settings, file: dict[str, Any]) -> bool:
    return (settings.files_dir / file["fileName"]).exists()


@pytest.mark.parametrize("settings_overrides", [{"video_retention_days": 30}])
async def test_old_videos_go_and_their_reports_stay(
    client: httpx.AsyncClient, alice: dict[str, str], app: FastAPI, settings: Settings
) -> None:
    old, recent, busy = [await upload(client, alice) for _ in range(3)]
    done = await create_job(client, alice, fileId=old["id"])
    await complete(client, done["jobId"])
    running = await create_job(client, alice, fileId=busy["id"])  # PENDING: its file must wait
    for file in (old, busy):
        await age(settings, file["id"], 31)
    await age(settings, recent["id"], 29)
    ctx = app.state.ctx

    listed = await retention.purge(ctx, dry_run=True)
    assert [d.file_id for d in listed.deleted] == [old["id"]]
    assert stored(settings, old)  # a dry run deletes nothing
    assert (await client.get(f"/api/files/{old['id']}", headers=alice)).status_code == 200

    purged = await retention.purge(ctx)
    assert [d.file_id for d in purged.deleted] == [old["id"]] and purged.bytes == old["fileSize"]
    assert not stored(settings, old) and stored(settings, recent) and stored(settings, busy)
    assert (await client.get(f"/api/files/{old['id']}", headers=alice)).status_code == 404
    job = (await client.get(f"/api/interview/job/{done['jobId']}/detail", headers=alice)).json()
    assert job["detailedAnalysis"]["score"] == 77  # the report stays
    assert job["fileId"] is None and job["fileName"] == old["originalFileName"]
    deleted_at = datetime.fromisoformat(job["videoDeletedAt"])
    assert abs((datetime.now(UTC) - deleted_at).total_seconds()) < 60
    other = (await client.get(f"/api/interview/job/{running['jobId']}", headers=alice)).json()
    assert other["videoDeletedAt"] is None
    assert (await retention.purge(ctx)).deleted == []  # nothing twice

    # once the running job is over, its file goes at the next purge
    r = await client.post(f"/api/interview/job/{running['jobId']}/cancel", headers=alice)
    assert r.status_code == 200
    assert [d.file_id for d in (await retention.purge(ctx)).deleted] == [busy["id"]]


async def test_a_user_may_keep_videos_for_less_time_than_the_server(
    client: httpx.AsyncClient, alice: dict[str, str], bob: dict[str, str], app: FastAPI,
    settings: Settings,
) -> None:  # fmt: skip
    me = (await client.get("/api/auth/me", headers=bob)).json()
    assert me["videoRetentionDays"] is None and me["retentionDays"] is None
    r = await client.patch("/api/auth/me", json={"videoRetentionDays": 7}, headers=bob)
    assert r.status_code == 200 and r.json()["retentionDays"] == 7
    for bad in ({"videoRetentionDays": 0}, {"videoRetentionDays": "soon"}, {"retention": 3}, {}):
        r = await client.patch("/api/auth/me", json=bad, headers=bob)
        assert r.status_code == 422, bad
    theirs, mine = await upload(client, alice), await upload(client, bob)
    await age(settings, theirs["id"], 10)
    await age(settings, mine["id"], 10)
    purged = await retention.purge(app.state.ctx)
    assert [d.file_id for d in purged.deleted] == [mine["id"]]
    assert stored(settings, theirs) and not stored(settings, mine)
    # back to the server's (none): kept
    r = await client.patch("/api/auth/me", json={"videoRetentionDays": None}, headers=bob)
    assert r.status_code == 200 and r.json()["retentionDays"] is None


@pytest.mark.parametrize("settings_overrides", [{"video_retention_days": 30}])
async def test_the_user_setting_is_shorter_only(
    client: httpx.AsyncClient, alice: dict[str, str]
) -> None:
    r = await client.patch("/api/auth/me", json={"videoRetentionDays": 31}, headers=alice)
    assert r.status_code == 422 and "at most 30 days" in r.text
    assert (await client.get("/api/auth/me", headers=alice)).json()["retentionDays"] == 30
    r = await client.patch("/api/auth/me", json={"videoRetentionDays": 3}, headers=alice)
    assert r.json() == {**r.json(), "videoRetentionDays": 3, "retentionDays": 3}


@pytest.mark.parametrize("settings_overrides", [{"video_retention_days": 1}])
async def test_two_replicas_purging_at_once_delete_each_file_once(
    client: httpx.AsyncClient, alice: dict[str, str], app: FastAPI, settings: Settings
) -> None:
    if not is_postgres(settings.resolved_database_url):
        pytest.skip("replicas share PostgreSQL: one API process per SQLite file")
    files = [await upload(client, alice) for _ in range(2 * retention.BATCH + 7)]
    for file in files:
        await age(settings, file["id"], 2)
    other = create_app(settings)  # a second replica: its own context, engine and pool
    try:
        first, second = await asyncio.gather(
            retention.purge(app.state.ctx), retention.purge(other.state.ctx)
        )
    finally:
        await other.state.ctx.db.dispose()
    ids = [d.file_id for d in first.deleted + second.deleted]
    assert sorted(ids) == sorted(f["id"] for f in files)  # every one, none twice
    assert not any(stored(settings, f) for f in files)


@pytest.mark.parametrize(
    "settings_overrides", [{"video_retention_days": 1, "purge_interval_seconds": 0.2}]
)
async def test_the_api_purges_by_itself(
    client: httpx.AsyncClient, alice: dict[str, str], settings: Settings
) -> None:
    file = await upload(client, alice)
    await age(settings, file["id"], 2)
    for _ in range(100):
        if not stored(settings, file):
            break
        await asyncio.sleep(0.1)
    assert not stored(settings, file)
    assert (await client.get(f"/api/files/{file['id']}", headers=alice)).status_code == 404


def test_the_purge_command(tmp_path: Any, database_url: str, monkeypatch: Any) -> None:
    from interview_jobs.cli import app as cli
    from tests.api.conftest import empty_tables, make_settings

    asyncio.run(empty_tables(database_url))
    settings = make_settings(tmp_path / "data", database_url, video_retention_days=5)

    async def arrange() -> None:
        from interview_jobs.api.app import create_app
        from tests.api.conftest import login, running

        application = create_app(settings)
        async with running(application):
            transport = httpx.ASGITransport(app=application)
            async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
                alice = await login(client, "alice")
                for days in (6, 4):
                    file = await upload(client, alice, name=f"take-{days}.mp4")
                    await age(settings, file["id"], days)

    asyncio.run(arrange())
    for name, value in settings.model_dump().items():
        if value is not None and name in ("data_dir", "database_url", "video_retention_days",
                                          "jwt_secret", "callback_api_key", "ai_api_key",
                                          "webhook_secret", "url_signing_secret"):  # fmt: skip
            secret = getattr(value, "get_secret_value", None)
            monkeypatch.setenv(f"INTERVIEW_JOBS_{name.upper()}", str(secret() if secret else value))
    runner = CliRunner()
    dry = runner.invoke(cli, ["purge", "--dry-run"])
    assert dry.exit_code == 0, dry.output
    assert "would delete 1 videos" in dry.output and "take-6.mp4" in dry.output
    assert "take-4.mp4" not in dry.output
    assert len(list(settings.files_dir.iterdir())) == 2
    done = runner.invoke(cli, ["purge"])
    assert done.exit_code == 0, done.output
    assert "deleted 1 videos" in done.output and "server retention 5 days" in done.output
    assert len(list(settings.files_dir.iterdir())) == 1
