"""Rules of the files domain."""

from __future__ import annotations

import contextlib
from collections.abc import Sequence
from pathlib import Path

import anyio.to_thread
from sqlalchemy.ext.asyncio import AsyncSession

from interview_jobs.api.auth.tokens import AuthUser
from interview_jobs.api.context import AppContext
from interview_jobs.api.db import on_commit, on_rollback
from interview_jobs.api.driver import ReadSession
from interview_jobs.api.errors import Conflict, NotFound
from interview_jobs.api.files import repository, storage
from interview_jobs.api.models import FileUpload


def _not_found(file_id: int) -> NotFound:
    return NotFound(f"No file {file_id}.")


async def upload(session: AsyncSession, user: AuthUser, stored: storage.StoredUpload) -> FileUpload:
    """Record an upload that ``storage.receive_upload`` has written (its bytes go again if the
    row is not committed)."""
    on_rollback(session, lambda: _unlink(stored.path))
    duration = await anyio.to_thread.run_sync(storage.probe_duration, stored.path)
    return await repository.add(
        session,
        FileUpload(
            user_id=user.id,
            file_name=stored.file_name,
            original_file_name=stored.original_file_name,
            content_type=stored.content_type,
            file_size=stored.file_size,
            sha256=stored.sha256,
            duration_seconds=duration,
        ),
    )


async def get_owned(session: AsyncSession, user: AuthUser, file_id: int) -> FileUpload:
    found = await repository.get_owned(session, file_id, user.id)
    if found is None:
        raise _not_found(file_id)
    return found


async def video_of(reads: ReadSession, user: AuthUser, file_id: int) -> repository.Video:
    """What a new job needs of the caller's file."""
    found = await repository.video_of(reads, file_id, user.id)
    if found is None:
        raise _not_found(file_id)
    return found


async def get_any(session: AsyncSession, file_id: int) -> FileUpload:
    """A file by id regardless of owner (access was granted by a signed URL)."""
    found = await repository.get(session, file_id)
    if found is None:
        raise _not_found(file_id)
    return found


async def list_owned(session: AsyncSession, user: AuthUser, limit: int) -> Sequence[FileUpload]:
    return await repository.list_owned(session, user.id, limit)


def stored_path(ctx: AppContext, upload: FileUpload) -> Path:
    return ctx.settings.files_dir / upload.file_name


async def delete(ctx: AppContext, session: AsyncSession, user: AuthUser, file_id: int) -> None:
    upload = await get_owned(session, user, file_id)
    active = await repository.active_job_using(session, upload.id)
    if active is not None:
        job_id, status = active
        raise Conflict(
            f"File {file_id} is used by job {job_id} ({status}); cancel or delete that job first.",
            details={"jobId": job_id, "status": status},
        )
    await repository.remove(session, upload.id)
    path = stored_path(ctx, upload)
    # The bytes go only once the row is gone for good.
    on_commit(session, lambda: _unlink(path))


def _unlink(path: Path) -> None:
    with contextlib.suppress(OSError):
        path.unlink()


def unlink_all(paths: Sequence[Path]) -> None:
    for path in paths:
        _unlink(path)
