"""A job forwarded by the API to the AI backend: ``POST {AI_URL}/api/v1/interview/analyze``."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, field_validator

from interview_jobs.contracts.common import AnalysisType, CamelModel
from interview_jobs.contracts.questions import MAX_QUESTIONS, QuestionIn

FORWARD_PATH = "/api/v1/interview/analyze"
# The original Java backend's health probe, kept for drop-in compatibility.
LEGACY_HEALTH_PATH = "/api/v1/interview/health"
API_KEY_HEADER = "X-API-Key"


class ForwardRequest(CamelModel):
    """What the API sends. The original system sent no callbackUrl/attempt and userId as a string:
    both are accepted (callbackUrl then defaults to the AI backend's configured API_URL), and an
    ``analysisType`` of null means the default. ``questions`` *(ext)* is left out when a job has
    none, so a forward reads as the original's."""

    job_id: str = Field(min_length=1, max_length=64)
    video_url: str = Field(min_length=1, max_length=4096)
    analysis_type: AnalysisType = AnalysisType.COMPREHENSIVE
    user_id: str | None = None
    file_id: int | None = None
    callback_url: str | None = Field(default=None, max_length=4096)
    attempt: int = Field(default=1, ge=1)
    # (ext) The job's questions, as the API took them (the original sends none: the analysis then
    # looks for the questions in the recording itself).
    questions: list[QuestionIn] | None = Field(default=None, max_length=MAX_QUESTIONS)

    @field_validator("analysis_type", mode="before")
    @classmethod
    def _null_is_the_default(cls, value: object) -> object:
        # The original's DTO has a String field that its clients may leave unset (JSON null).
        return AnalysisType.COMPREHENSIVE if value is None else value

    @field_validator("user_id", mode="before")
    @classmethod
    def _user_id_as_text(cls, value: object) -> object:
        # Ours sends an int, the original a string: keep one type on our side.
        return str(value) if isinstance(value, int) and not isinstance(value, bool) else value

    @field_validator("file_id", mode="before")
    @classmethod
    def _file_id_from_text(cls, value: object) -> object:
        if isinstance(value, str) and value.strip().isdigit():
            return int(value)
        return value


class ForwardAccepted(CamelModel):
    job_id: str
    status: Literal["QUEUED"] = "QUEUED"
