"""Wire shapes of the jobs endpoints (the seed's InterviewJobResponse and friends)."""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, Self, cast
from urllib.parse import urlsplit

from pydantic import BaseModel, Field, field_validator, model_validator

from interview_jobs.contracts.callback import Phase
from interview_jobs.contracts.common import AnalysisType, CamelModel, JobStatus
from interview_jobs.contracts.questions import MAX_QUESTIONS, QuestionIn, find

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
    questions: list[QuestionIn] | None = Field(
        default=None,
        max_length=MAX_QUESTIONS,
        description="(ext) the interview's questions, in the order asked: each its own `text` "
        "or a bank `questionId` (GET /api/questions), with an optional `startSeconds` (when it "
        "was asked; increasing, within the video)",
    )

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
        """Hash of the request's meaning, for Idempotency-Key comparisons (a request without
        questions hashes as it did before they existed)."""
        meaning = self.wire()
        if meaning["questions"] is None:
            del meaning["questions"]
        canonical = json.dumps(meaning, sort_keys=True, separators=(",", ":"))
        return hashlib.sha256(canonical.encode()).hexdigest()


class ListQuery(BaseModel):
    """Query of ``GET /api/interview/jobs`` (one model: FastAPI's per-parameter handling costs
    more than the database read on this path)."""

    status: JobStatus | None = None
    limit: int = Field(default=50, ge=1, le=MAX_PAGE)
    before: str | None = Field(default=None, min_length=1, max_length=64)

    @field_validator("status", mode="before")
    @classmethod
    def _uppercase(cls, value: object) -> object:
        # Case-insensitive, as analysisType is: ?status=completed is COMPLETED.
        return value.upper() if isinstance(value, str) else value


class QuestionOut(CamelModel):
    """A job's question as stored: its words (a bank question's text copied when the job was
    created), its bank id and when it was asked, if given."""

    text: str
    question_id: str | None = None
    start_seconds: float | None = None


def stored_questions(questions: list[QuestionIn] | None) -> str | None:
    """What the job's ``questions`` column keeps: JSON of :class:`QuestionOut` items (an empty
    list is no questions, as if none were sent)."""
    if not questions:
        return None
    items = []
    for question in questions:
        known = find(question.question_id) if question.question_id is not None else None
        text = known.text if known is not None else question.text
        assert text is not None  # QuestionIn has text or a known questionId
        items.append(
            QuestionOut(
                text=text, question_id=question.question_id, start_seconds=question.start_seconds
            ).wire()
        )
    return json.dumps(items, separators=(",", ":"), ensure_ascii=False)


def forwarded_questions(stored: str | None) -> list[QuestionIn] | None:
    """A job's stored questions as the forward carries them: a bank question by its id (its text
    if the bank no longer has it), another by its text."""
    if stored is None:
        return None
    forwarded = []
    for item in json.loads(stored):
        question = QuestionOut.model_validate(item)
        by_id = question.question_id is not None and find(question.question_id) is not None
        forwarded.append(
            QuestionIn(
                text=None if by_id else question.text,
                question_id=question.question_id if by_id else None,
                start_seconds=question.start_seconds,
            )
        )
    return forwarded


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
    phase: Phase | None = Field(
        default=None,
        description="(ext) what the job is doing while PENDING or PROCESSING: queued, "
        "downloading, analysing or scoring; null once it is over",
    )
    attempt: int
    estimated_completion_time: datetime | None = None
    questions: list[QuestionOut] | None = Field(
        default=None, description="(ext) the questions the job was created with (null: none)"
    )

    video_deleted_at: datetime | None = Field(
        default=None,
        description="(ext) when the retention purge deleted the analysed video (the report stays)",
    )

    @classmethod
    def of(cls, job: JobRow) -> Self:
        return cls.model_validate(_shown(job))


class JobDetailOut(JobOut):
    detailed_analysis: dict[str, Any] | None = None
    duration_seconds: float | None = None

    @classmethod
    def of_detail(cls, job: JobDetailRow, analysis: dict[str, Any] | None) -> Self:
        return cls(**_shown(job), detailed_analysis=analysis, duration_seconds=job.duration_seconds)


class SeedJobDetailOut(CamelModel):
    """(ext) ``GET …/detail?format=seed``: the original's ``InterviewJobDetailResponse`` exactly —
    ``detailedAnalysis`` the analysis as a JSON string (its entity's type), timestamps zoneless
    ISO-8601 as a Java ``LocalDateTime`` writes them (in UTC)."""

    job_id: str
    status: JobStatus
    message: str
    created_at: str
    updated_at: str
    detailed_analysis: str | None
    error_message: str | None
    analysis_type: AnalysisType
    video_url: str
    file_id: int | None

    @classmethod
    def of_detail(cls, job: JobDetailRow) -> Self:
        derived = {"message", "created_at", "updated_at"}
        return cls(
            **{name: getattr(job, name) for name in cls.model_fields if name not in derived},
            message=status_message(job.status, job.error_message),
            created_at=_zoneless(job.created_at),
            updated_at=_zoneless(job.updated_at),
        )


def _zoneless(moment: datetime) -> str:
    """``2025-07-25T10:00:00.123456``: UTC, without the offset (the seed's LocalDateTime)."""
    return moment.astimezone(UTC).replace(tzinfo=None).isoformat()


def _shown(job: JobRow) -> dict[str, Any]:
    """The fields of :class:`JobOut` for a job row: its columns of the same names, and those
    derived from them."""
    return {name: getattr(job, name) for name in _SAME_AS_ROW} | {
        "message": status_message(job.status, job.error_message),
        "phase": shown_phase(job),
        "estimated_completion_time": job.estimated_completion_at,
        "questions": json.loads(job.questions) if job.questions is not None else None,
        "video_deleted_at": job.video_deleted_at,
    }


_DERIVED = {"message", "phase", "estimated_completion_time", "questions"}
_SAME_AS_ROW = [name for name in JobOut.model_fields if name not in _DERIVED]


def shown_phase(job: JobRow) -> Phase | None:
    """The job's phase as clients see it: "queued" until a worker reports one, none once over."""
    if job.status.is_terminal:
        return None
    return cast(Phase, job.phase or "queued")


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
