"""Wire shapes of the jobs endpoints (the seed's InterviewJobResponse and friends)."""

from __future__ import annotations

import hashlib
import json
from datetime import datetime
from typing import TYPE_CHECKING, Any, Self
from urllib.parse import urlsplit

from pydantic import BaseModel, Field, field_validator, model_validator

from interview_jobs.contracts.common import AnalysisType, CamelModel, JobStatus

if TYPE_CHECKING:
    from interview_jobs.api.jobs.repository import JobDetailRow, JobRow

MAX_PAGE = 200
MAX_ID = 2**63 - 1  # ids are 64-bit database keys
_URL_PATTERN = r"^[Hh][Tt][Tt][Pp][Ss]?://[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)*(:[0-9]{1,5})?(/[!-~]*)?$"


class AnalyzeRequest(CamelModel):
    """``POST /api/interview/analyze``. A ``userId`` in the body (the seed's request carries one)
    is ignored: the job belongs to the token's user."""

    video_url: str | None = Field(
        default=None,
        max_length=4096,
        # Documents what the validator below accepts (the validator is what decides).
        json_schema_extra={"format": "uri", "pattern": _URL_PATTERN},
    )
    file_id: int | None = Field(default=None, ge=1, le=MAX_ID)
    analysis_type: AnalysisType = AnalysisType.COMPREHENSIVE

    @field_validator("video_url")
    @classmethod
    def _absolute_http_url(cls, value: str | None) -> str | None:
        if value is None:
            return None
        value = value.strip()
        parts = urlsplit(value)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ValueError("must be an absolute http(s) URL")
        return value

    @field_validator("analysis_type", mode="before")
    @classmethod
    def _lowercase(cls, value: object) -> object:
        return value.lower() if isinstance(value, str) else value

    @model_validator(mode="after")
    def _something_to_analyse(self) -> AnalyzeRequest:
        if self.video_url is None and self.file_id is None:
            raise ValueError("give videoUrl or fileId (at least one)")
        return self

    def fingerprint(self) -> str:
        """Hash of the request's meaning, for Idempotency-Key comparisons."""
        canonical = json.dumps(self.wire(), sort_keys=True, separators=(",", ":"))
        return hashlib.sha256(canonical.encode()).hexdigest()


class ListQuery(BaseModel):
    """Query of ``GET /api/interview/jobs`` (one model: FastAPI's per-parameter handling costs
    more than the database read on this path)."""

    status: JobStatus | None = None
    limit: int = Field(default=50, ge=1, le=MAX_PAGE)
    before: str | None = Field(default=None, min_length=1, max_length=64)


class InterviewJobResponse(CamelModel):
    job_id: str
    status: JobStatus
    message: str
    analysis_type: AnalysisType
    created_at: datetime
    estimated_completion_time: datetime | None


class JobOut(CamelModel):
    id: int
    job_id: str
    user_id: int
    status: JobStatus
    message: str
    analysis_type: AnalysisType
    video_url: str
    file_id: int | None
    file_name: str | None = Field(
        default=None,
        description="(ext) the original name of the uploaded file the job analyses (null for "
        "a URL job); kept after the file is deleted",
    )
    created_at: datetime
    updated_at: datetime
    error_message: str | None
    progress: int | None = None
    attempt: int
    estimated_completion_time: datetime | None = None

    @classmethod
    def of(cls, job: JobRow) -> Self:
        return cls(**_shown(job))


class JobDetailOut(JobOut):
    detailed_analysis: dict[str, Any] | None = None
    duration_seconds: float | None = None

    @classmethod
    def of_detail(cls, job: JobDetailRow, analysis: dict[str, Any] | None) -> Self:
        return cls(**_shown(job), detailed_analysis=analysis, duration_seconds=job.duration_seconds)


def _shown(job: JobRow) -> dict[str, Any]:
    """The fields of :class:`JobOut` for a job row."""
    return {
        "id": job.id,
        "job_id": job.job_id,
        "user_id": job.user_id,
        "status": job.status,
        "message": status_message(job.status, job.error_message),
        "analysis_type": job.analysis_type,
        "video_url": job.video_url,
        "file_id": job.file_id,
        "file_name": job.file_name,
        "created_at": job.created_at,
        "updated_at": job.updated_at,
        "error_message": job.error_message,
        "progress": job.progress,
        "attempt": job.attempt,
        "estimated_completion_time": job.estimated_completion_at,
    }


STATUS_MESSAGES: dict[JobStatus, str] = {
    JobStatus.PENDING: "The job is queued for analysis.",
    JobStatus.PROCESSING: "The video is being analysed.",
    JobStatus.COMPLETED: "The analysis is complete.",
    JobStatus.FAILED: "The analysis failed.",
    JobStatus.CANCELLED: "The job was cancelled.",
}


def status_message(status: JobStatus, error_message: str | None) -> str:
    """The ``message`` of a job: a FAILED job's own reason, else its status in words."""
    if status is JobStatus.FAILED and error_message:
        return error_message
    return STATUS_MESSAGES[status]
