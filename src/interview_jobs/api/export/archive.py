"""``GET /api/export``: the zip, written as it is sent.

:mod:`zipfile` writes into a sink that the response drains after every entry (and after every
chunk of a video): the archive is never whole in memory nor on disk, and a video streams from the
store into it. Entries: ``README.txt``, ``account.json``, ``jobs.json`` (every job as the API
shows it, with its analysis), ``files.json``, ``comments.json``, ``reports/<jobId>.html`` (one
offline report per job) and, when asked, ``videos/<fileId>-<name>`` (stored, not compressed).
"""

from __future__ import annotations

import io
import json
import re
import zipfile
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select

from interview_jobs.api.auth.tokens import AuthUser
from interview_jobs.api.context import AppContext
from interview_jobs.api.export.report_html import render
from interview_jobs.api.jobs import repository as jobs
from interview_jobs.api.jobs.schemas import JobDetailOut
from interview_jobs.api.jobs.service import analysis_of
from interview_jobs.api.models import FileUpload, InterviewJob, ShareComment, User

PAGE = 100
README = """Your data from the Interview Job System, exported {when} UTC.

account.json   your account (no password)
jobs.json      every interview job, as the API shows it, with its analysis (detailedAnalysis)
files.json     your uploads' metadata
comments.json  comments left through your share links
reports/       one report per job, a self-contained HTML page: open it in any browser, offline
videos/        your uploaded videos (only when the export was asked with ?videos=true)
"""


class _Sink(io.RawIOBase):
    """A write-only, unseekable stream that keeps what was written until drained (zipfile
    then writes data descriptors instead of seeking back)."""

    def __init__(self) -> None:
        self._chunks: list[bytes] = []
        self._position = 0

    def writable(self) -> bool:
        return True

    def write(self, data: Any) -> int:
        chunk = bytes(data)
        self._chunks.append(chunk)
        self._position += len(chunk)
        return len(chunk)

    def tell(self) -> int:
        return self._position

    def drain(self) -> bytes:
        out, self._chunks = b"".join(self._chunks), []
        return out


def _json(value: Any) -> bytes:
    return json.dumps(value, ensure_ascii=False, indent=2, default=str).encode()


def _safe(name: str) -> str:
    return re.sub(r"[^A-Za-z0-9._-]+", "_", name)[:100] or "video"


async def archive(ctx: AppContext, user: AuthUser, *, videos: bool) -> AsyncIterator[bytes]:
    sink = _Sink()
    now = datetime.now(UTC)
    with zipfile.ZipFile(sink, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("README.txt", README.format(when=f"{now:%Y-%m-%d %H:%M}"))
        async with ctx.db.transaction() as session:
            me = await session.get(User, user.id)
            uploads = (
                await session.scalars(
                    select(FileUpload).where(FileUpload.user_id == user.id).order_by(FileUpload.id)
                )
            ).all()
            comments = (
                await session.execute(
                    select(ShareComment, InterviewJob.job_id)
                    .join(InterviewJob, InterviewJob.id == ShareComment.job_pk)
                    .where(InterviewJob.user_id == user.id)
                    .order_by(ShareComment.id)
                )
            ).all()
        account = {
            "id": user.id,
            "username": user.username,
            "createdAt": me.created_at.isoformat() if me else None,
            "videoRetentionDays": me.video_retention_days if me else None,
        }
        zf.writestr("account.json", _json(account))
        files = [
            {
                "id": u.id, "fileName": u.file_name, "originalFileName": u.original_file_name,
                "contentType": u.content_type, "fileSize": u.file_size, "sha256": u.sha256,
                "durationSeconds": u.duration_seconds, "uploadedAt": u.uploaded_at.isoformat(),
            }
            for u in uploads
        ]  # fmt: skip
        zf.writestr("files.json", _json(files))
        left = [
            {"jobId": job_id, "name": c.author, "text": c.text, "atSeconds": c.at_seconds,
             "createdAt": c.created_at.isoformat()}
            for c, job_id in comments
        ]  # fmt: skip
        zf.writestr("comments.json", _json(left))
        yield sink.drain()

        # jobs.json as one array, written job by job; then a report per job (a second pass, so
        # that neither is ever held whole)
        with zf.open("jobs.json", "w") as entry:
            entry.write(b"[")
            first = True
            async for _, shown, _ in _jobs(ctx, user):
                entry.write((b"" if first else b",") + _json(shown))
                first = False
                yield sink.drain()
            entry.write(b"]")
        async for job_id, shown, analysis in _jobs(ctx, user):
            zf.writestr(f"reports/{job_id}.html", render(shown, analysis))
            yield sink.drain()

        if videos:
            for upload in uploads:
                size = await ctx.store.size(upload.file_name)
                if not size:
                    continue
                info = zipfile.ZipInfo(f"videos/{upload.id}-{_safe(upload.original_file_name)}")
                info.date_time = upload.uploaded_at.timetuple()[:6]
                info.compress_type = zipfile.ZIP_STORED  # videos are compressed already
                with zf.open(info, "w", force_zip64=True) as entry:
                    async for chunk in await ctx.store.open_read(upload.file_name, 0, size - 1):
                        entry.write(chunk)
                        yield sink.drain()
    yield sink.drain()  # the central directory


async def _jobs(
    ctx: AppContext, user: AuthUser
) -> AsyncIterator[tuple[str, dict[str, Any], dict[str, Any] | None]]:
    """Every job of the user, newest first, a page at a time: (jobId, the job as the detail
    endpoint shows it, its analysis)."""
    before = None
    while True:
        page = await jobs.read_page(ctx.db.driver, user.id, status=None, before=before, limit=PAGE)
        for row in page:
            detail = await jobs.read_detail(ctx.db.driver, user.id, row.job_id)
            if detail is None:  # deleted meanwhile
                continue
            analysis = analysis_of(detail)
            shown = JobDetailOut.of_detail(detail, analysis).model_dump(mode="json", by_alias=True)
            yield row.job_id, shown, analysis
        if len(page) < PAGE:
            return
        before = page[-1]
