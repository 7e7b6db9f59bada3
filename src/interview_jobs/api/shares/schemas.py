"""Wire shapes of the sharing endpoints."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any, Literal

from pydantic import ConfigDict, Field, field_validator

from interview_jobs.contracts.common import AnalysisType, CamelModel, JobStatus

MAX_COMMENT_CHARS = 2000
MAX_AUTHOR_CHARS = 80
# Control characters other than line breaks and tabs never reach the store.
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")


class ShareCreate(CamelModel):
    model_config = ConfigDict(extra="forbid")

    expires_in_days: int | None = Field(default=None, ge=1, le=365)
    allow_comments: bool = False


class ShareOut(CamelModel):
    id: int
    # The link, with its token: only in the answer to its creation (only a hash is stored).
    url: str | None = None
    allow_comments: bool
    created_at: datetime
    expires_at: datetime
    state: Literal["active", "expired", "revoked"]


class CommentIn(CamelModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, max_length=MAX_AUTHOR_CHARS)
    text: str = Field(min_length=1, max_length=MAX_COMMENT_CHARS)
    at_seconds: float | None = Field(default=None, ge=0, le=24 * 3600)

    @field_validator("name", "text")
    @classmethod
    def _clean(cls, value: str) -> str:
        value = _CONTROL.sub("", value).strip()
        if not value:
            raise ValueError("must not be empty")
        return value


class CommentOut(CamelModel):
    id: int
    name: str
    text: str
    at_seconds: float | None
    created_at: datetime


class SharedReportOut(CamelModel):
    """What a share link shows: the report and its video, nothing else of the owner (no user,
    file name, job id or video link of theirs)."""

    status: JobStatus
    analysis_type: AnalysisType
    created_at: datetime
    duration_seconds: float | None
    detailed_analysis: dict[str, Any] | None
    # A short-lived signed URL of the uploaded video (None for a job made from a link, or when
    # the file was deleted).
    video_url: str | None
    allow_comments: bool
    expires_at: datetime
    comments: list[CommentOut]
