"""Migration 0007 backfills the summaries of jobs that completed before it (in batches), on SQLite
and PostgreSQL, and leaves every job and its analysis as it was."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import asyncpg
import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine

from interview_jobs.api import migrate
from tests.api.conftest import is_postgres
from tests.api.test_migrations import empty_url  # noqa: F401  (the fixture)
from tests.api.test_progress import answer, v1_analysis, v2_analysis

OLD_JOBS = 1_100  # more than two of the migration's batches


@pytest.fixture
def old_db(empty_url: str) -> Iterator[str]:  # noqa: F811
    """A database at revision 0004 (before the summaries), dropped afterwards."""
    migrate.upgrade(empty_url, "0006")
    yield empty_url
    if is_postgres(empty_url):
        base, _, name = empty_url.rpartition("/")

        async def drop() -> None:
            admin = base.replace("postgresql+asyncpg", "postgresql") + "/postgres"
            conn = await asyncpg.connect(admin)
            await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            await conn.close()

        asyncio.run(drop())


def _job(pk: int, status: str, analysis: Any, created: datetime) -> dict[str, Any]:
    return {
        "id": pk,
        "job_id": f"00000000-0000-0000-0000-{pk:012d}",
        "user_id": 1,
        "video_url": "https://videos.example.com/a.mp4",
        "status": status,
        "detailed_analysis": analysis if isinstance(analysis, str | None) else json.dumps(analysis),
        "created_at": created,
        "updated_at": created,
        "analysis_type": "comprehensive",
        "attempt": 1,
    }


async def _seed(url: str) -> None:
    start = datetime(2026, 1, 1, tzinfo=UTC)
    beh = answer(0, question_id="beh-001", category="behavioural", start=0, end=40, score=90)
    half = answer(
        1, question_id="mot-001", category="motivation", start=40, end=60, score=50,
        star=(True, False, False, True),
    )  # fmt: skip
    rows = [
        _job(1, "COMPLETED", v1_analysis(61), start),
        _job(2, "COMPLETED", v2_analysis(80, [beh, half]), start + timedelta(hours=1)),
        _job(3, "PENDING", None, start + timedelta(hours=2)),
        _job(4, "FAILED", None, start + timedelta(hours=3)),
        _job(5, "COMPLETED", "not json {", start + timedelta(hours=4)),
        _job(6, "COMPLETED", [1, 2], start + timedelta(hours=5)),
    ]
    rows += [
        _job(pk, "COMPLETED", v1_analysis(pk % 100), start + timedelta(days=1, seconds=pk))
        for pk in range(7, 7 + OLD_JOBS)
    ]
    engine = create_async_engine(url)
    try:
        async with engine.begin() as conn:
            await conn.execute(
                text(
                    "INSERT INTO users (id, username, password_hash, created_at) "
                    "VALUES (1, 'old', 'x', :at)"
                ),
                {"at": start if is_postgres(url) else start.replace(tzinfo=None)},
            )
            columns = list(rows[0])
            insert = text(
                f"INSERT INTO interview_jobs ({', '.join(columns)}) "
                f"VALUES ({', '.join(':' + c for c in columns)})"
            )
            if not is_postgres(url):
                for row in rows:
                    row["created_at"] = row["updated_at"] = row["created_at"].replace(tzinfo=None)
            await conn.execute(insert, rows)
    finally:
        await engine.dispose()


async def _read(url: str, sql: str) -> list[Any]:
    engine = create_async_engine(url)
    try:
        async with engine.connect() as conn:
            return list((await conn.execute(text(sql))).all())
    finally:
        await engine.dispose()


def test_backfill_summarises_completed_jobs(old_db: str) -> None:
    asyncio.run(_seed(old_db))
    before = asyncio.run(_read(old_db, "SELECT id, detailed_analysis FROM interview_jobs"))
    migrate.upgrade(old_db)
    jobs = {
        r[0]: r[1:]
        for r in asyncio.run(
            _read(
                old_db,
                "SELECT job_pk, score, content_score, delivery_score, words_per_minute, "
                "fillers_per_minute, eye_contact_ratio, pauses_per_minute, answer_seconds, "
                "star_completeness, job_id, user_id FROM job_summaries WHERE scope = ''",
            )
        )
    }
    assert jobs[1][:9] == (61, None, None, 140, 2, 0.6, 3, 120, None)  # v1: content null
    assert jobs[1][9:] == ("00000000-0000-0000-0000-000000000001", 1)
    assert jobs[2][:3] == (80, 75, 85)
    assert jobs[2][7] == pytest.approx(30)  # mean answer length (40 + 20) / 2
    assert jobs[2][8] == pytest.approx(0.75)  # (4/4 + 2/4) / 2
    assert not {3, 4, 5, 6} & set(jobs)  # not completed, or nothing to read: no summary
    assert all(jobs[pk][0] == pk % 100 for pk in range(7, 7 + OLD_JOBS))  # every batch
    answers = asyncio.run(
        _read(
            old_db,
            "SELECT job_pk, answer_index, question_key, category, score, star_completeness, "
            "user_id, job_id FROM job_answers ORDER BY job_pk, answer_index",
        )
    )
    assert [tuple(a) for a in answers] == [
        (2, 0, "id:beh-001", "behavioural", 90, 1.0, 1, "00000000-0000-0000-0000-000000000002"),
        (2, 1, "id:mot-001", "motivation", 50, 0.5, 1, "00000000-0000-0000-0000-000000000002"),
    ]
    by_category = asyncio.run(
        _read(old_db, "SELECT job_pk, scope, score FROM job_summaries WHERE scope <> ''")
    )
    assert sorted(tuple(r) for r in by_category) == [(2, "behavioural", 90), (2, "motivation", 50)]
    after = asyncio.run(_read(old_db, "SELECT id, detailed_analysis FROM interview_jobs"))
    assert sorted(after) == sorted(before)  # the analyses themselves are kept as they were
    migrate.check(old_db)  # the models match the migrated schema


def test_downgrade_removes_the_summaries(old_db: str) -> None:
    asyncio.run(_seed(old_db))
    migrate.upgrade(old_db)
    migrate.downgrade(old_db, "0006")
    tables = asyncio.run(
        _read(
            old_db,
            "SELECT table_name FROM information_schema.tables WHERE table_name LIKE 'job_%'"
            if is_postgres(old_db)
            else "SELECT name FROM sqlite_master WHERE name LIKE 'job_%'",
        )
    )
    assert tables == []
    count = asyncio.run(_read(old_db, "SELECT count(*) FROM interview_jobs"))
    assert count[0][0] == 6 + OLD_JOBS
