"""Video retention: an upload older than its owner's retention is deleted — its row and its
bytes — while the jobs that analysed it keep their reports and say when the video went
(``videoDeletedAt``).

A user's retention is the shorter of the server's ``VIDEO_RETENTION_DAYS`` and their own setting
(``PATCH /api/auth/me {videoRetentionDays}``; shorter only); unset on both = kept. Files used by a
job that is still PENDING or PROCESSING wait until it ends. Every API process runs the purge
every ``PURGE_INTERVAL_SECONDS``; on PostgreSQL each batch locks its rows ``FOR UPDATE SKIP
LOCKED``, so replicas share the work and never delete a file twice. ``interview-jobs purge
[--dry-run]`` runs one purge from the shell.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Select, exists, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from interview_jobs.api.context import AppContext
from interview_jobs.api.files import service as files
from interview_jobs.api.models import FileUpload, InterviewJob, User, utcnow
from interview_jobs.contracts.common import JobStatus

log = logging.getLogger(__name__)
BATCH = 100


@dataclass(frozen=True)
class Due:
    file_id: int
    user_id: int
    original_file_name: str
    file_size: int
    uploaded_at: datetime


@dataclass
class Purge:
    deleted: list[Due] = field(default_factory=list)

    @property
    def bytes(self) -> int:
        return sum(d.file_size for d in self.deleted)


def effective_days(server_days: int | None, user_days: int | None) -> int | None:
    """The shorter of the two retentions that are set (None = keep)."""
    set_ = [d for d in (server_days, user_days) if d is not None]
    return min(set_) if set_ else None


def _due(cutoffs: Sequence[tuple[datetime, int | None]]) -> Select[Any]:
    """Uploads past a cutoff — ``(cutoff, None)`` for every user (the server's retention),
    ``(cutoff, days)`` for users whose own setting is ``days`` — not used by a running job."""
    running = exists().where(
        InterviewJob.file_id == FileUpload.id,
        InterviewJob.status.in_([JobStatus.PENDING, JobStatus.PROCESSING]),
    )
    conditions = []
    for cutoff, days in cutoffs:
        if days is None:
            conditions.append(FileUpload.uploaded_at < cutoff)
        else:
            own = select(User.id).where(User.video_retention_days == days)
            conditions.append((FileUpload.uploaded_at < cutoff) & FileUpload.user_id.in_(own))

    return select(FileUpload).where(or_(*conditions), ~running).order_by(FileUpload.id)


async def _cutoffs(
    session: AsyncSession, server_days: int | None, now: datetime
) -> list[tuple[datetime, int | None]]:
    cutoffs: list[tuple[datetime, int | None]] = []
    if server_days is not None:
        cutoffs.append((now - timedelta(days=server_days), None))
    found = await session.scalars(
        select(User.video_retention_days).where(User.video_retention_days.is_not(None)).distinct()
    )
    for days in found:
        if days is not None and (server_days is None or days < server_days):
            cutoffs.append((now - timedelta(days=days), days))
    return cutoffs


async def purge(ctx: AppContext, *, dry_run: bool = False, now: datetime | None = None) -> Purge:
    """Delete (or with ``dry_run`` only list) every upload past its retention, in batches."""
    now = now or utcnow()
    result = Purge()
    while True:
        async with ctx.db.transaction() as session:
            cutoffs = await _cutoffs(session, ctx.settings.video_retention_days, now)
            if not cutoffs:
                return result
            statement = _due(cutoffs)
            if dry_run:
                rows: Sequence[FileUpload] = (await session.scalars(statement)).all()
                result.deleted += [_describe(u) for u in rows]
                return result
            batch: Sequence[FileUpload] = (
                await session.scalars(
                    statement.limit(BATCH).with_for_update(skip_locked=True, of=FileUpload)
                )
            ).all()
            if not batch:
                return result
            await _delete(ctx, session, batch, now)
        result.deleted += [_describe(u) for u in batch]
        log.info(
            "retention: deleted %d videos (%d bytes)", len(batch), sum(u.file_size for u in batch)
        )


async def _delete(
    ctx: AppContext, session: AsyncSession, uploads: Sequence[FileUpload], now: datetime
) -> None:
    ids = [u.id for u in uploads]
    jobs = await session.scalars(
        update(InterviewJob)
        .where(InterviewJob.file_id.in_(ids))
        .values(video_deleted_at=now, updated_at=now)
        .returning(InterviewJob.id)
    )
    for job_pk in jobs.all():
        await ctx.feed.changed(session, job_pk)
    for upload in uploads:
        await session.delete(upload)
    # The bytes go before the commit, as a user's delete does (files.service.delete_contents):
    # a store that is down leaves the rows for the next purge, never rows without bytes behind.
    await files.delete_contents(ctx, [u.file_name for u in uploads])


def _describe(upload: FileUpload) -> Due:
    return Due(
        upload.id, upload.user_id, upload.original_file_name, upload.file_size, upload.uploaded_at
    )


async def purge_forever(ctx: AppContext) -> None:
    """The API's purge loop: one purge every PURGE_INTERVAL_SECONDS (the first after one)."""
    while True:
        await asyncio.sleep(ctx.settings.purge_interval_seconds)
        try:
            await purge(ctx)
        except asyncio.CancelledError:
            raise
        except Exception:  # the next round tries again; the loop must not die
            log.exception("retention: the purge failed")
