"""Rules of the jobs domain: creation (with Idempotency-Key), reads, cancel, delete, callbacks."""

from __future__ import annotations

import json
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import bindparam, case, select
from sqlalchemy.ext.asyncio import AsyncSession

from interview_jobs.api.context import AppContext
from interview_jobs.api.deps import AuthUser, on_commit
from interview_jobs.api.errors import Conflict, NotFound, ValidationFailed
from interview_jobs.api.fastsql import FastStatement
from interview_jobs.api.files import service as file_service
from interview_jobs.api.files.signing import content_path
from interview_jobs.api.jobs import estimate, repository
from interview_jobs.api.jobs.schemas import AnalyzeRequest
from interview_jobs.api.jobs.transitions import transition
from interview_jobs.api.models import InterviewJob, table, utcnow
from interview_jobs.contracts.callback import CallbackRequest
from interview_jobs.contracts.common import JobStatus

MAX_IDEMPOTENCY_KEY_LENGTH = 255

# A job as read: the ORM object inside a transaction, or a row (a named tuple with the same
# attribute names) on the read-only paths.
JobRow = InterviewJob | Any


def job_not_found(job_id: str) -> NotFound:
    return NotFound(f"No job {job_id}.")


@dataclass(frozen=True)
class Created:
    job_id: str
    status: JobStatus
    analysis_type: str
    created_at: datetime
    estimated_completion_at: datetime | None
    replayed: bool  # an earlier request with the same Idempotency-Key made it

    @classmethod
    def of(cls, job: JobRow, *, replayed: bool) -> Created:
        return cls(
            job.job_id,
            JobStatus(job.status),
            job.analysis_type,
            job.created_at,
            job.estimated_completion_at,
            replayed,
        )


async def create(
    ctx: AppContext,
    user: AuthUser,
    body: AnalyzeRequest,
    idempotency_key: str | None,
) -> Created:
    """A new PENDING job and its outbox row, committed together; the dispatcher is woken after
    the commit. With an Idempotency-Key, the key is claimed in the same transaction (or the job
    an earlier request made is returned)."""
    if idempotency_key is not None and not (0 < len(idempotency_key) <= MAX_IDEMPOTENCY_KEY_LENGTH):
        raise ValidationFailed.field(
            "Idempotency-Key", f"must be 1 to {MAX_IDEMPOTENCY_KEY_LENGTH} characters"
        )
    now = utcnow()
    job_id = str(uuid.uuid4())
    await ctx.queue_stats.refresh(ctx.db)
    if idempotency_key is None:
        # Without a key, the common case: no session, two precompiled INSERTs (fastsql.py).
        values = await _new_job(ctx, user, body, job_id, now, None)
        await repository.create_job(ctx.db, values)
    else:
        async with ctx.db.sessionmaker() as session, session.begin():
            earlier = await _claim_key(ctx, session, user, body, idempotency_key, job_id)
            if earlier is not None:
                return Created.of(earlier, replayed=True)
            values = await _new_job(ctx, user, body, job_id, now, session)
            job_pk = await repository.insert_job(session, values)
            await repository.add_outbox(session, job_pk, 1, now)
    ctx.queue_stats.active += 1
    ctx.wake_dispatcher()
    ctx.metrics.jobs_created.inc()
    return Created(
        job_id,
        JobStatus.PENDING,
        body.analysis_type.value,
        now,
        values["estimated_completion_at"],
        replayed=False,
    )


async def _new_job(
    ctx: AppContext,
    user: AuthUser,
    body: AnalyzeRequest,
    job_id: str,
    now: datetime,
    session: AsyncSession | None,
) -> dict[str, Any]:
    """The new job's row (every field of repository.NEW_JOB_FIELDS); the file is read in
    ``session`` when there is one."""
    duration: float | None = None
    video_url = body.video_url
    if body.file_id is not None:
        # Without a session, read before the write: a file deleted in between fails the
        # insert's foreign key (409, a conflict), it never leaves a job without its file.
        upload = (
            await file_service.get_owned(session, user, body.file_id)
            if session is not None
            else await file_service.read_owned_video(ctx, user, body.file_id)
        )
        duration = upload.duration_seconds
        video_url = video_url or f"{ctx.settings.api_url}{content_path(upload.id)}"
    assert video_url is not None  # AnalyzeRequest requires videoUrl or fileId
    return {
        "job_id": job_id,
        "user_id": user.id,
        "video_url": video_url,
        "status": JobStatus.PENDING.value,
        "file_id": body.file_id,
        "analysis_type": body.analysis_type.value,
        "created_at": now,
        "updated_at": now,
        "attempt": 1,
        "duration_seconds": duration,
        # Even a job the AI backend never accepts must end: see dispatch.py.
        "deadline_at": now + timedelta(seconds=ctx.settings.job_deadline_seconds),
        "estimated_completion_at": ctx.queue_stats.estimate(ctx.settings, now, duration),
    }


async def _claim_key(
    ctx: AppContext,
    session: AsyncSession,
    user: AuthUser,
    body: AnalyzeRequest,
    key: str,
    job_id: str,
) -> InterviewJob | None:
    """Take the Idempotency-Key for a new job, or return the job an earlier request made."""
    fingerprint = body.fingerprint()
    now = utcnow()
    for _ in range(2):
        if await repository.claim_idempotency(session, user.id, key, fingerprint, job_id, now):
            return None
        held = await repository.get_idempotency(session, user.id, key)
        if held is None:
            continue  # expired and purged in between: claim again
        expired = held.created_at < now - timedelta(seconds=ctx.settings.idempotency_ttl_seconds)
        earlier = None if expired else await repository.get_by_job_id(session, held.job_id)
        if earlier is None:
            # Expired, or its job was deleted: the key is free again.
            await repository.drop_idempotency(session, user.id, key)
            continue
        if held.request_hash != fingerprint:
            raise ValidationFailed(
                "Idempotency-Key was already used with a different request body.",
                details=[{"field": "Idempotency-Key", "message": "reused with another body"}],
            )
        return earlier
    raise Conflict("The Idempotency-Key is being used by a concurrent request; retry.")


async def get_owned(session: AsyncSession, user: AuthUser, job_id: str) -> InterviewJob:
    job = await repository.get_owned(session, job_id, user.id)
    if job is None:
        raise job_not_found(job_id)
    return job


async def read(ctx: AppContext, user: AuthUser, job_id: str, *, detail: bool = False) -> JobRow:
    """The caller's job as a row, read outside any transaction (status and detail)."""
    row = await repository.read_owned(ctx.db, job_id, user.id, detail=detail)
    if row is None:
        raise job_not_found(job_id)
    return row


async def list_jobs(
    ctx: AppContext,
    user: AuthUser,
    *,
    status: JobStatus | None,
    before: str | None,
    limit: int,
) -> tuple[Sequence[JobRow], bool]:
    """A page of the user's jobs, newest first, and whether there is a next page."""
    cursor = None
    if before is not None:
        anchor = await repository.read_owned(ctx.db, before, user.id)
        if anchor is None:
            raise job_not_found(before)
        cursor = (anchor.created_at, anchor.id)
    rows = await repository.list_page(
        ctx.db, user.id, status=status, before=cursor, limit=limit + 1
    )
    return rows[:limit], len(rows) > limit


async def cancel(session: AsyncSession, user: AuthUser, job_id: str) -> InterviewJob:
    job = await get_owned(session, user, job_id)
    now = utcnow()
    done = await transition(
        session,
        job.id,
        JobStatus.CANCELLED,
        values={"deadline_at": None, "finished_at": now, "estimated_completion_at": None},
        now=now,
    )
    if not done:
        current = await repository.get_by_job_id(session, job_id, fresh=True)
        status = current.status if current else job.status
        raise Conflict(
            f"Job {job_id} is {status}; only a PENDING or PROCESSING job can be cancelled."
        )
    await repository.drop_outbox(session, job.id)
    refreshed = await repository.get_by_job_id(session, job_id, fresh=True)
    assert refreshed is not None
    return refreshed


async def delete(session: AsyncSession, user: AuthUser, job_id: str) -> None:
    job = await get_owned(session, user, job_id)
    await repository.delete_job(session, job.id)


def analysis_of(job: JobRow) -> dict[str, Any] | None:
    if job.detailed_analysis is None:
        return None
    value = json.loads(job.detailed_analysis)
    return value if isinstance(value, dict) else {"value": value}


# ---- callbacks ----
@dataclass(frozen=True)
class CallbackOutcome:
    job_id: str
    status: JobStatus
    message: str
    applied: bool


async def apply_callback(
    ctx: AppContext, session: AsyncSession, body: CallbackRequest, webhook_id: str | None
) -> CallbackOutcome:
    """Apply the AI backend's report. Validation first, then state checks (CONTRACT.md)."""
    target = JobStatus(body.status)
    analysis: dict[str, Any] | None = None
    if target is JobStatus.COMPLETED:
        try:
            analysis = body.analysis_object()
        except ValueError as exc:
            raise ValidationFailed.field("analysisData", str(exc)) from None
        if analysis is None:
            raise ValidationFailed.field("analysisData", "a COMPLETED callback needs the analysis")

    if webhook_id is not None and await repository.webhook_applied(session, webhook_id):
        job = await repository.get_by_job_id(session, body.job_id)
        if job is None:
            raise job_not_found(body.job_id)
        return _outcome(job, f"Callback {webhook_id} was applied before; nothing changed.", False)

    job = await repository.get_by_job_id(session, body.job_id)
    if job is None:
        raise job_not_found(body.job_id)

    # At most two rounds: if the compare-and-set loses to a concurrent writer, re-read the job and
    # answer from its new state (which is then terminal or on another attempt).
    for _ in range(2):
        current = JobStatus(job.status)
        if current.is_terminal:
            if current is target:
                return _outcome(job, f"Job is already {current}; nothing changed.", False)
            raise Conflict(
                f"Job {job.job_id} is {current}; a {target} callback cannot change it.",
                details={"status": current.value},
            )
        attempt = body.attempt or job.attempt
        if attempt != job.attempt:
            raise Conflict(
                f"Callback for attempt {attempt}, but job {job.job_id} is on attempt "
                f"{job.attempt}.",
                details={"attempt": job.attempt},
            )
        if await _apply(ctx, session, job, target, attempt, body, analysis):
            if target.is_terminal:
                results = ctx.metrics.results.labels(target.value)
                on_commit(session, results.inc)
            if webhook_id is not None:
                await repository.remember_webhook(session, webhook_id, job.job_id, utcnow())
            message = f"Job is now {target}."
            if target is JobStatus.PROCESSING and body.progress is not None:
                message = f"Job is {target} ({body.progress}%)."
            return CallbackOutcome(job.job_id, target, message, True)
        refreshed = await repository.get_by_job_id(session, body.job_id, fresh=True)
        if refreshed is None:
            raise job_not_found(body.job_id)
        job = refreshed
    raise Conflict(f"Job {job.job_id} changed concurrently; retry the callback.")


def _outcome(job: InterviewJob, message: str, applied: bool) -> CallbackOutcome:
    return CallbackOutcome(job.job_id, JobStatus(job.status), message, applied)


async def _apply(
    ctx: AppContext,
    session: AsyncSession,
    job: InterviewJob,
    target: JobStatus,
    attempt: int,
    body: CallbackRequest,
    analysis: dict[str, Any] | None,
) -> bool:
    settings = ctx.settings
    now = utcnow()
    tbl = table(InterviewJob)
    values: dict[str, Any] = {}
    if body.duration_seconds is not None:
        values["duration_seconds"] = body.duration_seconds
    if target is JobStatus.PROCESSING:
        if body.progress is not None:
            # Progress never goes back within an attempt (callbacks may arrive out of order).
            values["progress"] = case(
                (tbl.c.progress.is_(None), body.progress),
                (tbl.c.progress < body.progress, body.progress),
                else_=tbl.c.progress,
            )
        # A worker is alive: its report pushes the deadline out (a job is only re-forwarded when
        # nothing has been heard of it for JOB_DEADLINE_SECONDS).
        values["deadline_at"] = now + timedelta(seconds=settings.job_deadline_seconds)
        if body.duration_seconds is not None:
            values["estimated_completion_at"] = estimate.remaining(
                settings, now, body.duration_seconds, max(body.progress or 0, job.progress or 0)
            )
    else:
        values.update(finished_at=now, deadline_at=None, estimated_completion_at=now)
        if target is JobStatus.COMPLETED:
            values.update(
                detailed_analysis=json.dumps(analysis, separators=(",", ":")),
                progress=100,
                error_message=None,
            )
            if job.forwarded_at is not None:
                values["processing_seconds"] = (now - job.forwarded_at).total_seconds()
        else:
            values["error_message"] = (
                body.error_message or "The AI backend reported a failure without a message."
            )
    applied = await transition(session, job.id, target, attempt=attempt, values=values, now=now)
    if applied:
        # The forward evidently arrived (a worker reported) or is moot (terminal).
        await repository.drop_outbox(session, job.id, attempt)
        if target.is_terminal:
            await repository.drop_outbox(session, job.id)
    return applied


async def current_state(ctx: AppContext, job_pk: int) -> dict[str, Any] | None:
    """The job's live state in a short session of its own (for the SSE stream)."""
    row = await ctx.db.fast.one(_STATE, {"job_pk": job_pk})
    if row is None:
        return None
    return {
        "jobId": row.job_id,
        "status": row.status,
        "progress": row.progress,
        "attempt": row.attempt,
        "errorMessage": row.error_message,
        "updatedAt": row.updated_at.isoformat(),
    }


_JOBS = table(InterviewJob)
_STATE = FastStatement(
    select(
        _JOBS.c.job_id,
        _JOBS.c.status,
        _JOBS.c.progress,
        _JOBS.c.attempt,
        _JOBS.c.error_message,
        _JOBS.c.updated_at,
    ).where(_JOBS.c.id == bindparam("job_pk"))
)
