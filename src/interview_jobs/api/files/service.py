"""Rules of the files domain."""

from __future__ import annotations

import logging
from collections.abc import Sequence

import anyio.to_thread
from sqlalchemy.ext.asyncio import AsyncSession

from interview_jobs.api.auth.tokens import AuthUser
from interview_jobs.api.context import AppContext
from interview_jobs.api.db import on_rollback
from interview_jobs.api.driver import ReadSession
from interview_jobs.api.errors import Conflict, NotFound
from interview_jobs.api.files import repository, storage
from interview_jobs.api.models import FileUpload

log = logging.getLogger(__name__)


def _not_found(file_id: int) -> NotFound:
    return NotFound(f"No file {file_id}.")


async def upload(
    ctx: AppContext, session: AsyncSession, user: AuthUser, stored: storage.StoredUpload
) -> FileUpload:
    """Record an upload that ``storage.receive_upload`` has written to the store (its bytes go
    again if the row is not committed)."""
    store = ctx.store
    on_rollback(session, lambda: _forget(ctx, stored.file_name))
    duration = await anyio.to_thread.run_sync(
        storage.probe_duration, store.sync_reader(stored.file_name, stored.file_size)
    )
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
    # The bytes go before the row's removal commits: a store that is down is a 503 with the file
    # still listed (try again), never a row gone and a video still stored. If the commit then
    # fails, the row stays without bytes and deleting it again finishes the job.
    await delete_contents(ctx, [upload.file_name])


async def delete_contents(ctx: AppContext, file_names: Sequence[str]) -> None:
    """Remove files' bytes from the store (no error for bytes already gone); raises
    StoreUnavailable (503) if the store does not answer. Called before the rows' removal
    commits, by this domain's delete and by the account's erasure."""
    for file_name in file_names:
        await ctx.store.delete(file_name)


async def _forget(ctx: AppContext, file_name: str) -> None:
    """The bytes of an upload whose row was rolled back (the request's error stands)."""
    try:
        await ctx.store.delete(file_name)
    except Exception as exc:
        log.warning("storage: %s left behind after a rollback: %s", file_name, exc)
