"""The AI backend's callback to the API (``POST /api/interview/analysis-callback``), in our form
(:class:`CallbackRequest`: analysisData an object, PROCESSING updates with progress and phase) or
in the original system's (:class:`SeedCallback`, sent when ``CALLBACK_FORMAT=seed``)."""

from __future__ import annotations

import json
from typing import Any, Literal

from pydantic import Field

from interview_jobs.contracts.common import CamelModel, JobStatus

CALLBACK_PATH = "/api/interview/analysis-callback"

CallbackStatus = Literal["PROCESSING", "COMPLETED", "FAILED"]
# (ext) What a job is doing. The AI backend sends the last three on PROCESSING callbacks; the API
# says "queued" itself until the first of them arrives.
Phase = Literal["queued", "downloading", "analysing", "scoring"]


class CallbackRequest(CamelModel):
    """``analysisData`` is a JSON object, or (the seed's form) a string holding one. The API
    validates it (422 when COMPLETED carries anything but an object); the AI backend always sends
    an object."""

    job_id: str = Field(min_length=1, max_length=64)
    status: CallbackStatus
    analysis_data: dict[str, Any] | str | None = None
    error_message: str | None = Field(default=None, max_length=10_000)
    progress: int | None = Field(default=None, ge=0, le=100)
    attempt: int | None = Field(default=None, ge=1)
    # (ext) the video's length once the worker has opened it, so the API can refine
    # estimatedCompletionTime for jobs submitted by URL.
    duration_seconds: float | None = Field(default=None, ge=0)
    # (ext) optional, so that callbacks of senders that predate it still parse.
    phase: Phase | None = None

    def analysis_object(self) -> dict[str, Any] | None:
        """analysisData as a dict; raises ValueError if it is a string that is not a JSON object."""
        data = self.analysis_data
        if data is None or isinstance(data, dict):
            return data
        try:
            parsed = json.loads(data)
        except ValueError as exc:
            raise ValueError(f"analysisData is a string but not JSON: {exc}") from exc
        if not isinstance(parsed, dict):
            raise ValueError("analysisData must be a JSON object")
        return parsed


class SeedCallback(CamelModel):
    """The original system's callback DTO (its Java backend's ``InterviewAnalysisCallbackRequest``:
    four String fields), exactly: the analysis as a JSON *string*, COMPLETED or FAILED, nothing
    else. A FAILED one has no analysis (null)."""

    job_id: str
    analysis_data: str | None
    status: Literal["COMPLETED", "FAILED"]
    error_message: str | None

    @classmethod
    def of(cls, callback: CallbackRequest) -> SeedCallback:
        """The seed form of a final callback (the original knows no PROCESSING)."""
        if callback.status == "PROCESSING":
            raise ValueError("the seed's callback has no PROCESSING status")
        data = callback.analysis_object()
        return cls(
            job_id=callback.job_id,
            analysis_data=None if data is None else json.dumps(data, separators=(",", ":")),
            status=callback.status,
            error_message=callback.error_message,
        )


class CallbackResponse(CamelModel):
    job_id: str
    status: JobStatus
    message: str
