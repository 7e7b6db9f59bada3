"""The one table of allowed status changes, applied as compare-and-set.

Every status change of a job goes through :func:`transition`: a single
``UPDATE … WHERE id = :id AND status IN (:allowed sources) [AND attempt = :attempt]``. Whichever of
several concurrent writers (callbacks, a cancel, the deadline sweep, on any API replica) reaches the
row first wins; the others update nothing and re-read. On PostgreSQL (READ COMMITTED) the losing
UPDATE waits for the winner's row lock and then re-checks its WHERE against the committed row; on
SQLite writers are serialised. Either way a change applies exactly once.

    PENDING ──► PROCESSING ──► COMPLETED | FAILED | CANCELLED   (terminal: never change again)
       ▲  │          │
       │  └──────────┴──► COMPLETED | FAILED | CANCELLED
       └── PENDING/PROCESSING (deadline missed: attempt+1, forwarded again)
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession

from interview_jobs.api.models import InterviewJob, table, utcnow
from interview_jobs.contracts.common import JobStatus

_ACTIVE = frozenset({JobStatus.PENDING, JobStatus.PROCESSING})

# target status -> the statuses it may be reached from
ALLOWED_SOURCES: dict[JobStatus, frozenset[JobStatus]] = {
    JobStatus.PENDING: _ACTIVE,  # re-forward with attempt+1 after a missed deadline
    JobStatus.PROCESSING: _ACTIVE,  # a worker has started / reports progress
    JobStatus.COMPLETED: _ACTIVE,
    JobStatus.FAILED: _ACTIVE,
    JobStatus.CANCELLED: _ACTIVE,
}

ACTIVE_STATUSES = _ACTIVE


def allowed(source: JobStatus, target: JobStatus) -> bool:
    return source in ALLOWED_SOURCES[target]


async def transition(
    session: AsyncSession,
    job_pk: int,
    target: JobStatus,
    *,
    attempt: int | None = None,
    values: dict[str, Any] | None = None,
    now: datetime | None = None,
) -> bool:
    """Move the job to ``target`` if its current status allows it (and it is still on
    ``attempt``); returns whether this call made the change."""
    tbl = table(InterviewJob)
    stmt = (
        update(tbl)
        .where(
            tbl.c.id == job_pk,
            tbl.c.status.in_([s.value for s in ALLOWED_SOURCES[target]]),
        )
        .values(status=target.value, updated_at=now or utcnow(), **(values or {}))
    )
    if attempt is not None:
        stmt = stmt.where(tbl.c.attempt == attempt)
    result = await session.execute(stmt)
    return bool(result.rowcount == 1)  # type: ignore[attr-defined]
