"""HTTP of progress: ``GET /api/interview/progress`` (ext)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Response

from interview_jobs.api.deps import CurrentUser, ReadsDep, json_response
from interview_jobs.api.errors import ValidationFailed, error_responses
from interview_jobs.api.progress import service
from interview_jobs.api.progress.schemas import ProgressOut, ProgressQuery

router = APIRouter(
    prefix="/api/interview", tags=["progress"], responses=error_responses(401, 422, 503)
)


@router.get("/progress", response_model=ProgressOut)
async def get_progress(
    user: CurrentUser, reads: ReadsDep, query: Annotated[ProgressQuery, Query()]
) -> Response:
    """The caller's completed attempts over time (``from`` ≤ createdAt < ``to``, optionally one
    question category): the series, the average, the personal bests, the latest attempt against
    the average, and the questions answered."""
    if query.start is not None and query.end is not None and query.start >= query.end:
        raise ValidationFailed.field("from", "must be before 'to'")
    # Rendered here: the model is built by the service already, validating it again as the
    # response model would costs as much as the reads.
    return json_response(await service.progress(reads, user, query))
