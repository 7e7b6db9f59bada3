"""SQL of the jobs domain: jobs, their outbox rows, idempotency keys and applied webhook ids.

Hot paths (create, read by jobId, list) use Core statements: the ORM unit of work costs more CPU
than the statement itself at the request rates this service is built for.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Select, bindparam, delete, func, insert, literal, or_, select, tuple_
from sqlalchemy.ext.asyncio import AsyncSession

from interview_jobs.api.db import Database, insert_ignore
from interview_jobs.api.fastsql import FastStatement
from interview_jobs.api.jobs.transitions import ACTIVE_STATUSES
from interview_jobs.api.models import (
    AppliedWebhook,
    IdempotencyKey,
    InterviewJob,
    OutboxEntry,
    UTCDateTime,
    table,
)
from interview_jobs.contracts.common import JobStatus

_ACTIVE = [s.value for s in ACTIVE_STATUSES]
jobs = table(InterviewJob)
outbox = table(OutboxEntry)


# ---- jobs ----
# Statements built once, executed with parameters: a statement built per call pays SQLAlchemy's
# cache-key computation for every value.
_INSERT_JOB = insert(jobs).returning(jobs.c.id)
_INSERT_OUTBOX = insert(outbox)


async def insert_job(session: AsyncSession, values: dict[str, Any]) -> int:
    result = await session.execute(_INSERT_JOB, values)
    return int(result.scalar_one())


# Job creation without a session (fastsql.py): the job row and its first outbox row, committed
# together. Every column the ORM would fill with a default is in NEW_JOB_FIELDS.
NEW_JOB_FIELDS = (
    "job_id", "user_id", "video_url", "status", "file_id", "analysis_type", "created_at",
    "updated_at", "attempt", "duration_seconds", "deadline_at", "estimated_completion_at",
)  # fmt: skip
_NEW_JOB = insert(jobs).values(
    {name: bindparam(f"job_{name}", type_=jobs.c[name].type) for name in NEW_JOB_FIELDS}
)
_FAST_INSERT_JOB = FastStatement(_NEW_JOB)
_FAST_INSERT_OUTBOX = FastStatement(
    insert(outbox).values(
        job_pk=bindparam("outbox_job_pk", type_=outbox.c.job_pk.type),
        attempt=bindparam("job_attempt", type_=outbox.c.attempt.type),
        available_at=bindparam("job_created_at", type_=outbox.c.available_at.type),
        created_at=bindparam("job_created_at", type_=outbox.c.created_at.type),
        tries=0,
    )
)
# PostgreSQL: both rows in one statement (a data-modifying CTE), one round trip, atomic alone.
_new_job = _NEW_JOB.returning(jobs.c.id).cte("new_job")
_FAST_INSERT_JOB_AND_OUTBOX = FastStatement(
    insert(outbox)
    .from_select(
        ["job_pk", "attempt", "available_at", "created_at", "tries"],
        select(
            _new_job.c.id,
            bindparam("job_attempt", type_=outbox.c.attempt.type),
            bindparam("job_created_at", type_=outbox.c.available_at.type),
            bindparam("job_created_at", type_=outbox.c.created_at.type),
            literal(0),
        ),
    )
    .returning(outbox.c.job_pk)
)


async def create_job(db: Database, values: dict[str, Any]) -> int:
    """Insert a new job (``values`` has every field of NEW_JOB_FIELDS) and its first outbox row
    in one transaction; the job's primary key."""
    params = {f"job_{name}": values[name] for name in NEW_JOB_FIELDS}
    if db.fast.raw_writes == "sqlite":
        async with db.fast.sqlite_transaction() as tx:
            job_pk = tx.run(_FAST_INSERT_JOB, params).lastrowid
            assert job_pk is not None
            tx.run(_FAST_INSERT_OUTBOX, {**params, "outbox_job_pk": job_pk})
        return job_pk
    if db.fast.raw_writes == "asyncpg":
        return int(await db.fast.value(_FAST_INSERT_JOB_AND_OUTBOX, params))
    async with db.sessionmaker() as session, session.begin():
        job_pk = await insert_job(session, values)
        await add_outbox(session, job_pk, values["attempt"], values["created_at"])
    return job_pk


async def get_by_job_id(
    session: AsyncSession, job_id: str, *, fresh: bool = False
) -> InterviewJob | None:
    stmt = select(InterviewJob).where(InterviewJob.job_id == job_id)
    if fresh:
        stmt = stmt.execution_options(populate_existing=True)
    return (await session.execute(stmt)).scalar_one_or_none()


async def get_owned(session: AsyncSession, job_id: str, user_id: int) -> InterviewJob | None:
    stmt = select(InterviewJob).where(
        InterviewJob.job_id == job_id, InterviewJob.user_id == user_id
    )
    return (await session.execute(stmt)).scalar_one_or_none()


# Read-only requests (status, detail, list) run these Core statements on a plain connection,
# outside any ORM session: the ORM's identity map and unit of work cost more than the indexed
# read itself. Built once; only parameters change.
# What the status and list responses show: not the analysis (kilobytes of JSON per row) nor the
# dispatcher's bookkeeping.
_SUMMARY = [
    jobs.c[name]
    for name in (
        "id", "job_id", "user_id", "status", "analysis_type", "video_url", "file_id",
        "created_at", "updated_at", "error_message", "progress", "attempt",
        "estimated_completion_at",
    )
]  # fmt: skip
_DETAIL = [*_SUMMARY, jobs.c.detailed_analysis, jobs.c.duration_seconds]
_OWNED = {
    detail: FastStatement(
        select(*(_DETAIL if detail else _SUMMARY)).where(
            jobs.c.job_id == bindparam("job_id"), jobs.c.user_id == bindparam("user_id")
        )
    )
    for detail in (False, True)
}


async def read_owned(db: Database, job_id: str, user_id: int, *, detail: bool = False) -> Any:
    """The user's job as a named tuple (summary columns, or with the analysis), or None."""
    return await db.fast.one(_OWNED[detail], {"job_id": job_id, "user_id": user_id})


def _page_statement(with_status: bool, with_cursor: bool) -> Select[Any]:
    stmt = select(*_SUMMARY).where(jobs.c.user_id == bindparam("user_id"))
    if with_status:
        stmt = stmt.where(jobs.c.status == bindparam("status"))
    if with_cursor:
        cursor = tuple_(bindparam("before_created", type_=UTCDateTime()), bindparam("before_id"))
        stmt = stmt.where(tuple_(jobs.c.created_at, jobs.c.id) < cursor)
    return stmt.order_by(jobs.c.created_at.desc(), jobs.c.id.desc()).limit(bindparam("limit"))


_PAGES: dict[tuple[bool, bool], FastStatement] = {
    (s, c): FastStatement(_page_statement(s, c)) for s in (False, True) for c in (False, True)
}


async def list_page(
    db: Database,
    user_id: int,
    *,
    status: JobStatus | None,
    before: tuple[datetime, int] | None,
    limit: int,
) -> list[Any]:
    """One page of the user's jobs, newest first (keyset on (created_at, id))."""
    params: dict[str, Any] = {"user_id": user_id, "limit": limit}
    if status is not None:
        params["status"] = status.value
    if before is not None:
        params["before_created"], params["before_id"] = before
    return await db.fast.all(_PAGES[(status is not None, before is not None)], params)


async def active_job_using_file(session: AsyncSession, file_id: int) -> InterviewJob | None:
    stmt = (
        select(InterviewJob)
        .where(InterviewJob.file_id == file_id, InterviewJob.status.in_(_ACTIVE))
        .limit(1)
    )
    return (await session.execute(stmt)).scalar_one_or_none()


async def delete_job(session: AsyncSession, job_pk: int) -> None:
    # The job's row first (its outbox rows go with it, ON DELETE CASCADE): locks are taken
    # jobs-then-outbox by every writer, so that none deadlocks with another.
    await session.execute(delete(jobs).where(jobs.c.id == job_pk))
    await session.execute(delete(outbox).where(outbox.c.job_pk == job_pk))


# (status = a OR status = b, not IN: an IN list is expanded at execution, which a FastStatement
# compiled once cannot do)
_COUNT_ACTIVE = FastStatement(
    select(func.count().label("active"))
    .select_from(jobs)
    .where(or_(*(jobs.c.status == status for status in _ACTIVE)))
)
_RECENT_PROCESSING = FastStatement(
    select(jobs.c.processing_seconds)
    .where(jobs.c.status == JobStatus.COMPLETED.value, jobs.c.processing_seconds.is_not(None))
    .order_by(jobs.c.finished_at.desc())
    .limit(bindparam("sample"))
)


async def count_active(db: Database) -> int:
    row = await db.fast.one(_COUNT_ACTIVE, {})
    return int(row.active) if row is not None else 0


async def recent_processing_seconds(db: Database, sample: int = 50) -> list[float]:
    rows = await db.fast.all(_RECENT_PROCESSING, {"sample": sample})
    return [float(row.processing_seconds) for row in rows]


# ---- outbox ----
async def add_outbox(
    session: AsyncSession, job_pk: int, attempt: int, available_at: datetime
) -> None:
    await session.execute(
        _INSERT_OUTBOX,
        {
            "job_pk": job_pk,
            "attempt": attempt,
            "available_at": available_at,
            "created_at": available_at,
            "tries": 0,
        },
    )


async def drop_outbox(session: AsyncSession, job_pk: int, attempt: int | None = None) -> None:
    stmt = delete(outbox).where(outbox.c.job_pk == job_pk)
    if attempt is not None:
        stmt = stmt.where(outbox.c.attempt == attempt)
    await session.execute(stmt)


# ---- idempotency keys ----
async def get_idempotency(session: AsyncSession, user_id: int, key: str) -> IdempotencyKey | None:
    return await session.get(IdempotencyKey, (user_id, key), populate_existing=True)


async def claim_idempotency(
    session: AsyncSession, user_id: int, key: str, request_hash: str, job_id: str, now: datetime
) -> bool:
    """Record the key; False if a (possibly concurrent) request holds it already."""
    stmt = insert_ignore(session, table(IdempotencyKey)).values(
        user_id=user_id, key=key, request_hash=request_hash, job_id=job_id, created_at=now
    )
    result = await session.execute(stmt)
    return bool(result.rowcount == 1)  # type: ignore[attr-defined]


async def drop_idempotency(session: AsyncSession, user_id: int, key: str) -> None:
    tbl = table(IdempotencyKey)
    await session.execute(delete(tbl).where(tbl.c.user_id == user_id, tbl.c.key == key))


async def purge_idempotency(session: AsyncSession, older_than: datetime) -> None:
    tbl = table(IdempotencyKey)
    await session.execute(delete(tbl).where(tbl.c.created_at < older_than))


# ---- applied webhook ids ----
async def webhook_applied(session: AsyncSession, webhook_id: str) -> bool:
    return await session.get(AppliedWebhook, webhook_id) is not None


async def remember_webhook(
    session: AsyncSession, webhook_id: str, job_id: str, now: datetime
) -> None:
    stmt = insert_ignore(session, table(AppliedWebhook)).values(
        webhook_id=webhook_id, job_id=job_id, applied_at=now
    )
    await session.execute(stmt)


async def purge_webhooks(session: AsyncSession, older_than: datetime) -> None:
    tbl = table(AppliedWebhook)
    await session.execute(delete(tbl).where(tbl.c.applied_at < older_than))
