"""The one table of allowed status changes, applied as compare-and-set.

Every status change of a job goes through :func:`transition`: a single
``UPDATE … WHERE id = :id AND status IN (:allowed sources) [AND attempt = :attempt] RETURNING …``.
Whichever of several concurrent writers (callbacks, a cancel, the deadline sweep, on any API
replica) reaches the row first wins; the others update nothing and re-read. On PostgreSQL (READ
COMMITTED) the losing UPDATE waits for the winner's row lock and then re-checks its WHERE against
the committed row; on SQLite writers are serialised. Either way a change applies exactly once, and
the job's event streams hear of it (``feed.py``) when it commits.

    PENDING ──► PROCESSING ──► COMPLETED | FAILED | CANCELLED   (terminal: never change again)
       ▲  │          │
       │  └──────────┴──► COMPLETED | FAILED | CANCELLED
       └── PENDING/PROCESSING (deadline missed: attempt+1, forwarded again)

A job's ``phase`` (what its worker reported doing) is set only by PROCESSING callbacks and
cleared by every other change.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession

from interview_jobs.api.jobs.feed import JobFeed
from interview_jobs.api.jobs.repository import ACTIVE_STATUSES, JOB_COLUMNS, JobRow, jobs
from interview_jobs.api.models import utcnow
from interview_jobs.contracts.common import JobStatus

# target status -> the statuses it may be reached from
ALLOWED_SOURCES: dict[JobStatus, frozenset[JobStatus]] = {
    JobStatus.PENDING: ACTIVE_STATUSES,  # re-forward with attempt+1 after a missed deadline
    JobStatus.PROCESSING: ACTIVE_STATUSES,  # a worker has started / reports progress
    JobStatus.COMPLETED: ACTIVE_STATUSES,
    JobStatus.FAILED: ACTIVE_STATUSES,
    JobStatus.CANCELLED: ACTIVE_STATUSES,
}


async def transition(
    session: AsyncSession,
    feed: JobFeed,
    job_pk: int,
    target: JobStatus,
    *,
    attempt: int | None = None,
    values: dict[str, Any] | None = None,
    now: datetime | None = None,
) -> JobRow | None:
    """Move the job to ``target`` if its current status allows it (and it is still on
    ``attempt``): the job as it is now, or None if this call changed nothing."""
    now = now or utcnow()
    values = dict(values or {})
    if target is not JobStatus.PROCESSING:
        # A phase is what a worker reported of the current attempt: a job that is queued again
        # (attempt+1) or over has none.
        values.setdefault("phase", None)
    if target.is_terminal:  # over: no deadline, no estimate (unless ``values`` say otherwise)
        values = {"finished_at": now, "deadline_at": None, "estimated_completion_at": None} | values
    stmt = (
        update(jobs)
        .where(jobs.c.id == job_pk, jobs.c.status.in_(ALLOWED_SOURCES[target]))
        .values(status=target, updated_at=now, **values)
        .returning(*JOB_COLUMNS)
    )
    if attempt is not None:
        stmt = stmt.where(jobs.c.attempt == attempt)
    row = (await session.execute(stmt)).one_or_none()
    if row is None:
        return None
    await feed.changed(session, job_pk)
    return JobRow(*row)
