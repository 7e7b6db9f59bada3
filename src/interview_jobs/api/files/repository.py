"""SQL of the files domain."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import bindparam, delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from interview_jobs.api.db import Database
from interview_jobs.api.fastsql import FastStatement
from interview_jobs.api.models import FileUpload, table

files = table(FileUpload)
_OWNED_VIDEO = FastStatement(
    select(files.c.id, files.c.duration_seconds).where(
        files.c.id == bindparam("file_id"), files.c.user_id == bindparam("user_id")
    )
)


async def get_owned(session: AsyncSession, file_id: int, user_id: int) -> FileUpload | None:
    result = await session.execute(
        select(FileUpload).where(FileUpload.id == file_id, FileUpload.user_id == user_id)
    )
    return result.scalar_one_or_none()


async def read_owned_video(db: Database, file_id: int, user_id: int) -> Any | None:
    """The user's file as (id, duration_seconds), read outside any transaction, or None."""
    return await db.fast.one(_OWNED_VIDEO, {"file_id": file_id, "user_id": user_id})


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
