"""Rules of sharing: a link per (job, expiry, comments allowed), opened by its token alone.

Tokens are 256 bits from :mod:`secrets`; only their SHA-256 is stored, so a copy of the database
opens nothing. A link is found by the digest of its token: what the lookup's timing could tell is
about the digest, never the token (this is the constant-time comparison: the token itself is never
compared). A link that is unknown, revoked or expired answers 404 — the same answer, at once.
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Sequence
from datetime import timedelta
from typing import Literal

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from interview_jobs.api.auth.tokens import AuthUser
from interview_jobs.api.context import AppContext
from interview_jobs.api.errors import Conflict, Forbidden, NotFound, RateLimited, ValidationFailed
from interview_jobs.api.files.signing import signed_content_url
from interview_jobs.api.jobs import repository as jobs
from interview_jobs.api.jobs import service as job_service
from interview_jobs.api.jobs.repository import JobDetailRow
from interview_jobs.api.models import InterviewJob, ReportShare, ShareComment, utcnow
from interview_jobs.api.shares.schemas import CommentIn, ShareCreate
from interview_jobs.contracts.common import JobStatus

TOKEN_BYTES = 32
MAX_TOKEN_CHARS = 64  # token_urlsafe(32) is 43 characters
SHARE_PATH = "/s/"
GONE = "This share link does not exist, was revoked or has expired."


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def state_of(share: ReportShare) -> Literal["active", "expired", "revoked"]:
    if share.revoked_at is not None:
        return "revoked"
    return "expired" if share.expires_at <= utcnow() else "active"


# ---- the owner's side ----
async def create(
    ctx: AppContext, session: AsyncSession, user: AuthUser, job_id: str, body: ShareCreate
) -> tuple[ReportShare, str]:
    """A new link to the user's completed job; returns the share and its token."""
    job = await job_service.read(ctx.db.driver, user, job_id)
    if job.status != JobStatus.COMPLETED:
        raise Conflict(f"Job {job_id} is {job.status}: only a completed report can be shared.")
    settings = ctx.settings
    days = settings.share_default_days if body.expires_in_days is None else body.expires_in_days
    if days > settings.share_max_days:
        raise ValidationFailed.field(
            "expiresInDays", f"at most {settings.share_max_days} days on this server"
        )
    token = secrets.token_urlsafe(TOKEN_BYTES)
    now = utcnow()
    share = ReportShare(
        job_pk=job.id,
        user_id=user.id,
        token_sha256=_digest(token),
        allow_comments=body.allow_comments,
        created_at=now,
        expires_at=now + timedelta(days=days),
    )
    session.add(share)
    await session.flush()
    return share, token


async def shares_of(
    ctx: AppContext, session: AsyncSession, user: AuthUser, job_id: str
) -> Sequence[ReportShare]:
    job = await job_service.read(ctx.db.driver, user, job_id)
    found = await session.scalars(
        select(ReportShare).where(ReportShare.job_pk == job.id).order_by(ReportShare.id.desc())
    )
    return found.all()


async def revoke(
    ctx: AppContext, session: AsyncSession, user: AuthUser, job_id: str, share_id: int
) -> None:
    job = await job_service.read(ctx.db.driver, user, job_id)
    share = await session.scalar(
        select(ReportShare).where(ReportShare.id == share_id, ReportShare.job_pk == job.id)
    )
    if share is None:
        raise NotFound(f"No share {share_id} of job {job_id}.")
    if share.revoked_at is None:
        share.revoked_at = utcnow()


async def comments_of(
    ctx: AppContext, session: AsyncSession, user: AuthUser, job_id: str
) -> Sequence[ShareComment]:
    job = await job_service.read(ctx.db.driver, user, job_id)
    return await _comments(session, job.id)


async def delete_comment(
    ctx: AppContext, session: AsyncSession, user: AuthUser, job_id: str, comment_id: int
) -> None:
    job = await job_service.read(ctx.db.driver, user, job_id)
    comment = await session.scalar(
        select(ShareComment).where(ShareComment.id == comment_id, ShareComment.job_pk == job.id)
    )
    if comment is None:
        raise NotFound(f"No comment {comment_id} on job {job_id}.")
    await session.delete(comment)


async def _comments(session: AsyncSession, job_pk: int) -> Sequence[ShareComment]:
    found = await session.scalars(
        select(ShareComment).where(ShareComment.job_pk == job_pk).order_by(ShareComment.id)
    )
    return found.all()


# ---- whoever holds the link ----
async def open_share(
    ctx: AppContext, session: AsyncSession, token: str
) -> tuple[ReportShare, JobDetailRow]:
    """The active share of ``token`` and its job, or NotFound."""
    if not 0 < len(token) <= MAX_TOKEN_CHARS:
        raise NotFound(GONE)
    digest = _digest(token)
    row = (
        await session.execute(
            select(ReportShare, InterviewJob.job_id)
            .join(InterviewJob, InterviewJob.id == ReportShare.job_pk)
            .where(ReportShare.token_sha256 == digest)
        )
    ).first()
    if row is None:
        raise NotFound(GONE)
    share, job_id = row
    if state_of(share) != "active":
        raise NotFound(GONE)
    job = await jobs.read_detail(ctx.db.driver, share.user_id, job_id)
    if job is None:
        raise NotFound(GONE)
    return share, job


async def shared_report(
    ctx: AppContext, session: AsyncSession, token: str
) -> tuple[ReportShare, JobDetailRow, str | None, Sequence[ShareComment]]:
    share, job = await open_share(ctx, session, token)
    video = None
    if job.file_id is not None:
        video = signed_content_url(
            ctx.url_signing_key, "", job.file_id, ctx.settings.share_video_ttl_seconds
        )
    return share, job, video, await _comments(session, job.id)


async def add_comment(
    ctx: AppContext, session: AsyncSession, token: str, body: CommentIn, client: str
) -> ShareComment:
    share, job = await open_share(ctx, session, token)
    if not share.allow_comments:
        raise Forbidden("The owner of this report does not take comments through this link.")
    wait = ctx.comment_limiter.retry_after(share.token_sha256, client)
    if wait is not None:
        raise RateLimited(f"Too many comments; try again in {wait} s.", retry_after=wait)
    ctx.comment_limiter.hit(share.token_sha256, client)
    comment = ShareComment(
        job_pk=job.id,
        share_id=share.id,
        author=body.name,
        text=body.text,
        at_seconds=body.at_seconds,
        created_at=utcnow(),
    )
    session.add(comment)
    await session.flush()
    return comment
