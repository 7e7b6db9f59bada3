"""SQL of the files domain."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import bindparam, delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from interview_jobs.api.driver import ReadSession, Statement
from interview_jobs.api.models import FileUpload, InterviewJob, table
from interview_jobs.contracts.common import JobStatus

files = table(FileUpload)
_jobs = table(InterviewJob)
_ACTIVE = [status for status in JobStatus if not status.is_terminal]


@dataclass(frozen=True, slots=True)
class Video:
    """What a job needs of its uploaded file."""

    id: int
    original_file_name: str
    duration_seconds: float | None


_VIDEO = Statement(
    select(files.c.id, files.c.original_file_name, files.c.duration_seconds).where(
        files.c.id == bindparam("file_id"), files.c.user_id == bindparam("user_id")
    )
)
# Jobs point at their file (not the other way round): the question "is this file in use" is
# asked of the jobs table here, so that the files domain needs nothing of the jobs domain.
_ACTIVE_JOB_USING = (
    select(_jobs.c.job_id, _jobs.c.status)
    .where(_jobs.c.file_id == bindparam("file_id"), _jobs.c.status.in_(_ACTIVE))
    .limit(1)
)


async def get_owned(session: AsyncSession, file_id: int, user_id: int) -> FileUpload | None:
    result = await session.execute(
        select(FileUpload).where(FileUpload.id == file_id, FileUpload.user_id == user_id)
    )
    return result.scalar_one_or_none()


async def video_of(reads: ReadSession, file_id: int, user_id: int) -> Video | None:
    row = await reads.read_one(_VIDEO, {"file_id": file_id, "user_id": user_id})
    return Video(*row) if row is not None else None


async def active_job_using(session: AsyncSession, file_id: int) -> tuple[str, JobStatus] | None:
    """(jobId, status) of a PENDING or PROCESSING job of this file, if there is one."""
    row = (await session.execute(_ACTIVE_JOB_USING, {"file_id": file_id})).one_or_none()
    return (row.job_id, row.status) if row is not None else None


async def get(session: AsyncSession, file_id: int) -> FileUpload | None:
    return await session.get(FileUpload, file_id)


async def list_owned(session: AsyncSession, user_id: int, limit: int) -> Sequence[FileUpload]:
    result = await session.execute(
        select(FileUpload)
        .where(FileUpload.user_id == user_id)
        .order_by(FileUpload.id.desc())
        .limit(limit)
    )
    return result.scalars().all()


async def add(session: AsyncSession, upload: FileUpload) -> FileUpload:
    session.add(upload)
    await session.flush()
    return upload


async def remove(session: AsyncSession, file_id: int) -> None:
    await session.execute(delete(FileUpload).where(FileUpload.id == file_id))
