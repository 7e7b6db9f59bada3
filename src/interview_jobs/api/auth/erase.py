"""Erasing a user: every row of theirs and every stored byte (``DELETE /api/auth/me``).

The user's row goes last and takes with it, by ``ON DELETE CASCADE``, their files' rows, jobs
(and with those the outbox rows, share links and comments) and idempotency keys. What no foreign
key reaches is deleted here: the applied-webhook ids of their jobs. The uploads' bytes are
removed from the file store (disk or S3) before the transaction commits: a store that is down
fails the request (503) rather than leave videos of an account that is gone.
"""

from __future__ import annotations

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from interview_jobs.api.context import AppContext
from interview_jobs.api.files import service as files
from interview_jobs.api.models import AppliedWebhook, FileUpload, InterviewJob, User


async def everything_of(ctx: AppContext, session: AsyncSession, user_id: int) -> None:
    uploads = (await session.scalars(select(FileUpload).where(FileUpload.user_id == user_id))).all()
    jobs = (
        await session.execute(
            select(InterviewJob.id, InterviewJob.job_id).where(InterviewJob.user_id == user_id)
        )
    ).all()
    job_ids = [job_id for _, job_id in jobs]
    for start in range(0, len(job_ids), 500):
        batch = job_ids[start : start + 500]
        await session.execute(delete(AppliedWebhook).where(AppliedWebhook.job_id.in_(batch)))
    await session.execute(delete(User).where(User.id == user_id))
    for job_pk, _ in jobs:
        await ctx.feed.changed(session, job_pk)  # open event streams hear the job is gone
    # The bytes go before the commit: a store that is down is a 503 with the account still
    # there, to try again — never an account gone and its videos kept (if the commit then
    # fails, the rows stay without bytes and deleting again finishes).
    await files.delete_contents(ctx, [upload.file_name for upload in uploads])
