"""Rules of the jobs domain: creation (with Idempotency-Key), reads, cancel, delete, callbacks.

Writes run in the caller's transaction (the request's ``SessionDep``, or the dispatcher's) and
only execute statements; reads go through the one reader (``repository.read_*`` on the read
session). A read that a write depends on is checked again by the write itself: status changes
are compare-and-set (``transitions.py``), so a job that changed in between is never overwritten.
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, TypeVar

from sqlalchemy import case
from sqlalchemy.ext.asyncio import AsyncSession

from interview_jobs.api.auth.tokens import AuthUser
from interview_jobs.api.context import AppContext
from interview_jobs.api.db import on_commit
from interview_jobs.api.driver import ReadSession
from interview_jobs.api.errors import Conflict, NotFound, ValidationFailed
from interview_jobs.api.files import service as file_service
from interview_jobs.api.files.signing import content_path
from interview_jobs.api.jobs import estimate, repository
from interview_jobs.api.jobs.repository import CallbackJobRow, JobDetailRow, JobRow, jobs
from interview_jobs.api.jobs.schemas import AnalyzeRequest, stored_questions
from interview_jobs.api.jobs.transitions import transition
from interview_jobs.api.models import utcnow
from interview_jobs.api.progress import repository as progress_repository
from interview_jobs.api.progress.summary import Summary, summarise
from interview_jobs.contracts.callback import CallbackRequest, Phase
from interview_jobs.contracts.common import AnalysisType, JobStatus
from interview_jobs.contracts.questions import QuestionTimeError, check_times

MAX_IDEMPOTENCY_KEY_LENGTH = 255
R = TypeVar("R", bound=JobRow)


def found(job: R | None, job_id: str) -> R:
    """``job``, or NotFound if there is none (or it is someone else's: the same answer)."""
    if job is None:
        raise NotFound(f"No job {job_id}.")
    return job


# ---- creation ----
@dataclass(frozen=True, slots=True)
class Created:
    job_id: str
    status: JobStatus
    analysis_type: AnalysisType
    created_at: datetime
    estimated_completion_at: datetime | None
    replayed: bool  # an earlier request with the same Idempotency-Key made it


async def create(
    ctx: AppContext, user: AuthUser, body: AnalyzeRequest, idempotency_key: str | None
) -> Created:
    """A new PENDING job and its first outbox row, written atomically on the driver (the one
    exception to "the request owns the transaction": docs/ARCHITECTURE.md); with an
    Idempotency-Key, the key is claimed in the same write (or the job an earlier request made
    is returned). The dispatcher is woken once it commits."""
    if idempotency_key is not None and not (0 < len(idempotency_key) <= MAX_IDEMPOTENCY_KEY_LENGTH):
        raise ValidationFailed.field(
            "Idempotency-Key", f"must be 1 to {MAX_IDEMPOTENCY_KEY_LENGTH} characters"
        )
    _check_question_times(body, None)  # validation before the file's check (404)
    now = utcnow()
    job_id = str(uuid.uuid4())
    reads = ctx.db.driver
    video_url, duration, file_name = body.video_url, None, None
    if body.file_id is not None:
        # Read before the transaction: a file deleted in between fails the job's foreign key
        # (409, a conflict); a job never loses its file. With a videoUrl as well, the file is
        # what is analysed (the forward carries the file's signed URL): the job shows the file.
        video = await file_service.video_of(reads, user, body.file_id)
        duration, file_name = video.duration_seconds, video.original_file_name
        video_url = f"{ctx.settings.api_url}{content_path(video.id)}"
        # An uploaded file's length is known (probed at upload); a URL's only to the AI
        # backend, which checks the times against it there.
        _check_question_times(body, duration)
    assert video_url is not None  # AnalyzeRequest requires videoUrl or fileId
    await ctx.queue_stats.refresh(reads)
    estimated = ctx.queue_stats.estimate(ctx.settings, now, duration)
    job = {
        "job_id": job_id,
        "user_id": user.id,
        "video_url": video_url,
        "status": JobStatus.PENDING,
        "file_id": body.file_id,
        "file_name": file_name,
        "analysis_type": body.analysis_type,
        "created_at": now,
        "updated_at": now,
        "attempt": 1,
        "duration_seconds": duration,
        # Even a job the AI backend never accepts must end: see dispatch.py.
        "deadline_at": now + timedelta(seconds=ctx.settings.job_deadline_seconds),
        "estimated_completion_at": estimated,
        "questions": stored_questions(body.questions),
        "phase": None,  # shown as "queued" until a worker reports one
    }
    key = (idempotency_key, body.fingerprint()) if idempotency_key is not None else None
    for _ in range(2):
        if await repository.create_job(ctx.db.driver, job, key):
            ctx.queue_stats.active += 1
            ctx.wake_dispatcher()
            ctx.metrics.jobs_created.inc()
            return Created(job_id, JobStatus.PENDING, body.analysis_type, now, estimated, False)
        assert key is not None
        earlier = await _earlier_job(ctx, user, key, now)
        if earlier is not None:
            return Created(
                earlier.job_id,
                earlier.status,
                earlier.analysis_type,
                earlier.created_at,
                earlier.estimated_completion_at,
                replayed=True,
            )
    raise Conflict("The Idempotency-Key is being used by a concurrent request; retry.")


def _check_question_times(body: AnalyzeRequest, duration: float | None) -> None:
    if body.questions:
        try:
            check_times(body.questions, duration)
        except QuestionTimeError as exc:
            raise ValidationFailed.field(exc.field, exc.reason) from None


async def _earlier_job(
    ctx: AppContext, user: AuthUser, key: tuple[str, str], now: datetime
) -> JobRow | None:
    """The job an earlier request made with this Idempotency-Key; None if the key is free again
    (expired, its job deleted, or released in between)."""
    reads = ctx.db.driver
    held = await repository.held_idempotency(reads, user.id, key[0])
    if held is None:
        return None
    expired = held.created_at < now - timedelta(seconds=ctx.settings.idempotency_ttl_seconds)
    earlier = None if expired else await repository.read_job(reads, user.id, held.job_id)
    if earlier is None:
        await repository.drop_idempotency(ctx.db.driver, user.id, key[0], held.job_id)
        return None
    if held.request_hash != key[1]:
        raise ValidationFailed(
            "Idempotency-Key was already used with a different request body.",
            details=[{"field": "Idempotency-Key", "message": "reused with another body"}],
        )
    return earlier


# ---- reads ----
async def read(reads: ReadSession, user: AuthUser, job_id: str) -> JobRow:
    return found(await repository.read_job(reads, user.id, job_id), job_id)


async def read_detail(reads: ReadSession, user: AuthUser, job_id: str) -> JobDetailRow:
    return found(await repository.read_detail(reads, user.id, job_id), job_id)


async def list_jobs(
    reads: ReadSession,
    user: AuthUser,
    *,
    status: JobStatus | None,
    before: str | None,
    limit: int,
) -> tuple[list[JobRow], bool]:
    """A page of the user's jobs, newest first, and whether there is a next page."""
    anchor = await read(reads, user, before) if before is not None else None
    rows = await repository.read_page(reads, user.id, status=status, before=anchor, limit=limit + 1)
    return rows[:limit], len(rows) > limit


def analysis_of(job: JobDetailRow) -> dict[str, Any] | None:
    if job.detailed_analysis is None:
        return None
    value = json.loads(job.detailed_analysis)
    return value if isinstance(value, dict) else {"value": value}


# ---- cancel, delete ----
async def cancel(ctx: AppContext, session: AsyncSession, user: AuthUser, job_id: str) -> JobRow:
    job = await read(ctx.db.driver, user, job_id)
    cancelled = await transition(session, ctx.feed, job.id, JobStatus.CANCELLED)
    if cancelled is None:
        current = await repository.read_job(ctx.db.driver, user.id, job_id)
        status = current.status if current is not None else job.status
        raise Conflict(
            f"Job {job_id} is {status}; only a PENDING or PROCESSING job can be cancelled."
        )
    await repository.drop_outbox(session, job.id)
    return cancelled


async def delete(ctx: AppContext, session: AsyncSession, user: AuthUser, job_id: str) -> None:
    job = await read(ctx.db.driver, user, job_id)
    await repository.delete_job(session, job.id)
    await ctx.feed.changed(session, job.id)


# ---- callbacks ----
PHASE_ORDER: tuple[Phase, ...] = ("queued", "downloading", "analysing", "scoring")
_PHASE_RANK = case(
    {phase: rank for rank, phase in enumerate(PHASE_ORDER)}, value=jobs.c.phase, else_=-1
)


def later_phase(reported: Phase) -> Any:
    """The job's phase after a report of ``reported``: phases never go back within an attempt
    (callbacks may arrive out of order), like progress."""
    rank = PHASE_ORDER.index(reported)
    return case((_PHASE_RANK < rank, reported), else_=jobs.c.phase)  # noqa: SIM300


@dataclass(frozen=True, slots=True)
class CallbackOutcome:
    job_id: str
    status: JobStatus
    message: str
    applied: bool


async def _callback_job(ctx: AppContext, job_id: str) -> CallbackJobRow:
    return found(await repository.read_for_callback(ctx.db.driver, job_id), job_id)


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
        job = await _callback_job(ctx, body.job_id)
        message = f"Callback {webhook_id} was applied before; nothing changed."
        return CallbackOutcome(job.job_id, job.status, message, False)

    job = await _callback_job(ctx, body.job_id)
    # At most two rounds: if the compare-and-set loses to a concurrent writer, re-read the job and
    # answer from its new state (which is then terminal or on another attempt).
    for _ in range(2):
        if job.status.is_terminal:
            if job.status is target:
                message = f"Job is already {job.status}; nothing changed."
                return CallbackOutcome(job.job_id, job.status, message, False)
            raise Conflict(
                f"Job {job.job_id} is {job.status}; a {target} callback cannot change it.",
                details={"status": job.status.value},
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
                on_commit(session, ctx.metrics.results.labels(target.value).inc)
            if webhook_id is not None:
                await repository.remember_webhook(session, webhook_id, job.job_id, utcnow())
            message = f"Job is now {target}."
            if target is JobStatus.PROCESSING and body.progress is not None:
                message = f"Job is {target} ({body.progress}%)."
            return CallbackOutcome(job.job_id, target, message, True)
        job = await _callback_job(ctx, body.job_id)
    raise Conflict(f"Job {job.job_id} changed concurrently; retry the callback.")


async def _apply(
    ctx: AppContext,
    session: AsyncSession,
    job: CallbackJobRow,
    target: JobStatus,
    attempt: int,
    body: CallbackRequest,
    analysis: dict[str, Any] | None,
) -> bool:
    settings = ctx.settings
    now = utcnow()
    values: dict[str, Any] = {}
    summary: Summary | None = None
    if body.duration_seconds is not None:
        values["duration_seconds"] = body.duration_seconds
    if target is JobStatus.PROCESSING:
        if body.progress is not None:
            # Progress never goes back within an attempt (callbacks may arrive out of order).
            values["progress"] = case(
                (jobs.c.progress.is_(None), body.progress),
                (jobs.c.progress < body.progress, body.progress),
                else_=jobs.c.progress,
            )
        if body.phase is not None:
            values["phase"] = later_phase(body.phase)
        # A worker is alive: its report pushes the deadline out (a job is only re-forwarded when
        # nothing has been heard of it for JOB_DEADLINE_SECONDS).
        values["deadline_at"] = now + timedelta(seconds=settings.job_deadline_seconds)
        if body.duration_seconds is not None:
            values["estimated_completion_at"] = estimate.remaining(
                settings, now, body.duration_seconds, max(body.progress or 0, job.progress or 0)
            )
    else:
        values["estimated_completion_at"] = now
        if target is JobStatus.COMPLETED:
            values.update(
                detailed_analysis=json.dumps(analysis, separators=(",", ":")),
                progress=100,
                error_message=None,
            )
            # What progress reads (never the analysis itself): api/progress/summary.py.
            summary = summarise(analysis or {})
            if job.forwarded_at is not None:
                values["processing_seconds"] = (now - job.forwarded_at).total_seconds()
        else:
            values["error_message"] = (
                body.error_message or "The AI backend reported a failure without a message."
            )
    changed = await transition(
        session, ctx.feed, job.id, target, attempt=attempt, values=values, now=now
    )
    if changed is None:
        return False
    if summary is not None:
        completed = progress_repository.CompletedJob(
            job.id, job.job_id, job.user_id, job.created_at, job.file_name
        )
        await progress_repository.store_summary(session, completed, summary)
    # The forward evidently arrived (a worker reported) or is moot (terminal).
    await repository.drop_outbox(session, job.id, None if target.is_terminal else attempt)
    return True
