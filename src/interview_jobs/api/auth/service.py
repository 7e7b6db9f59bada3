"""Rules of the auth domain: registration, login (rate limited), tokens."""

from __future__ import annotations

import anyio.to_thread
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy.ext.asyncio import AsyncSession

from interview_jobs.api.auth import erase, repository
from interview_jobs.api.auth.tokens import AuthUser
from interview_jobs.api.context import AppContext
from interview_jobs.api.errors import (
    Conflict,
    Forbidden,
    NotFound,
    RateLimited,
    Unauthorized,
    ValidationFailed,
)
from interview_jobs.api.models import User

# Verified against when the username does not exist, so that timing does not tell.
_DUMMY_HASH_CACHE: dict[int, str] = {}


async def register(ctx: AppContext, session: AsyncSession, username: str, password: str) -> User:
    # Hash before touching the database: the session would otherwise hold its connection (on
    # SQLite the only one) for the ~50 ms that argon2 takes.
    password_hash = await anyio.to_thread.run_sync(ctx.password_hasher.hash, password)
    if await repository.get_by_username(session, username) is not None:
        raise Conflict(f"The username '{username}' is taken.")
    return await repository.add(session, username, password_hash)


async def login(ctx: AppContext, username: str, password: str, client: str) -> tuple[str, int]:
    """Check the credentials; returns (access token, lifetime in seconds).

    Reads on a short connection of its own (login writes nothing), released before argon2 runs.
    """
    wait = ctx.login_limiter.retry_after(username, client)
    if wait is not None:
        raise RateLimited(f"Too many failed logins; try again in {wait} seconds.", retry_after=wait)
    async with ctx.db.transaction() as session:
        user = await repository.get_by_username(session, username)
    stored = user.password_hash if user is not None else _dummy_hash(ctx)
    if not await anyio.to_thread.run_sync(_verify, ctx, stored, password) or user is None:
        ctx.login_limiter.hit(username, client)
        raise Unauthorized("Invalid username or password.", bearer=False)
    ctx.login_limiter.clear(username, client)
    return ctx.tokens.issue(AuthUser(id=user.id, username=user.username))


async def me(session: AsyncSession, user: AuthUser) -> User:
    found = await repository.get(session, user.id)
    if found is None:
        # A token outliving its user.
        raise NotFound("This user no longer exists.")
    return found


def _verify(ctx: AppContext, stored: str, password: str) -> bool:
    try:
        return ctx.password_hasher.verify(stored, password)
    except (VerificationError, InvalidHashError):
        return False


def _dummy_hash(ctx: AppContext) -> str:
    key = id(ctx.password_hasher)
    if key not in _DUMMY_HASH_CACHE:
        _DUMMY_HASH_CACHE[key] = ctx.password_hasher.hash("not-a-real-password")
    return _DUMMY_HASH_CACHE[key]


async def delete_account(
    ctx: AppContext, session: AsyncSession, user: AuthUser, password: str, client: str
) -> None:
    """Delete the user and everything of theirs, once the password is confirmed (failures count
    against the login limit: this is a way to try passwords too)."""
    wait = ctx.login_limiter.retry_after(user.username, client)
    if wait is not None:
        raise RateLimited(
            f"Too many failed attempts; try again in {wait} seconds.", retry_after=wait
        )
    found = await me(session, user)
    if not await anyio.to_thread.run_sync(_verify, ctx, found.password_hash, password):
        ctx.login_limiter.hit(user.username, client)
        raise Forbidden("The password is not right; nothing was deleted.")
    ctx.login_limiter.clear(user.username, client)
    await erase.everything_of(ctx, session, found.id)


async def update_settings(
    ctx: AppContext, session: AsyncSession, user: AuthUser, video_retention_days: int | None
) -> User:
    found = await me(session, user)
    server = ctx.settings.video_retention_days
    if video_retention_days is not None and server is not None and video_retention_days > server:
        raise ValidationFailed.field(
            "videoRetentionDays",
            f"at most {server} days: this server deletes uploads after {server} days",
        )
    found.video_retention_days = video_retention_days
    return found
